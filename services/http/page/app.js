// The what-if page: builds a Scenario from the form, runs it through the
// server's HTTP/JSON gateway (StartRun, then WatchRun's lines for progress,
// CancelRun to stop), and draws the report with ECharts. Plans A and B go
// to CompareScenarios (common random numbers), the total budget to
// OptimizeBudget. Everything the page shows comes from the API's messages.
'use strict';

const $ = (s, el = document) => el.querySelector(s);
const $$ = (s, el = document) => Array.from(el.querySelectorAll(s));
const DEVICE_TYPES = ['tv', 'phone', 'ott_box', 'speaker', 'wearable', 'tablet', 'car'];
// Devices shared by a household: an impression reaches the member who
// turned it on and, with this probability, each other member present.
const SHARED = {tv: 0.3, ott_box: 0.3, speaker: 0.2};
const BUYING = {share_of_voice: 'share of voice', budget: 'budget (yuan)',
                impression_goal: 'impression goal'};
const aiot = window.aiot = {report: null, scenario: null, runId: null,
                            plans: {A: null, B: null}, charts: {}, comparison: null,
                            optimization: null};

// Numbers for people: thousands separators, fixed decimals.
function fmt(v, decimals = 0) {
  if (v === undefined || v === null || Number.isNaN(+v)) return '-';
  return (+v).toLocaleString('en-US', {minimumFractionDigits: decimals,
                                       maximumFractionDigits: decimals});
}
function setState(s) { document.body.dataset.state = s; }
function status(text) { $('#status').textContent = text; }

// ---- the form ---------------------------------------------------------

function placementRow(p) {
  const tr = document.createElement('tr');
  const i = () => $$('#placements tbody tr').indexOf(tr);
  tr.innerHTML = `
    <td><input class="p_name" value="${p.name}"></td>
    <td><select class="p_device">${DEVICE_TYPES.map(
        t => `<option${t === p.device ? ' selected' : ''}>${t}</option>`).join('')}</select></td>
    <td><input class="p_prob" type="number" min="0" max="1" step="0.05" value="${p.prob}"></td>
    <td><select class="p_buying">${Object.entries(BUYING).map(
        ([k, v]) => `<option value="${k}"${k === p.buying ? ' selected' : ''}>${v}</option>`).join('')}</select></td>
    <td><input class="p_amount" type="number" min="0" step="any" value="${p.amount}">
        <input class="p_slider" type="range" min="0" max="100000" step="500" value="${p.amount}"></td>
    <td><input class="p_cpm" type="number" min="0" step="any" value="${p.cpm}"></td>
    <td><input class="p_from" type="number" min="0" max="23" placeholder="from" value="${p.from ?? ''}">
        <input class="p_to" type="number" min="1" max="24" placeholder="to" value="${p.to ?? ''}"></td>
    <td><button type="button" class="p_remove" title="remove">&times;</button></td>`;
  const amount = $('.p_amount', tr), slider = $('.p_slider', tr);
  slider.addEventListener('input', () => { amount.value = slider.value; });
  amount.addEventListener('input', () => { slider.value = amount.value; });
  const buying = $('.p_buying', tr);
  const sync = () => {
    const sov = buying.value === 'share_of_voice';
    slider.max = sov ? 1 : buying.value === 'budget' ? 20000 : 1000000;
    slider.step = sov ? 0.01 : buying.value === 'budget' ? 100 : 5000;
  };
  buying.addEventListener('change', sync);
  sync();
  $('.p_remove', tr).addEventListener('click', () => tr.remove());
  tr.fields = () => {
    const n = i();
    $('.p_name', tr).dataset.field = `placements[${n}].name`;
    $('.p_device', tr).dataset.field = `placements[${n}].device_type`;
    $('.p_prob', tr).dataset.field = `placements[${n}].opportunity`;
    $('.p_amount', tr).dataset.field = `placements[${n}].${buying.value}`;
    $('.p_cpm', tr).dataset.field = `placements[${n}].cpm`;
    $('.p_from', tr).dataset.field = `placements[${n}].dayparts`;
  };
  return tr;
}

