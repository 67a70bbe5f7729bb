#!/usr/bin/env bash
# End to end: the real `aiotreach` binary, its exit statuses and outputs.
set -uo pipefail
bin="$1"
scenario="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

expect() {  # expect NAME WANT_STATUS GOT_STATUS
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: exit status $3, want $2"
    failures=$((failures + 1))
  else
    echo "ok: $1"
  fi
}

expect_in() {  # expect_in NAME TEXT FILE
  if grep -qF -- "$2" "$3"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: '$2' not in $3:"; cat "$3"
    failures=$((failures + 1))
  fi
}

"$bin" >/dev/null 2>"$tmp/err"; expect "no arguments is usage" 2 $?
"$bin" run --threads x "$scenario" >/dev/null 2>"$tmp/err"
expect "bad --threads is usage" 2 $?
expect_in "bad --threads names the value" "--threads: must be an integer >= 0, got 'x'" "$tmp/err"
"$bin" run --nope 1 "$scenario" >/dev/null 2>"$tmp/err"; expect "unknown flag is usage" 2 $?
"$bin" frobnicate "$scenario" >/dev/null 2>"$tmp/err"; expect "unknown command" 2 $?
"$bin" help >"$tmp/out" 2>&1; expect "help" 0 $?
expect_in "help shows usage" "aiotreach run PATH..." "$tmp/out"

"$bin" validate "$scenario" >"$tmp/out" 2>&1; expect "validate a good file" 0 $?

sed 's/share_of_voice: 0.5/share_of_voice: 1.5/' "$scenario" >"$tmp/bad.textproto"
"$bin" validate "$tmp/bad.textproto" >"$tmp/out" 2>"$tmp/err"
expect "validate a bad file" 1 $?
expect_in "the error names file, field and value" \
  "bad.textproto: placements[0].share_of_voice: must be in [0, 1], got 1.5" "$tmp/err"

"$bin" run "$scenario" "$tmp/bad.textproto" --out "$tmp/out_dir" --threads=2 \
  >"$tmp/out" 2>"$tmp/err"
expect "run with one bad file fails" 1 $?
expect_in "the good one ran" "1 ok, 1 failed" "$tmp/out"
for f in json frequency.csv daily.csv placements.csv; do
  [ -s "$tmp/out_dir/cli_small.$f" ] || { echo "FAIL: missing cli_small.$f"; failures=$((failures + 1)); }
done
"$bin" run "$scenario" --out "$tmp/json_only" --format json >/dev/null 2>&1
expect "--format json" 0 $?
[ -s "$tmp/json_only/cli_small.json" ] && [ ! -e "$tmp/json_only/cli_small.daily.csv" ] ||
  { echo "FAIL: --format json wrote the wrong files"; failures=$((failures + 1)); }

# Batch switches, compare and sweep from the command line.
"$bin" run "$scenario" "$tmp/bad.textproto" --out "$tmp/ff" --threads 1 --fail-fast \
  --quiet >"$tmp/out" 2>"$tmp/err"
expect "--fail-fast with a bad file fails" 1 $?
[ -s "$tmp/ff/summary.csv" ] || { echo "FAIL: no summary.csv"; failures=$((failures + 1)); }
"$bin" compare "$scenario" >/dev/null 2>"$tmp/err"; expect "compare without a variant is usage" 2 $?
"$bin" compare "$scenario" "$scenario" --out "$tmp/cmp" >"$tmp/out" 2>&1
expect "compare a scenario with itself" 0 $?
expect_in "compare prints deltas" "reach_people" "$tmp/out"
if grep -qE '^[^,]+,reach_people,[0-9]+,[0-9]+,-?[0-9]+,-?[0-9.]+,,,,$' "$tmp"/cmp/compare_*.csv &&
   ! grep -q 'e[+-][0-9]' "$tmp"/cmp/compare_*.csv; then
  echo "ok: compare's CSV: plain numbers, interval columns empty without replicates"
else
  echo "FAIL: compare's CSV:"; cat "$tmp"/cmp/compare_*.csv; failures=$((failures + 1))
fi
"$bin" sweep "$scenario" --budgets 1k >/dev/null 2>"$tmp/err"; expect "sweep without --placement is usage" 2 $?
"$bin" sweep "$scenario" --placement tv_boot --budgets 1k,lots >/dev/null 2>"$tmp/err"
expect "sweep with a bad budget is usage" 2 $?
expect_in "the bad budget is named" "--budgets: want a positive amount" "$tmp/err"

