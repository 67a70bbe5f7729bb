#!/usr/bin/env bash
# The real `aiotreach serve` binary on a free loopback port, called with
# `buf curl` (reflection, health, RunScenario) and with the Python client
# (run, the sweep example); then kill -9 during a long kept run, a restart
# on the same data directory: the finished run is intact, the interrupted
# one marked, every run file readable; SIGTERM during a kept run gives it
# the grace period, cancels it (recorded CANCELLED) and exits 0.
#
# Needs buf (AIOT_BUF, set by tools/test, which installs it) and Debian's
# python3-grpcio (tools/setup).
set -euo pipefail

bin="$TEST_SRCDIR/$TEST_WORKSPACE/services/main/aiotreach"
py_client="$TEST_SRCDIR/$TEST_WORKSPACE/clients/python"
# The client as the clone holds it (the package and its generated modules).
export PYTHONPATH="$py_client"
buf="${AIOT_BUF:-}"
if [ -z "$buf" ] || [ ! -x "$buf" ]; then
  echo "FAIL: buf not found (AIOT_BUF='$buf'); run tools/test, which installs it" >&2
  exit 1
fi
export BUF_CACHE_DIR="$TEST_TMPDIR/buf-cache" HOME="$TEST_TMPDIR"
data="$TEST_TMPDIR/data"
fail() { echo "FAIL: $*" >&2; exit 1; }

start_server() {
  "$bin" serve --listen 127.0.0.1:0 --threads 1 --data_dir "$data" \
    --grace_seconds 2 "$@" >"$TEST_TMPDIR/serve.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    addr=$(sed -n 's/.*listening on //p' "$TEST_TMPDIR/serve.out")
    [ -n "$addr" ] && return 0
    sleep 0.05
  done
  cat "$TEST_TMPDIR/serve.out" >&2
  fail "server did not start"
}

curl_() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

start_server
echo "server at $addr"

# Health and reflection through buf curl.
curl_ "http://$addr/grpc.health.v1.Health/Check" | grep -q '"SERVING"' ||
  fail "health check did not answer SERVING"
methods=$(curl_ --list-methods "http://$addr")
for m in RunScenario CreateEcosystem StartRun WatchRun SweepBudget CompareScenarios; do
  grep -q "aiotreach.v1.ReachService/$m" <<<"$methods" || fail "reflection lacks $m"
done
out=$(curl_ -d '{"scenario": {"name": "e2e", "seed": 4, "population": 3000,
  "flightDays": 7, "ecosystem": {"preset": {"name": "small-city"}},
  "placements": [{"name": "tv_boot", "deviceType": "tv",
    "opportunity": {"bernoulli": {"probability": 0.35}}, "shareOfVoice": 0.2,
    "audience": {"kind": "AUDIENCE_KIND_ONE_MEMBER"}}]}}' \
  "http://$addr/aiotreach.v1.ReachService/RunScenario")
grep -q '"reachPeople"' <<<"$out" || fail "buf curl RunScenario: $out"
# A bad request names the field and the value.
if bad=$(curl_ -d '{"scenario": {"population": 10, "flightDays": 0,
  "ecosystem": {"preset": {"name": "small-city"}}}}' \
  "http://$addr/aiotreach.v1.ReachService/RunScenario" 2>&1); then
  fail "a bad scenario was accepted"
fi
grep -q "flight_days: must be in \[1, 731\], got 0" <<<"$bad" ||
  fail "bad request message: $bad"

