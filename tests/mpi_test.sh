#!/usr/bin/env bash
# `mpirun -np N aiotreach run` (docs/CLUSTER.md) on this machine: reports
# byte-identical to the single process's for 2 and 3 ranks (oversubscribed
# on 2 cores), on the flight-at-once path, the day path (caps, goals,
# budgets, retargeting) and live streams promoted by placements; a bad
# scenario fails alone and the batch goes on; compare and sweep give the
# single process's tables (and optimize's); validate refuses.
set -euo pipefail

source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/mpi_env.sh"

in="$TEST_TMPDIR/in"
mkdir -p "$in"
cp "$root/tests/golden/mechanics.textproto" "$root/tests/golden/live.textproto" \
  "$root/sims/field/soft_drink_cross_screen.textproto" \
  "$root/sims/field/tv_then_phone_retarget.textproto" \
  "$root/sims/live/launch_promoted_by_tv_boot.textproto" "$in/"
# Small: 30,000 people each, several shards a rank.
for f in "$in"/*.textproto; do
  sed -i -e '/^population:/d' -e 's/ scale: [0-9.e-]*//' "$f"
  echo "population: 30000" >>"$f"
done
printf 'name: "broken"\nflight_days: -1\n' >"$in/broken.textproto"

"$bin" run "$in" --out "$TEST_TMPDIR/one" --threads 2 \
  --shard_households 500 >"$TEST_TMPDIR/one.txt" 2>&1 && fail "broken passed"
grep -q "6 scenario(s): 5 ok, 1 failed" "$TEST_TMPDIR/one.txt" ||
  fail "single process: $(cat "$TEST_TMPDIR/one.txt")"

