#!/usr/bin/env bash
# A batch killed with SIGKILL at random moments, again and again, never
# leaves a partial or corrupt output: every report that exists parses whole,
# every .hash has its report. A final run with --skip-up-to-date completes
# only what was missing, and every report equals an uninterrupted run's.
# Also: the progress bar on a pseudo-terminal, plain lines without one.
set -euo pipefail

bin="$TEST_SRCDIR/$TEST_WORKSPACE/services/main/aiotreach"
base="$TEST_SRCDIR/$TEST_WORKSPACE/services/cli/testdata/cli_small.textproto"
fail() { echo "FAIL: $*" >&2; exit 1; }

in="$TEST_TMPDIR/in"
mkdir -p "$in/more"
for i in 1 2 3 4 5 6 7 8; do
  dir="$in"; [ "$i" -gt 4 ] && dir="$in/more"
  sed -e "s/^seed: .*/seed: $i/" -e "s/^name: .*/name: \"s$i\"/" "$base" \
    | sed -e "s/^population: .*/population: 60000/" >"$dir/s$i.textproto"
done

"$bin" run "$in" --out "$TEST_TMPDIR/ref" --threads 1 >/dev/null ||
  fail "the uninterrupted run failed"

check_outputs() {  # every output present is whole
  local out=$1
  [ -d "$out" ] || return 0
  while IFS= read -r json; do
    /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$json" ||
      fail "corrupt report $json"
  done < <(find "$out" -name '*.json')
  while IFS= read -r hash; do
    [ -s "${hash%.hash}.json" ] || fail "$hash without its report"
  done < <(find "$out" -name '*.hash')
  while IFS= read -r csv; do
    [ -z "$(tail -c 1 "$csv")" ] || fail "truncated table $csv"
  done < <(find "$out" -name '*.csv')
}

out="$TEST_TMPDIR/out"
RANDOM=2026  # reproducible "random" moments
for round in 1 2 3 4 5 6; do
  "$bin" run "$in" --out "$out" --threads 1 --skip-up-to-date >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check_outputs "$out"
done

"$bin" run "$in" --out "$out" --threads 1 --skip-up-to-date >"$TEST_TMPDIR/final" 2>&1 ||
  { cat "$TEST_TMPDIR/final"; fail "the final run failed"; }
check_outputs "$out"
grep -q "8 scenario(s): 8 ok, 0 failed" "$TEST_TMPDIR/final" || fail "$(cat "$TEST_TMPDIR/final")"
find "$out" -name '*.tmp.*' | grep -q . && fail "temporary files left after a complete run"
for ref in $(cd "$TEST_TMPDIR/ref" && find . -name '*.json'); do
  cmp -s "$TEST_TMPDIR/ref/$ref" "$out/$ref" || fail "$ref differs from the uninterrupted run"
done

# Progress: a bar on a pseudo-terminal, plain lines without one.
script -qec "'$bin' run '$in/s1.textproto' '$in/s2.textproto' --out '$TEST_TMPDIR/pty'" /dev/null \
  >"$TEST_TMPDIR/pty.out"
grep -q "scenarios" "$TEST_TMPDIR/pty.out" || fail "no progress bar on a terminal"
grep -q $'\r' "$TEST_TMPDIR/pty.out" || fail "the bar is not redrawn in place"
"$bin" run "$in/s1.textproto" "$in/s2.textproto" --out "$TEST_TMPDIR/plain" >"$TEST_TMPDIR/plain.out"
grep -q $'\r' "$TEST_TMPDIR/plain.out" && fail "a bar without a terminal"
[ "$(grep -c '^s[12] ' "$TEST_TMPDIR/plain.out")" -eq 2 ] || fail "no line per scenario"
echo "PASS"