# The Python client: the report equals the engine's through the CLI.
scenario="$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/phone_tv.textproto"
"$bin" run "$scenario" --out "$TEST_TMPDIR/cli" --format json >/dev/null
/usr/bin/python3 - "$addr" "$scenario" "$TEST_TMPDIR/cli/phone_tv.json" <<'PY'
import json, sys
import os
from aiotreach_client import Client, load_scenario, report_to_frames
addr, scenario, cli_json = sys.argv[1:]
with Client(addr) as c:
    assert c.health() == "SERVING"
    r = c.run(load_scenario(scenario))
    cli = json.load(open(cli_json))
    for field in ("reach_people", "impressions", "exposures"):
        assert str(getattr(r, field)) == cli[field], (field, getattr(r, field), cli[field])
    frames = report_to_frames(r)
    assert list(frames["placements"]["name"]) == ["phone_splash", "tv_boot"]
    assert frames["platform"].empty
    # Every section has its frame: overlaps, hours, and (with replicates
    # and a cap) uncertainty and caps.
    overlap = frames["placement_overlap"]
    assert len(overlap) == 1 and overlap["reach_both"][0] == r.placement_overlap[0].reach_both, overlap
    assert list(frames["hourly"].get("impressions", [])) == list(r.hourly_impressions)
    s = load_scenario(scenario)
    s.replicates = 3
    cap = s.frequency_caps.add(name="two a day", limit=2)
    cap.scope = 1   # CAP_SCOPE_PERSON
    cap.period = 1  # CAP_PERIOD_DAY
    rich = report_to_frames(c.run(s))
    u = rich["uncertainty"].set_index("figure")
    assert u.loc["reach_people", "lower"] <= u.loc["reach_people", "upper"], u
    assert list(rich["caps"]["name"]) == ["two a day"], rich["caps"]
    assert rich["caps"]["refused"].dtype.kind in "iu", rich["caps"].dtypes
    # Platform units: small-city at half its people, projected back.
    s = load_scenario(scenario)
    s.platform_units = True
    s.population = 25000
    p = c.run(s)
    assert abs(p.platform.sample_fraction - 0.5) < 1e-12, p.platform
    platform = report_to_frames(p)["platform"].set_index("figure")
    reach = platform.loc["reach_people"]
    assert reach["value"] == p.reach_people / 0.5, reach
    assert reach["lower"] < reach["value"] < reach["upper"], reach
print("python client ok")
PY

# A live stream through the API and the Python client: the same figures as
# the CLI's, and its per-minute curve as a DataFrame.
live="$TEST_SRCDIR/$TEST_WORKSPACE/sims/live/launch_promoted_by_tv_boot.textproto"
sed 's/scale: 0.01/scale: 0.0005/' "$live" >"$TEST_TMPDIR/live.textproto"
"$bin" run "$TEST_TMPDIR/live.textproto" --out "$TEST_TMPDIR/cli" --format json >/dev/null
/usr/bin/python3 - "$addr" "$TEST_TMPDIR/live.textproto" \
  "$TEST_TMPDIR/cli/live.json" <<'PY'
import json, os, sys
from aiotreach_client import Client, load_scenario, report_to_frames
addr, scenario, cli_json = sys.argv[1:]
with Client(addr) as c:
    r = c.run(load_scenario(scenario))
cli = json.load(open(cli_json))["live_streams"][0]
stream = r.live_streams[0]
for field in ("unique_viewers", "sessions", "peak_concurrent", "likes"):
    assert str(getattr(stream, field)) == cli[field], (field, getattr(stream, field), cli[field])
frames = report_to_frames(r)
minutes = frames["stream_minutes"]
assert len(minutes) == 120 and list(minutes["stream"].unique()) == ["launch"], minutes
assert minutes["cumulative_viewers"].iloc[-1] == stream.unique_viewers
assert minutes["concurrent"].max() == stream.peak_concurrent
assert frames["streams"]["union_reach"].iloc[0] == stream.with_campaign.union_reach
assert set(frames["stream_channels"]["channel"]) >= {"notification", "promotion"}
print("python client: live stream ok")
PY
sweep=$(/usr/bin/python3 "$py_client/examples/sweep_budget.py" --address "$addr" \
  --scenario "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/budget_split_even.textproto" \
  --budgets 250,1000,4000)