# A batch killed part way leaves a summary.csv listing what finished: one
# scenario at a time, in order, the second long; once the first's row is
# there (never assume a speed), kill -9.
mkdir -p "$tmp/kill_in"
cp "$scenario" "$tmp/kill_in/a_fast.textproto"
cat >"$tmp/kill_in/z_slow.textproto" <<'SLOW'
name: "z_slow"
ecosystem { preset { name: "xiaomi-2020" scale: 0.3 } }
flight_days: 120
placements { name: "phone" device_type: "phone"
  opportunity { poisson { rate: 4 } } share_of_voice: 0.3 }
SLOW
"$bin" run "$tmp/kill_in" --out "$tmp/kill_out" --threads 1 --quiet >/dev/null 2>&1 &
batch=$!
for _ in $(seq 1200); do
  grep -qs "a_fast.textproto,ok" "$tmp/kill_out/summary.csv" && break
  sleep 0.1
done
if kill -9 $batch 2>/dev/null; then
  wait $batch 2>/dev/null
  expect_in "a killed batch's summary lists what finished" "a_fast.textproto,ok" "$tmp/kill_out/summary.csv"
  expect_in "the summary has its header" ",seconds,warnings,error" "$tmp/kill_out/summary.csv"
  if grep -q "z_slow" "$tmp/kill_out/summary.csv"; then
    echo "FAIL: the unfinished scenario is in the summary"; failures=$((failures + 1))
  else
    echo "ok: the unfinished scenario is not"
  fi
else
  echo "FAIL: the slow batch ended before it could be killed"; failures=$((failures + 1))
fi

# optimize: usage errors, a bad request named, and a split with its files.
"$bin" optimize "$scenario" >/dev/null 2>"$tmp/err"; expect "optimize without --budget is usage" 2 $?
"$bin" optimize "$scenario" --budget 1k --min tv_boot >/dev/null 2>"$tmp/err"
expect "optimize with a bad --min is usage" 2 $?
expect_in "the bad bound is named" "--min: expected NAME=AMOUNT" "$tmp/err"
"$bin" optimize "$scenario" --budget 1k >/dev/null 2>"$tmp/err"
expect "optimize over share-of-voice placements fails" 1 $?
expect_in "the reason is given" "no placement bought by budget" "$tmp/err"
sed -e 's/share_of_voice: 0.5/budget: 50 cpm: 60/' "$scenario" >"$tmp/bought.textproto"
"$bin" optimize "$tmp/bought.textproto" --budget 100 --step 25 --out "$tmp/opt" >"$tmp/out" 2>&1
expect "optimize a budget-bought scenario" 0 $?
expect_in "optimize prints the frontier" "frontier (total budget -> best reach found)" "$tmp/out"
"$bin" sweep "$tmp/bought.textproto" --split tv_boot=0.5 --budgets 100 >/dev/null 2>"$tmp/err"
expect "a split that does not add up fails" 1 $?
expect_in "the split is named" "split: the shares add up to 0.5, not 1" "$tmp/err"
"$bin" sweep "$tmp/bought.textproto" --split tv_boot --budgets 100 >/dev/null 2>"$tmp/err"
expect "a bad --split is usage" 2 $?
"$bin" sweep "$tmp/bought.textproto" --split tv_boot=1 --budgets 50,100,100k --out "$tmp/opt" \
  >"$tmp/out" 2>&1
expect "a split sweep" 0 $?
expect_in "the split is shown" "total budget split tv_boot 100%" "$tmp/out"
expect_in "a saturated point says so" "bought nothing more" "$tmp/out"
"$bin" sweep "$scenario" --placement tv_boot --days 1,x >/dev/null 2>"$tmp/err"
expect "a bad --days is usage" 2 $?
"$bin" sweep "$scenario" --placement tv_boot --days 1,3,7 --out "$tmp/days" >"$tmp/out" 2>&1
expect "a days sweep" 0 $?
expect_in "the days sweep says what it moved" "tv_boot days bought" "$tmp/out"
for f in cli_small.optimize.csv cli_small.optimize_frontier.csv cli_small.optimize.json \
  cli_small.optimize.html; do
  [ -s "$tmp/opt/$f" ] || { echo "FAIL: no $f"; failures=$((failures + 1)); }
done

echo "$failures failed"
[ "$failures" -eq 0 ]
