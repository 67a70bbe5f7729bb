#!/usr/bin/env bash
# The HTML report in headless Chromium (Debian's chromium, installed by
# tools/setup): the page loads without script errors (its self-check
# script marks the body ready) and its charts hold the expected number of
# bars and points; a screenshot is taken. The same for a live stream's
# curves, a sweep's page and the optimizer's.
set -euo pipefail

bin="$TEST_SRCDIR/$TEST_WORKSPACE/services/main/aiotreach"
scenario="$TEST_SRCDIR/$TEST_WORKSPACE/services/cli/testdata/cli_small.textproto"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium not found: run tools/setup"
export HOME="$TEST_TMPDIR"

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu \
    --disable-dev-shm-usage --hide-scrollbars "$@" 2>/dev/null
}

# cli_small: 7 days, one placement (tv_boot) on one device type, F = 10.
"$bin" run "$scenario" --out "$TEST_TMPDIR/out" --format html >/dev/null
page="$TEST_TMPDIR/out/cli_small.html"
[ -s "$page" ] || fail "no HTML report"
grep -q "http" "$page" && fail "the page refers to the network"
[ -s "$TEST_TMPDIR/out/echarts.common.min.js" ] || fail "no chart library beside the page"
dom=$(chrome --dump-dom "file://$page")
grep -q 'data-ready="yes"' <<<"$dom" || fail "the page's script did not run to the end"
grep -q 'id="exclusive"' <<<"$dom" || fail "no exclusive and incremental reach"
grep -q 'id="delivery"' <<<"$dom" || fail "no delivery table"
grep -q '<svg' <<<"$dom" || fail "ECharts drew nothing"
# With replicates, the headline cards carry their 95% intervals.
{ cat "$scenario"; echo "replicates: 3"; } >"$TEST_TMPDIR/replicated.textproto"
"$bin" run "$TEST_TMPDIR/replicated.textproto" --out "$TEST_TMPDIR/rep" --format html >/dev/null
grep -qE 'data-figure="reach_people"><b>[0-9,]+</b><span>people reached</span><i>[0-9,]+ &ndash; [0-9,]+</i>' \
  "$TEST_TMPDIR/rep/replicated.html" || fail "no interval under the people reached"
check=$(sed -n 's/.*<pre id="self-check">\([^<]*\)<.*/\1/p' <<<"$dom")
echo "self-check: $check"
for want in '"frequency":{"bars":10,"points":0}' '"daily":{"bars":0,"points":7}' \
            '"device_types":{"bars":1,"points":0}' '"placements":{"bars":1,"points":0}'; do
  grep -qF "$want" <<<"$check" || fail "expected $want in $check"
done
chrome --window-size=1000,1400 --screenshot="$TEST_TMPDIR/report.png" "file://$page" >/dev/null
[ "$(head -c 8 "$TEST_TMPDIR/report.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  fail "no PNG screenshot"
[ "$(stat -c %s "$TEST_TMPDIR/report.png")" -gt 10000 ] || fail "an empty screenshot"

# A live stream's section: the concurrency and the cumulative curves, a
# point a minute (tests/golden/live.textproto: a 120-minute stream).
live="$TEST_SRCDIR/$TEST_WORKSPACE/tests/golden/live.textproto"
"$bin" run "$live" --out "$TEST_TMPDIR/live" --format html >/dev/null
dom=$(chrome --dump-dom "file://$TEST_TMPDIR/live/live.html")
grep -q 'data-ready="yes"' <<<"$dom" || fail "the live page's script did not run"
for want in '"stream-0-concurrent":{"bars":0,"points":120}' \
            '"stream-0-cumulative":{"bars":0,"points":120}'; do
  grep -qF "$want" <<<"$dom" || fail "expected $want in the live page"
done
grep -q "Live stream launch" <<<"$dom" || fail "no live stream section"

# A sweep's page: one point a budget.
sed -e 's/share_of_voice: 0.5/budget: 20 cpm: 30/' "$scenario" >"$TEST_TMPDIR/budget.textproto"
"$bin" sweep "$TEST_TMPDIR/budget.textproto" --placement tv_boot --budgets 5,10,20,40,80 \
  --out "$TEST_TMPDIR/sweep" >/dev/null
dom=$(chrome --dump-dom "file://$TEST_TMPDIR/sweep/cli_small.sweep.html")
grep -q 'data-ready="yes"' <<<"$dom" || fail "the sweep page's script did not run"
grep -qF '"sweep":{"bars":0,"points":5}' <<<"$dom" || fail "the sweep curve lacks its 5 points"

# A comparison's page: a bar a scenario, a line a scenario over the 7 days,
# and the deltas table.
"$bin" compare "$scenario" "$TEST_TMPDIR/budget.textproto" --out "$TEST_TMPDIR/cmp" >/dev/null
[ -s "$TEST_TMPDIR/cmp/echarts.common.min.js" ] || fail "no chart library beside the comparison"
dom=$(chrome --dump-dom "file://$TEST_TMPDIR/cmp/compare_cli_small.html")
grep -q 'data-ready="yes"' <<<"$dom" || fail "the comparison page's script did not run"
for want in '"compare-reach":{"bars":2,"points":0}' '"compare-daily":{"bars":0,"points":7}'; do
  grep -qF "$want" <<<"$dom" || fail "expected $want in the comparison page"
done
grep -q '<table class="deltas">' <<<"$dom" || fail "no deltas table"

# The optimizer's page: the frontier, a point for the start and each of 4
# steps, and the allocation table.
"$bin" optimize "$TEST_TMPDIR/budget.textproto" --budget 40 --step 10 \
  --out "$TEST_TMPDIR/opt" >/dev/null
dom=$(chrome --dump-dom "file://$TEST_TMPDIR/opt/cli_small.optimize.html")
grep -q 'data-ready="yes"' <<<"$dom" || fail "the optimizer page's script did not run"
grep -qF '"frontier":{"bars":0,"points":5}' <<<"$dom" || fail "the frontier lacks its 5 points"
grep -q "<h2>Allocation</h2>" <<<"$dom" || fail "no allocation table"
echo "PASS"