function addPlacement(p) { $('#placements tbody').appendChild(placementRow(p)); }

// The Scenario message of the form, as JSON (field names as in the .proto).
function scenario() {
  const num = id => Number($(id).value);
  const s = {
    name: $('#name').value.trim(),
    seed: String(Math.max(0, Math.floor(num('#seed')))),
    ecosystem: {preset: {name: $('#preset').value, scale: num('#scale')}},
    flight_days: num('#flight_days'),
    replicates: num('#replicates'),
    platform_units: $('#platform_units').checked,
    report: {audiences: true},
    placements: [],
  };
  for (const tr of $$('#placements tbody tr')) {
    tr.fields();
    const p = {
      name: $('.p_name', tr).value.trim(),
      device_type: $('.p_device', tr).value,
      opportunity: {bernoulli: {probability: Number($('.p_prob', tr).value)}},
    };
    if (p.device_type in SHARED) {
      p.audience = {kind: 'AUDIENCE_KIND_TURNER_AND_PRESENT',
                    co_presence_probability: SHARED[p.device_type]};
    }
    const buying = $('.p_buying', tr).value;
    const amount = Number($('.p_amount', tr).value);
    if (buying === 'impression_goal') p.impression_goal = String(Math.round(amount));
    else p[buying] = amount;
    const cpm = $('.p_cpm', tr).value;
    if (cpm !== '' && (buying !== 'share_of_voice' || Number(cpm) > 0)) p.cpm = Number(cpm);
    const from = $('.p_from', tr).value, to = $('.p_to', tr).value;
    if (from !== '' || to !== '')
      p.dayparts = [{start_hour: Number(from || 0), end_hour: Number(to || 24)}];
    s.placements.push(p);
  }
  if ($('#cap_on').checked) {
    s.frequency_caps = [{name: 'cross-device cap', scope: $('#cap_scope').value,
                         period: $('#cap_period').value, limit: num('#cap_limit')}];
  }
  const ages = $('#age_bands').value.split(',').map(x => x.trim()).filter(x => x);
  if (ages.length) s.target = {age_bands: ages};
  return s;
}
aiot.scenario = scenario;

// ---- calls ------------------------------------------------------------

function headers() {
  const h = {'Content-Type': 'application/json'};
  const t = $('#token').value.trim();
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

async function call(method, body) {
  const r = await fetch('/v1/' + method, {method: 'POST', headers: headers(),
                                          body: JSON.stringify(body)});
  const j = await r.json().catch(() => ({error: {message: r.statusText}}));
  if (!r.ok || j.error) throw j.error || {message: r.statusText};
  return j;
}
aiot.call = call;

// WatchRun's lines as they come: calls onLine with each WatchRunResponse.
async function watch(id, onLine) {
  const r = await fetch('/v1/WatchRun', {method: 'POST', headers: headers(),
                                         body: JSON.stringify({id})});
  if (!r.ok) throw (await r.json()).error;
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (line.error) throw line.error;
      onLine(line);
    }
  }
}

// ---- errors beside their fields ---------------------------------------

function clearErrors() {
  $('#error').textContent = '';
  $$('.invalid').forEach(el => el.classList.remove('invalid'));
  $$('.field-error').forEach(el => el.remove());
}

function showError(e) {
  const message = e.message || String(e);
  $('#error').textContent = message;
  const field = (e.field || '').replace(/^scenario\./, '');
  if (!field) return;
  // The input for the field, or for the closest enclosing one.
  let input = null;
  for (let f = field; f && !input; f = f.replace(/(\.[^.]*|\[\d+\])$/, '')) {
    input = $$('[data-field]').find(el => el.dataset.field === f);
    if (f.indexOf('.') < 0 && f.indexOf('[') < 0) break;
  }
  if (!input) return;
  input.classList.add('invalid');
  const note = document.createElement('div');
  note.className = 'field-error';
  note.textContent = message;
  input.insertAdjacentElement('afterend', note);
}

