#!/usr/bin/env bash
# A rank killed in the middle of a batch under mpirun (issue 12, faults):
# mpirun exits non-zero naming the rank that died, the interrupted
# scenario leaves no report (rank 0 writes outputs only by rename, after a
# run), the one finished before it keeps its report, and a rerun with
# --skip-up-to-date redoes only the interrupted scenario. Also: more ranks
# than households is a clear error on every rank.
set -euo pipefail

source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/mpi_env.sh"

in="$TEST_TMPDIR/in"
out="$TEST_TMPDIR/out"
mkdir -p "$in"
# a_small runs first (scenarios go in name order) and finishes; b_large,
# W2 at a million people (seconds, in any build), is still running when
# rank 1 is killed.
sed -e '/^population:/d' -e 's/^name: .*/name: "a_small"/' \
  "$root/tests/golden/mechanics.textproto" >"$in/a_small.textproto"
echo "population: 20000" >>"$in/a_small.textproto"
sed -e 's/^name: .*/name: "b_large"/' \
  "$root/sims/bench/w2_1m.textproto" >"$in/b_large.textproto"

mpirun --oversubscribe -np 2 "$bin" run "$in" --out "$out" --threads 1 \
  --quiet >"$TEST_TMPDIR/killed.txt" 2>&1 &
launcher=$!
# Wait (however slow the machine) for a_small's report: b_large is then
# being prepared or run.
until [ -f "$out/a_small.json" ]; do
  kill -0 "$launcher" 2>/dev/null || fail "mpirun ended early: $(cat "$TEST_TMPDIR/killed.txt")"
  sleep 0.05
done
rank1=""
for pid in $(pgrep -f "$bin run"); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
    grep -qx "OMPI_COMM_WORLD_RANK=1"; then
    rank1=$pid
  fi
done
[ -n "$rank1" ] || fail "rank 1 not found"
kill -9 "$rank1"
if wait "$launcher"; then fail "mpirun exited 0 after a rank was killed"; fi
grep -qi "rank 1" "$TEST_TMPDIR/killed.txt" ||
  fail "mpirun did not say which rank died: $(cat "$TEST_TMPDIR/killed.txt")"
[ -f "$out/b_large.json" ] && fail "the interrupted scenario left a report"
ls "$out" | grep -q "b_large" && fail "the interrupted scenario left files: $(ls "$out")"
[ -f "$out/a_small.hash" ] || fail "a_small's report lost its hash"

# The rerun redoes b_large only: a_small is up to date, kept as it was.
cp "$out/a_small.json" "$TEST_TMPDIR/a_small.before.json"
mpirun --oversubscribe -np 2 "$bin" run "$in" --out "$out" --threads 1 \
  --skip-up-to-date --quiet >"$TEST_TMPDIR/rerun.txt" 2>&1 ||
  fail "rerun failed: $(cat "$TEST_TMPDIR/rerun.txt")"
grep -q "2 scenario(s): 2 ok, 0 failed (1 up to date)" "$TEST_TMPDIR/rerun.txt" ||
  fail "expected one scenario up to date: $(cat "$TEST_TMPDIR/rerun.txt")"
[ -f "$out/b_large.json" ] || fail "the rerun wrote no report for b_large"
cmp -s "$out/a_small.json" "$TEST_TMPDIR/a_small.before.json" ||
  fail "a_small was redone"

# More ranks than households.
printf 'name: "tiny"\npopulation: 2\nflight_days: 1\necosystem { preset { name: "small-city" } }\nplacements { name: "p" device_type: "phone" opportunity { poisson { rate: 1 } } share_of_voice: 1 }\n' \
  >"$TEST_TMPDIR/tiny.textproto"
if mpirun --oversubscribe -np 3 "$bin" run "$TEST_TMPDIR/tiny.textproto" \
  --out "$TEST_TMPDIR/tiny" --threads 1 >"$TEST_TMPDIR/tiny.txt" 2>&1; then
  fail "3 ranks over at most 2 households passed"
fi
grep -q "ranks: 3 MPI ranks for [12] households" "$TEST_TMPDIR/tiny.txt" ||
  fail "no clear error: $(cat "$TEST_TMPDIR/tiny.txt")"
echo PASS
