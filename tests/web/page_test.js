// The what-if page in a real browser: Debian's headless Chromium driven by
// playwright-core (from npm, no browser download), against a running
// `aiotreach serve --http_listen`. Usage: node page_test.js BASE_URL OUT_DIR
//
// Loads the page, sets a budget, runs, and checks that the figures drawn
// equal the API's for the same scenario; keeps two plans and checks the
// comparison against CompareScenarios; shows a bad input's error beside
// its field; cancels a long run; takes screenshots into OUT_DIR.
'use strict';
const path = require('path');
const {chromium} = require('playwright-core');

const [base, outDir] = process.argv.slice(2);
let failures = 0;
function check(ok, what) {
  if (ok) {
    console.log('ok: ' + what);
  } else {
    failures++;
    console.log('FAIL: ' + what);
  }
}
const digits = s => Number(String(s).replace(/[^0-9.-]/g, ''));

async function api(method, body) {
  const r = await fetch(base + '/v1/' + method, {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return r.json();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({viewport: {width: 1280, height: 1800}});
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('requestfailed', r => errors.push('request failed: ' + r.url()));
  page.on('request', r => {
    if (!r.url().startsWith(base)) errors.push('a request off the server: ' + r.url());
  });
  await page.goto(base + '/');
  await page.waitForSelector('body[data-state="ready"]', {timeout: 60000});
  check(await page.evaluate(() => typeof echarts === 'object'), 'the vendored ECharts loaded');

  // Plan A: the phone budget at 300 yuan, 3 replicates.
  await page.fill('#replicates', '3');
  const phone = page.locator('#placements tbody tr').nth(1);
  await phone.locator('.p_amount').fill('300');
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"]', {timeout: 120000});
  const scenarioA = await page.evaluate(() => window.aiot.lastScenario);
  check(scenarioA.placements[1].budget === 300, 'the budget typed is the scenario\'s');
  const drawn = await page.evaluate(() => Object.fromEntries(
      Array.from(document.querySelectorAll('#headline .card')).map(
          c => [c.dataset.figure, c.querySelector('.v').textContent])));
  const ref = (await api('RunScenario', {scenario: scenarioA})).report;
  check(digits(drawn.reach_people) === Number(ref.reach_people),
        `people reached drawn ${drawn.reach_people} = the API's ${ref.reach_people}`);
  check(digits(drawn.impressions) === Number(ref.impressions),
        `impressions drawn ${drawn.impressions} = the API's ${ref.impressions}`);
  check(digits(drawn.reach_pct) === Number(ref.reach_pct.toFixed(2)),
        `reach % drawn ${drawn.reach_pct} = the API's ${ref.reach_pct.toFixed(2)}`);
  const ci = await page.textContent('#headline .card[data-figure="reach_people"] .ci');
  check(/95%: [0-9,]+ to [0-9,]+/.test(ci), `an interval with replicates: ${ci}`);
  // The charts hold the report's rows.
  const series = await page.evaluate(() => {
    const o = id => window.aiot.charts[id].getOption();
    return {daily: o('chart_daily').series[0].data,
            freq: o('chart_frequency').series[0].data,
            devices: o('chart_devices').xAxis[0].data};
  });
  check(series.daily.length === ref.daily.length &&
        series.daily[series.daily.length - 1] === Number(ref.daily[ref.daily.length - 1].cumulative_reach_people),
        'the daily curve ends at the API\'s cumulative reach');
  check(JSON.stringify(series.freq) === JSON.stringify(ref.frequency_histogram.map(Number)),
        'the frequency chart is the API\'s histogram');
  check(JSON.stringify(series.devices) === JSON.stringify(ref.device_types.map(d => d.name)),
        'a bar a device type');
  await page.screenshot({path: path.join(outDir, 'page_results.png'), fullPage: true});
  await page.click('#keep_a');

  // Plan B: the phone budget at 1,500; compare.
  await phone.locator('.p_amount').fill('1500');
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"]', {timeout: 120000});
  const scenarioB = await page.evaluate(() => window.aiot.lastScenario);
  await page.click('#keep_b');
  await page.click('#compare');
  await page.waitForSelector('#comparison:not([hidden]) #table_comparison tbody tr', {timeout: 120000});
  const rows = await page.$$eval('#table_comparison tbody tr',
                                 trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent)));
  const cmp = (await api('CompareScenarios', {
    base: Object.assign({}, scenarioA, {name: scenarioA.name + ' (A)'}),
    variants: [Object.assign({}, scenarioB, {name: scenarioB.name + ' (B)'})]})).comparison;
  const reachRow = rows.find(r => r[0] === 'reach_people');
  const reachDelta = cmp.variants[0].deltas.find(d => d.figure === 'reach_people');
  check(reachRow && digits(reachRow[3]) === reachDelta.delta,
        `the comparison's reach delta ${reachRow && reachRow[3]} = the API's ${reachDelta.delta}`);
  check(reachDelta.delta > 0, 'more budget reaches more people');
  await page.screenshot({path: path.join(outDir, 'page_compare.png'), fullPage: true});

  // A bad input: the error is shown beside its field.
  await page.fill('#flight_days', '0');
  await page.click('#run');
  await page.waitForSelector('body[data-state="error"]', {timeout: 60000});
  const invalid = await page.getAttribute('.invalid', 'id');
  check(invalid === 'flight_days', `the error marks the field it names (${invalid})`);
  check(/flight_days/.test(await page.textContent('#error')), 'the message names the field');
  await page.fill('#flight_days', '14');

  // Platform units: small-city at scale 0.1 is a 1/10 sample; the figures
  // drawn are the platform's (the API's projection, and the sample's rows
  // times 10 in the charts).
  await page.fill('#scale', '0.1');
  await page.check('#platform_units');
  await page.fill('#replicates', '1');
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"]', {timeout: 120000});
  const scenarioP = await page.evaluate(() => window.aiot.lastScenario);
  check(scenarioP.platform_units === true, 'the scenario is in platform units');
  const refP = (await api('RunScenario', {scenario: scenarioP})).report;
  const drawnP = await page.textContent(
      '#headline .card[data-figure="platform.reach_people"] .v');
  check(digits(drawnP) === Math.round(refP.platform.reach_people.value),
        `platform people reached drawn ${drawnP} = the API's ${refP.platform.reach_people.value}`);
  const dailyP = await page.evaluate(
      () => window.aiot.charts['chart_daily'].getOption().series[0].data);
  const lastP = Number(refP.daily[refP.daily.length - 1].cumulative_reach_people);
  check(Math.abs(refP.platform.sample_fraction - 0.1) < 1e-9 &&
        dailyP[dailyP.length - 1] === Math.round(lastP * 10),
        `the daily curve is the platform's: ${dailyP[dailyP.length - 1]} = 10 x ${lastP}`);
  await page.uncheck('#platform_units');
  await page.fill('#scale', '1');

  // A long run, cancelled.
  await page.selectOption('#preset', 'xiaomi-2020');
  await page.fill('#scale', '0.5');
  await page.fill('#flight_days', '60');
  await page.fill('#replicates', '1');
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('running'),
                             null, {timeout: 120000});
  await page.click('#cancel');
  await page.waitForSelector('body[data-state="cancelled"]', {timeout: 120000});
  check(true, 'a long run was cancelled');

  check(errors.length === 0, 'no script errors, no request off the server: ' + errors.join('; '));
  await browser.close();
  console.log(failures ? `${failures} FAILED` : 'all passed');
  process.exit(failures ? 1 : 0);
})().catch(e => {
  console.log('FAIL: ' + (e.stack || e));
  process.exit(1);
});