// ---- running ----------------------------------------------------------

async function run() {
  clearErrors();
  const s = scenario();
  aiot.report = null;
  setState('running');
  $('#run').disabled = true;
  $('#progress').value = 0;
  status('starting');
  try {
    const started = await call('StartRun', {scenario: s});
    aiot.runId = started.run.id;
    $('#cancel').disabled = false;
    let last = null;
    await watch(aiot.runId, line => {
      last = line;
      $('#progress').value = line.run.fraction || 0;
      status(`${line.run.id}: ${line.run.state.replace('RUN_STATE_', '').toLowerCase()}` +
             (line.run.phase ? `, ${line.run.phase}` : '') +
             ` ${fmt(100 * (line.run.fraction || 0))}%`);
    });
    const state = last ? last.run.state : '';
    if (state === 'RUN_STATE_SUCCEEDED') {
      aiot.lastScenario = s;
      render(last.report, s);
      setState('done');
      status(`${last.run.id}: done`);
    } else if (state === 'RUN_STATE_CANCELLED') {
      setState('cancelled');
      status(`${last.run.id}: cancelled`);
    } else {
      setState('error');
      showError({message: (last && last.run.error) || 'the run failed'});
    }
  } catch (e) {
    setState('error');
    status('');
    showError(e);
  } finally {
    $('#run').disabled = false;
    $('#cancel').disabled = true;
  }
}

async function cancel() {
  if (!aiot.runId) return;
  try { await call('CancelRun', {id: aiot.runId}); } catch (e) { showError(e); }
}

// ---- drawing ----------------------------------------------------------

function chart(id, option) {
  const el = $('#' + id);
  let c = aiot.charts[id];
  if (!c) c = aiot.charts[id] = echarts.init(el, null, {renderer: 'svg'});
  c.setOption(Object.assign({animation: false, tooltip: {trigger: 'axis'},
                             grid: {left: 70, right: 30, top: 50, bottom: 40}}, option), true);
  return c;
}
const axisNumber = {axisLabel: {formatter: v => fmt(v)}};

function interval(report, figure, decimals = 0) {
  const f = ((report.uncertainty || {}).figures || []).find(x => x.figure === figure);
  return f ? `95%: ${fmt(f.lower, decimals)} to ${fmt(f.upper, decimals)}` : '';
}

function table(id, columns, rows) {
  const t = $('#' + id);
  t.innerHTML = '<thead><tr>' + columns.map(c => `<th>${c[0]}</th>`).join('') +
      '</tr></thead><tbody>' +
      rows.map(r => '<tr>' + columns.map(c => `<td>${c[1](r)}</td>`).join('') + '</tr>').join('') +
      '</tbody>';
}

// A report in platform units projected from a sample: the factor from the
// sample's counts to the platform's (1 / the sample fraction), else 0.
function projectionScale(r) {
  const f = r.platform ? +r.platform.sample_fraction : 0;
  return f > 0 && f < 1 ? 1 / f : 0;
}

