#!/usr/bin/env bash
# The what-if page in headless Chromium: a real `aiotreach serve
# --http_listen` on free ports, driven by tests/web/page_test.js through
# playwright-core (installed by tools/setup into out/node; tools/test
# passes its folder as AIOT_NODE_MODULES). Screenshots go to the test's
# undeclared outputs.
set -euo pipefail

bin="$TEST_SRCDIR/$TEST_WORKSPACE/services/main/aiotreach"
script="$TEST_SRCDIR/$TEST_WORKSPACE/tests/web/page_test.js"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -n "${AIOT_NODE_MODULES:-}" ] && [ -d "$AIOT_NODE_MODULES/playwright-core" ] ||
  fail "playwright-core not found: run tools/setup, and pass --test_env=AIOT_NODE_MODULES=\$PWD/out/node/node_modules (tools/test does)"
command -v node >/dev/null || fail "node not found"
[ -x /usr/bin/chromium ] || fail "chromium not found: run tools/setup"
export HOME="$TEST_TMPDIR"

log="$TEST_TMPDIR/serve.log"
"$bin" serve --listen 127.0.0.1:0 --http_listen 127.0.0.1:0 --threads 2 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
# Wait for the address (never assume a speed).
for _ in $(seq 600); do
  grep -q "HTTP on" "$log" && break
  kill -0 $server 2>/dev/null || { cat "$log"; fail "the server did not start"; }
  sleep 0.1
done
address=$(sed -n 's/.*HTTP on \([^ ]*\).*/\1/p' "$log")
[ -n "$address" ] || { cat "$log"; fail "no HTTP address printed"; }
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}"
NODE_PATH="$AIOT_NODE_MODULES" node "$script" "http://$address" "$out"