echo "$sweep"
reach=$(awk 'NR > 1 {print $2}' <<<"$sweep" | tr '\n' ' ')
read -r r1 r2 r3 <<<"$reach"
[ "$r1" -le "$r2" ] && [ "$r2" -le "$r3" ] || fail "sweep not monotone: $reach"
# The budget-split question end to end (a fifth of the bundled sample).
split_answer=$(/usr/bin/python3 "$py_client/examples/budget_split.py" --address "$addr" \
  --scenario "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/budget_split_optimize.textproto" \
  --scale 0.0002) || fail "examples/budget_split.py failed"
echo "$split_answer"
for step in "1. the planner's split" "2. the optimizer's split" "3. optimized against planned" \
            "4. the reach curve"; do
  grep -qF "$step" <<<"$split_answer" || fail "budget_split.py: no '$step'"
done

# The optimizer from Python: the budget split, its frontier as a DataFrame,
# and the same answer as the CLI's.
# The bundled question at a fifth of its sample (79,300 people), for time.
sed 's/scale: 0.001/scale: 0.0002/' \
  "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/budget_split_optimize.textproto" \
  >"$TEST_TMPDIR/optimize.textproto"
"$bin" optimize "$TEST_TMPDIR/optimize.textproto" \
  --budget 1m --step 250k --out "$TEST_TMPDIR/opt" >/dev/null
/usr/bin/python3 - "$addr" "$TEST_TMPDIR/optimize.textproto" \
  "$TEST_TMPDIR/opt/budget_split_optimize.optimize.json" <<'PY'
import json, os, sys
from aiotreach_client import Client, load_scenario, optimization_to_frames
addr, scenario, cli_json = sys.argv[1:]
with Client(addr) as c:
    o = c.optimize(load_scenario(scenario), 1e6, step=250e3,
                   max_budgets={"speaker_voice": 250e3})
cli = json.load(open(cli_json))
frames = optimization_to_frames(o)
assert abs(frames["allocation"]["budget"].sum() - 1e6) < 1e-3, frames["allocation"]
assert frames["allocation"].set_index("placement")["budget"]["speaker_voice"] <= 250e3
assert len(frames["frontier"]) == 1 + o.greedy_steps + (o.exchange_moves > 0) + o.given_kept
assert list(frames["frontier"].columns[4:]) == list(o.placements)
assert o.objective_value >= o.given_objective
# Without the bound, the CLI's answer.
c2 = Client(addr)
free = c2.optimize(load_scenario(scenario), "1m", step="250k")  # as the CLI
assert free.objective_value == cli["objective_value"], (free.objective_value, cli["objective_value"])
# A total-budget curve at a fixed split, from Python: its point at 1m is
# the scenario run with the budgets cut by the shares.
split = {"tv_boot": 0.5, "phone_splash": 0.25, "speaker_voice": 0.25}
curve = c2.sweep_budget(load_scenario(scenario), budgets=[0.5e6, 1e6], split=split)
assert curve.swept == "total_budget" and len(curve.points) == 2, curve
from aiotreach_client import sweep_to_frame
points = sweep_to_frame(curve)
assert list(points["budget"]) == [0.5e6, 1e6], points
assert points["reach_people"].is_monotonic_increasing, points
cut = load_scenario(scenario)
for p in cut.placements:
    p.budget = 1e6 * split[p.name]
assert curve.points[1].reach_people == c2.run(cut).reach_people, curve.points[1]
print("python client: optimize ok")
PY

# Calibration from Python: the bundled question's fit, the same as the
# CLI's, its tables as DataFrames; and the audience breakdowns of its
# report as a DataFrame.
cal_fit=activity_shape,placements.tv_boot.opportunity.bernoulli.probability,placements.phone_splash.opportunity.poisson.rate
"$bin" calibrate "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/calibrate_small_city.textproto" \
  --observed "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field/calibrate_small_city.observed.csv" \
  --fit "$cal_fit" --out "$TEST_TMPDIR/cal" >/dev/null