function render(r, s) {
  aiot.report = r;
  $('#results').hidden = false;
  // In platform units every count drawn is the platform's: the projected
  // headline figures with their sampling intervals, and the sample's rows
  // times the scale in the charts and tables. Shares stay the sample's.
  const k = projectionScale(r);
  const n = v => k ? Math.round(+v * k) : +v;
  const unit = k ? ' (platform)' : '';
  $('#result_name').textContent = k
      ? `(${r.scenario}, the platform's ${fmt(r.platform.platform_people)} people, ` +
        `projected from a sample of ${fmt(r.universe.all_people)})`
      : `(${r.scenario}, ${fmt(r.universe.people)} people)`;
  const projected = (figure, decimals = 0) => {
    const p = r.platform[figure];
    return [fmt(p.value, decimals), `95%: ${fmt(p.lower, decimals)} to ${fmt(p.upper, decimals)}`];
  };
  const cards = k ? [
    ['people reached', ...projected('reach_people'), 'platform.reach_people'],
    ['reach %', fmt(r.reach_pct, 2), interval(r, 'reach_pct', 2), 'reach_pct'],
    ['households reached', ...projected('reach_households'), 'platform.reach_households'],
    ['average frequency', fmt(r.average_frequency, 2), interval(r, 'average_frequency', 2), 'average_frequency'],
    ['impressions', ...projected('impressions'), 'platform.impressions'],
    ['GRP', fmt(r.grp, 1), '', 'grp'],
    ['spend (yuan)', ...projected('spend', 2), 'platform.spend'],
    ['yuan a person reached', fmt(r.cost_per_reached_person, 4), '', 'cost_per_reached_person'],
  ] : [
    ['people reached', fmt(r.reach_people), interval(r, 'reach_people'), 'reach_people'],
    ['reach %', fmt(r.reach_pct, 2), interval(r, 'reach_pct', 2), 'reach_pct'],
    ['households reached', fmt(r.reach_households), interval(r, 'reach_households'), 'reach_households'],
    ['average frequency', fmt(r.average_frequency, 2), interval(r, 'average_frequency', 2), 'average_frequency'],
    ['impressions', fmt(r.impressions), interval(r, 'impressions'), 'impressions'],
    ['GRP', fmt(r.grp, 1), '', 'grp'],
    ['spend (yuan)', fmt(r.spend, 2), interval(r, 'spend', 2), 'spend'],
    ['yuan a person reached', fmt(r.cost_per_reached_person, 4), '', 'cost_per_reached_person'],
  ];
  $('#headline').innerHTML = cards.map(([k, v, ci, f]) =>
      `<div class="card" data-figure="${f}"><div class="k">${k}</div><div class="v">${v}</div>` +
      `<div class="ci">${ci}</div></div>`).join('');

  chart('chart_daily', {
    xAxis: {type: 'category', name: 'day', nameLocation: 'middle', nameGap: 26, data: r.daily.map(d => d.day)},
    yAxis: {type: 'value', name: 'people' + unit, ...axisNumber},
    legend: {top: 0, right: 0},
    series: [{name: 'cumulative reach', type: 'line', data: r.daily.map(d => n(d.cumulative_reach_people))},
             {name: 'new reach', type: 'bar', data: r.daily.map(d => n(d.new_reach_people))}],
  });
  chart('chart_frequency', {
    xAxis: {type: 'category', name: 'exposures', nameLocation: 'middle', nameGap: 26,
            data: r.frequency_histogram.map((_, i) => i + 1 === r.frequency_histogram.length ? `${i + 1}+` : `${i + 1}`)},
    yAxis: {type: 'value', name: 'people' + unit, ...axisNumber},
    series: [{name: 'people', type: 'bar', data: r.frequency_histogram.map(n)}],
  });
  chart('chart_devices', {
    xAxis: {type: 'category', data: r.device_types.map(d => d.name)},
    yAxis: {type: 'value', name: 'people' + unit, ...axisNumber},
    legend: {top: 0, right: 0},
    series: [{name: 'only on it', type: 'bar', stack: 'reach', data: r.device_types.map(d => n(d.exclusive_reach))},
             {name: 'also elsewhere', type: 'bar', stack: 'reach',
              data: r.device_types.map(d => n(+d.reach_people - +d.exclusive_reach))}],
  });
  chart('chart_placements', {
    xAxis: {type: 'category', data: r.placements.map(p => p.name)},
    yAxis: {type: 'value', name: 'people' + unit, ...axisNumber},
    legend: {top: 0, right: 0},
    series: [{name: 'reach', type: 'bar', data: r.placements.map(p => n(p.reach_people))},
             {name: 'incremental', type: 'bar', data: r.placements.map(p => n(p.incremental_reach))}],
  });
  chart('chart_weekly', {
    xAxis: {type: 'category', name: 'week', nameLocation: 'middle', nameGap: 26, data: r.weekly.map(w => w.week)},
    yAxis: {type: 'value', name: 'people' + unit, ...axisNumber},
    legend: {top: 0, right: 0},
    series: [{name: 'reach in the week', type: 'bar', data: r.weekly.map(w => n(w.reach_people))},
             {name: 'cumulative', type: 'line', data: r.weekly.map(w => n(w.cumulative_reach_people))}],
  });
  const ages = (r.audiences || []).filter(a => a.attribute === 'age_band');
  chart('chart_audience', {
    xAxis: {type: 'category', data: ages.map(a => a.category)},
    yAxis: {type: 'value', name: 'reach %', axisLabel: {formatter: v => fmt(v, 0)}},
    series: [{name: 'reach %', type: 'bar', data: ages.map(a => +(+a.reach_pct).toFixed(2))}],
  });

  table('table_placements', [
    ['placement', p => p.name], ['impressions' + unit, p => fmt(n(p.impressions))],
    ['reach' + unit, p => fmt(n(p.reach_people))], ['reach %', p => fmt(p.reach_pct, 2)],
    ['only on it' + unit, p => fmt(n(p.exclusive_reach))], ['incremental' + unit, p => fmt(n(p.incremental_reach))],
    ['frequency', p => fmt(p.average_frequency, 2)]], r.placements);
  table('table_delivery', [
    ['placement', d => d.name], ['bought by', d => d.buying], ['won' + unit, d => fmt(n(d.won))],
    ['served' + unit, d => fmt(n(d.served))], ['refused by caps' + unit, d => fmt(n(d.refused_by_cap))],
    ['goal' + unit, d => +d.goal ? fmt(n(d.goal)) : '-'],
    ['under-delivery' + unit, d => +d.goal ? `${fmt(n(d.under_delivery))} (${fmt(d.under_delivery_pct, 1)}%)` : '-'],
    ['spend (yuan)' + unit, d => fmt(k ? +d.spend * k : d.spend, 2)]], r.delivery);
  $('#caps_block').hidden = !(r.caps || []).length;
  table('table_caps', [
    ['cap', c => c.name], ['limit', c => `${c.limit} a ${c.period} per ${c.scope}`],
    ['refused' + unit, c => fmt(n(c.refused))],
    ['exposures past the limit' + unit, c => fmt(n(c.exposures_over_limit))],
    ['waste (yuan)' + unit, c => fmt(k ? +c.waste_yuan * k : c.waste_yuan, 2)]], r.caps || []);
  $('#streams_block').hidden = !(r.live_streams || []).length;
  table('table_streams', [
    ['stream', x => x.name], ['unique viewers' + unit, x => fmt(n(x.unique_viewers))],
    ['peak concurrent' + unit, x => fmt(n(x.peak_concurrent))],
    ['new followers' + unit, x => fmt(n(x.new_followers))]],
    r.live_streams || []);

  const blob = (text, type) => URL.createObjectURL(new Blob([text], {type}));
  $('#dl_scenario').href = blob(JSON.stringify(s, null, 2), 'application/json');
  $('#dl_report').href = blob(JSON.stringify(r, null, 2), 'application/json');
  $('#dl_csv').href = blob('placement,impressions,reach_people,reach_pct,exclusive_reach,incremental_reach\n' +
      r.placements.map(p => [p.name, p.impressions, p.reach_people, p.reach_pct,
                             p.exclusive_reach, p.incremental_reach].join(',')).join('\n') + '\n', 'text/csv');
  $('#keep_a').disabled = $('#keep_b').disabled = false;
}