for ranks in 2 3; do
  out="$TEST_TMPDIR/ranks$ranks"
  if mpirun --oversubscribe -np "$ranks" "$bin" run "$in" --out "$out" \
    --threads 1 --shard_households 500 >"$out.txt" 2>&1; then
    fail "$ranks ranks: the broken scenario passed"
  fi
  grep -q "6 scenario(s): 5 ok, 1 failed" "$out.txt" ||
    fail "$ranks ranks: $(cat "$out.txt")"
  # One summary line: only rank 0 prints.
  [ "$(grep -c 'scenario(s):' "$out.txt")" = 1 ] || fail "$ranks ranks print twice"
  [ -f "$out/broken.error.txt" ] || fail "$ranks ranks: no broken.error.txt"
  n=0
  for json in "$TEST_TMPDIR"/one/*.json; do
    cmp -s "$json" "$out/$(basename "$json")" ||
      fail "$ranks ranks: $(basename "$json") differs from the single process's"
    n=$((n + 1))
  done
  [ "$n" = 5 ] || fail "expected 5 reports, compared $n"
  for csv in "$TEST_TMPDIR"/one/*.csv; do
    [ "$(basename "$csv")" = summary.csv ] && continue  # has seconds
    cmp -s "$csv" "$out/$(basename "$csv")" ||
      fail "$ranks ranks: $(basename "$csv") differs"
  done
done

# compare and sweep over ranks: the same tables as one process's.
field="$root/sims/field"
"$bin" compare "$field/budget_split_even.textproto" \
  "$field/budget_split_phone_heavy.textproto" --out "$TEST_TMPDIR/cmp1" \
  --threads 2 >"$TEST_TMPDIR/cmp1.txt" 2>&1 || fail "compare: $(cat "$TEST_TMPDIR/cmp1.txt")"
"$bin" sweep "$field/budget_split_even.textproto" --placement tv_boot \
  --budgets 500,1000,2000 --out "$TEST_TMPDIR/cmp1" --threads 2 \
  >"$TEST_TMPDIR/sweep1.txt" 2>&1 || fail "sweep: $(cat "$TEST_TMPDIR/sweep1.txt")"
mpirun --oversubscribe -np 2 "$bin" compare "$field/budget_split_even.textproto" \
  "$field/budget_split_phone_heavy.textproto" --out "$TEST_TMPDIR/cmp2" \
  --threads 1 >"$TEST_TMPDIR/cmp2.txt" 2>&1 ||
  fail "compare over 2 ranks: $(cat "$TEST_TMPDIR/cmp2.txt")"
mpirun --oversubscribe -np 2 "$bin" sweep "$field/budget_split_even.textproto" \
  --placement tv_boot --budgets 500,1000,2000 --out "$TEST_TMPDIR/cmp2" \
  --threads 1 >"$TEST_TMPDIR/sweep2.txt" 2>&1 ||
  fail "sweep over 2 ranks: $(cat "$TEST_TMPDIR/sweep2.txt")"
for f in compare_budget_split_even.csv compare_budget_split_even.json \
  budget_split_even.sweep.csv budget_split_even.sweep.json; do
  cmp -s "$TEST_TMPDIR/cmp1/$f" "$TEST_TMPDIR/cmp2/$f" ||
    fail "$f over 2 ranks differs from the single process's"
done
[ "$(grep -c '^compare:' "$TEST_TMPDIR/cmp2.txt")" = 1 ] || fail "compare printed twice"
cmp -s <(grep -v '^written:' "$TEST_TMPDIR/sweep1.txt") \
  <(grep -v '^written:' "$TEST_TMPDIR/sweep2.txt") || fail "sweep tables differ"

# optimize over ranks: each candidate split runs over all ranks, one after
# another; the same answer and files as one process's.
# The bundled question at a fifth of its sample (79,300 people), for time.
sed 's/scale: 0.001/scale: 0.0002/' "$field/budget_split_optimize.textproto" \
  >"$TEST_TMPDIR/budget_split_optimize.textproto"
"$bin" optimize "$TEST_TMPDIR/budget_split_optimize.textproto" --budget 1m --step 250k \
  --out "$TEST_TMPDIR/opt1" --threads 2 >"$TEST_TMPDIR/opt1.txt" 2>&1 ||
  fail "optimize: $(cat "$TEST_TMPDIR/opt1.txt")"
mpirun --oversubscribe -np 2 "$bin" optimize "$TEST_TMPDIR/budget_split_optimize.textproto" \
  --budget 1m --step 250k --out "$TEST_TMPDIR/opt2" --threads 1 \
  >"$TEST_TMPDIR/opt2.txt" 2>&1 || fail "optimize over 2 ranks: $(cat "$TEST_TMPDIR/opt2.txt")"
for f in budget_split_optimize.optimize.csv budget_split_optimize.optimize_frontier.csv \
  budget_split_optimize.optimize.json; do
  cmp -s "$TEST_TMPDIR/opt1/$f" "$TEST_TMPDIR/opt2/$f" ||
    fail "$f over 2 ranks differs from the single process's"
done

# calibrate over ranks: its runs go one after another over all ranks; the
# same fit and files as one process's.
cal_fit=activity_shape,placements.tv_boot.opportunity.bernoulli.probability
for ranks in 1 2; do
  mpirun --oversubscribe -np "$ranks" "$bin" calibrate "$field/calibrate_small_city.textproto" \
    --observed "$field/calibrate_small_city.observed.csv" --fit "$cal_fit" \
    --max_iterations 3 --out "$TEST_TMPDIR/cal$ranks" --threads 1 \
    >"$TEST_TMPDIR/cal$ranks.txt" 2>&1 ||
    fail "calibrate over $ranks ranks: $(cat "$TEST_TMPDIR/cal$ranks.txt")"
done
for f in calibrate_small_city.calibration.json calibrate_small_city.calibrated.textproto; do
  cmp -s "$TEST_TMPDIR/cal1/$f" "$TEST_TMPDIR/cal2/$f" ||
    fail "$f over 2 ranks differs from one rank's"
done

# validate and serve do not go over ranks.
if mpirun --oversubscribe -np 2 "$bin" validate "$in/live.textproto" \
  >"$TEST_TMPDIR/validate.txt" 2>&1; then
  fail "validate over 2 ranks should refuse"
fi
grep -q "only run, compare, sweep, optimize and calibrate run over MPI ranks" "$TEST_TMPDIR/validate.txt" ||
  fail "no clear refusal: $(cat "$TEST_TMPDIR/validate.txt")"
[ "$(grep -c 'only run, compare' "$TEST_TMPDIR/validate.txt")" = 1 ] ||
  fail "the refusal is printed by more than rank 0"
echo PASS