/usr/bin/python3 - "$addr" "$TEST_SRCDIR/$TEST_WORKSPACE/sims/field" \
  "$TEST_TMPDIR/cal/calibrate_small_city.calibration.json" "$cal_fit" <<'PY'
import json, os, sys
import pandas as pd
from aiotreach_client import (Client, load_scenario, calibration_to_frames,
                              report_to_frames)
addr, field, cli_json, fit = sys.argv[1:]
observed = pd.read_csv(field + "/calibrate_small_city.observed.csv")
observed["standard_error"] = observed["standard_error"].fillna(0.0)
with Client(addr) as c:
    cal = c.calibrate(load_scenario(field + "/calibrate_small_city.textproto"),
                      observed, fit.split(","))
cli = json.load(open(cli_json))
frames = calibration_to_frames(cal)
assert list(frames["parameters"]["value"]) == [p["value"] for p in cli["parameters"]], frames
assert len(frames["residuals"]) == len(observed)
audiences = report_to_frames(cal.report)["audiences"]
assert set(audiences["attribute"]) == {"age_band", "gender", "household_size"}, audiences
assert "reach_3_plus" in audiences.columns
# The calibrated scenario against the first guess, as a DataFrame.
from aiotreach_client import comparison_to_frame
with Client(addr) as c:
    cmp = c.compare(load_scenario(field + "/calibrate_small_city.textproto"),
                    [cal.calibrated])
table = comparison_to_frame(cmp)
reach = table.set_index("figure").loc["reach_people"]
assert reach["variant_value"] == cal.report.reach_people, reach
assert reach["delta"] == reach["variant_value"] - reach["base"], reach
print("python client: calibrate ok")
PY

# Kept runs across kill -9: one finished, one in flight.
/usr/bin/python3 - "$addr" "$scenario" <<'PY'
import os, sys, time
from aiotreach_client import Client, load_scenario
addr, scenario = sys.argv[1:]
with Client(addr) as c:
    done = c.start_run(load_scenario(scenario))
    last = None
    for message in c.watch_run(done.id):
        last = message
    assert last.run.state == 3, last.run  # SUCCEEDED
    long = load_scenario(scenario)
    long.population = 50000000
    run = c.start_run(long)
    for _ in range(200):
        if c.get_run(run.id).run.state == 2:  # RUNNING
            break
        time.sleep(0.05)
    print(done.id, run.id)