// ---- plans, comparison, optimizer -------------------------------------

function keep(which) {
  aiot.plans[which] = aiot.lastScenario;
  $('#compare').disabled = !(aiot.plans.A && aiot.plans.B);
  status(`plan ${which}: ${aiot.lastScenario.name}`);
}

async function compare() {
  clearErrors();
  setState('running');
  try {
    const base = Object.assign({}, aiot.plans.A, {name: aiot.plans.A.name + ' (A)'});
    const variant = Object.assign({}, aiot.plans.B, {name: aiot.plans.B.name + ' (B)'});
    const c = (await call('CompareScenarios', {base, variants: [variant]})).comparison;
    aiot.comparison = c;
    $('#comparison').hidden = false;
    const deltas = c.variants[0].deltas;
    const decimals = f => /cost_per/.test(f) ? 4 : /pct|frequency|grp|spend/.test(f) ? 2 : 0;
    table('table_comparison', [
      ['figure', d => d.figure], ['plan A', d => fmt(d.base, decimals(d.figure))],
      ['plan B', d => fmt(d.variant, decimals(d.figure))],
      ['B - A', d => `<span class="${d.delta > 0 ? 'up' : d.delta < 0 ? 'down' : ''}">` +
                     `${d.delta > 0 ? '+' : ''}${fmt(d.delta, decimals(d.figure))}</span>`],
      ['relative', d => `${d.relative_delta > 0 ? '+' : ''}${fmt(100 * d.relative_delta, 1)}%`]], deltas);
    setState('done');
  } catch (e) {
    setState('error');
    showError(e);
  }
}