PY
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
for f in "$data"/runs/*; do
  [ -s "$f" ] || fail "empty run file $f"
done
ls "$data"/runs/*.tmp* 2>/dev/null && fail "temporary files left behind"
start_server
/usr/bin/python3 - "$addr" <<'PY'
import os, sys
from aiotreach_client import Client
with Client(sys.argv[1]) as c:
    finished = c.get_run("run-1")
    assert finished.run.state == 3 and finished.report.reach_people > 0, finished.run
    interrupted = c.get_run("run-2")
    assert interrupted.run.state == 6, interrupted.run  # INTERRUPTED
    assert len(c.list_runs().runs) == 2
print("restart ok")
PY

# SIGTERM with a kept run in flight: the run gets the grace period (2 s
# here), is then cancelled through the engine and recorded CANCELLED; the
# server exits 0.
/usr/bin/python3 - "$addr" "$scenario" <<'PY'
import os, sys, time
from aiotreach_client import Client, load_scenario
addr, scenario = sys.argv[1:]
with Client(addr) as c:
    long = load_scenario(scenario)
    long.population = 200000000
    run = c.start_run(long)
    for _ in range(200):
        if c.get_run(run.id).run.state == 2:  # RUNNING
            break
        time.sleep(0.05)
    assert run.id == "run-3", run.id
PY
kill -TERM "$pid"
wait "$pid" || fail "serve did not exit 0 on SIGTERM"
grep -q "stopped" "$TEST_TMPDIR/serve.out" || fail "no clean stop"
start_server
/usr/bin/python3 - "$addr" <<'PY'
import os, sys
from aiotreach_client import Client
with Client(sys.argv[1]) as c:
    run = c.get_run("run-3").run
    assert run.state == 5, run  # CANCELLED
print("graceful stop ok")
PY
kill -TERM "$pid"
wait "$pid" || fail "serve did not exit 0 on SIGTERM"

# With a token: health stays open, reflection is not served (with or
# without the token), calls need it; the schema from proto/ still works.
echo "s3cret" >"$TEST_TMPDIR/token"
data="$TEST_TMPDIR/data-token"
start_server --auth_token_file "$TEST_TMPDIR/token"
schema="$TEST_SRCDIR/$TEST_WORKSPACE/proto"
curl_ --schema "$schema" "http://$addr/grpc.health.v1.Health/Check" |
  grep -q '"SERVING"' || fail "health check behind a token"
if curl_ -H "authorization: Bearer s3cret" --list-methods "http://$addr" \
  >/dev/null 2>&1; then
  fail "reflection answered on a server with a token"
fi
request='{"scenario": {"seed": 4, "population": 300, "flightDays": 3,
  "ecosystem": {"preset": {"name": "small-city"}},
  "placements": [{"name": "tv_boot", "deviceType": "tv",
    "opportunity": {"bernoulli": {"probability": 0.35}}, "shareOfVoice": 0.2,
    "audience": {"kind": "AUDIENCE_KIND_ONE_MEMBER"}}]}}'
if curl_ --schema "$schema" -d "$request" \
  "http://$addr/aiotreach.v1.ReachService/RunScenario" >/dev/null 2>&1; then
  fail "a call without the token was served"
fi
curl_ --schema "$schema" -H "authorization: Bearer s3cret" -d "$request" \
  "http://$addr/aiotreach.v1.ReachService/RunScenario" | grep -q '"reachPeople"' ||
  fail "a call with the token was refused"
# Kept runs from Python (on this server with a token, whose run store is
# fresh), as one kind of thing: start_run(...).wait() is the report run()
# gives; a cancelled run's wait() raises RunFailed; runs()
# goes through every page; states by name; budgets as the CLI writes them.
/usr/bin/python3 - "$addr" "$scenario" <<'PY'
import os, sys, time
from aiotreach_client import Client, RunFailed, load_scenario, parse_budget
addr, scenario = sys.argv[1:]
assert parse_budget("2m") == 2e6 and parse_budget("500k") == 5e5
try:
    parse_budget("lots")
    raise AssertionError("a bad budget was taken")
except ValueError as e:
    assert "lots" in str(e), e
with Client(addr, token="s3cret") as c:
    s = load_scenario(scenario)
    run = c.start_run(s)
    report = run.wait()
    assert run.state_name == "SUCCEEDED", run
    assert report.SerializeToString() == c.run(s).SerializeToString()
    long = load_scenario(scenario)
    long.population = 50000000
    slow = c.start_run(long)
    while slow.refresh().state_name in ("QUEUED",):
        time.sleep(0.02)
    slow.cancel()
    try:
        slow.wait()
        raise AssertionError("a cancelled run's wait() returned")
    except RunFailed as e:
        assert e.run.id == slow.id and slow.state_name == "CANCELLED", e
    every = [r.id for r in c.runs(page_size=1)]
    assert every[:2] == [slow.id, run.id], every
    assert [r.id for r in c.runs(state="CANCELLED")] == [slow.id]
    assert c.get_run(run.id).report.reach_people == report.reach_people
print("python client: runs ok")
PY
kill -TERM "$pid"
wait "$pid" || fail "serve did not exit 0 on SIGTERM"
echo "PASS"