async function optimize() {
  clearErrors();
  setState('running');
  status('optimizing');
  try {
    const o = (await call('OptimizeBudget', {scenario: scenario(),
                                             options: {budget: Number($('#total_budget').value)}})).optimization;
    aiot.optimization = o;
    $('#optimization').hidden = false;
    $('#optimization_summary').textContent =
        `Objective ${o.objective}: ${fmt(o.objective_value)} for ${fmt(o.budget)} yuan` +
        (o.marginal_cost_per_reach_point ? `; one more point of reach costs about ${fmt(o.marginal_cost_per_reach_point)} yuan` : '') + '.';
    table('table_allocation', [
      ['placement', a => a.placement], ['budget (yuan)', a => fmt(a.budget, 2)],
      ['share', a => `${fmt(100 * a.share, 1)}%`], ['served', a => fmt(a.served)],
      ['saturated', a => a.saturated ? 'yes' : ''], ['marginal yuan a unit', a => fmt(a.marginal_cost, 4)]],
      o.allocation);
    chart('chart_frontier', {
      xAxis: {type: 'value', name: 'budget (yuan)', ...axisNumber},
      yAxis: {type: 'value', name: o.objective, ...axisNumber},
      series: [{name: o.objective, type: 'line', data: o.frontier.map(f => [f.budget, f.objective])}],
    });
    render(o.report, scenario());
    setState('done');
    status('optimized');
  } catch (e) {
    setState('error');
    showError(e);
  }
}

// ---- start ------------------------------------------------------------

addPlacement({name: 'tv_boot', device: 'tv', prob: 0.35, buying: 'budget', amount: 800, cpm: 20});
addPlacement({name: 'phone_splash', device: 'phone', prob: 0.5, buying: 'budget', amount: 1200, cpm: 15});
$('#add_placement').addEventListener('click', () =>
    addPlacement({name: `placement_${$$('#placements tbody tr').length + 1}`, device: 'speaker',
                  prob: 0.3, buying: 'share_of_voice', amount: 0.1, cpm: ''}));
$('#run').addEventListener('click', run);
$('#cancel').addEventListener('click', cancel);
$('#keep_a').addEventListener('click', () => keep('A'));
$('#keep_b').addEventListener('click', () => keep('B'));
$('#compare').addEventListener('click', compare);
$('#optimize').addEventListener('click', optimize);
$('#token').value = localStorage.getItem('aiotreach_token') || '';
$('#token').addEventListener('change', () => localStorage.setItem('aiotreach_token', $('#token').value));
window.addEventListener('resize', () => Object.values(aiot.charts).forEach(c => c.resize()));
setState('ready');
