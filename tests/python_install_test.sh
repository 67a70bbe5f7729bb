#!/usr/bin/env bash
# `pip install clients/python` offline, as the README says: into a venv
# over Debian's python3-grpcio and python3-protobuf, with no index and no
# build isolation. Once with the generated modules in the package (as
# tools/setup leaves them), once without them, generated at install from
# the clone's proto/. Each time, `import aiotreach_client` from elsewhere
# finds the installed package, with no sys.path editing, and the generated
# modules are its subpackage aiotreach_client._proto (no top-level aiotreach).
set -euo pipefail
root="$TEST_SRCDIR/$TEST_WORKSPACE"
fail() { echo "FAIL: $*" >&2; exit 1; }
export HOME="$TEST_TMPDIR" PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# A clone's layout: clients/python and proto/.
make_clone() {  # make_clone DIR WITH_MODULES
  local clone=$1
  mkdir -p "$clone/clients/python/aiotreach_client" "$clone/proto/aiotreach/v1"
  cp "$root/clients/python/"{pyproject.toml,setup.py,generate_protos.py,README.md} \
    "$clone/clients/python/"
  cp "$root/clients/python/aiotreach_client/__init__.py" "$clone/clients/python/aiotreach_client/"
  cp "$root/proto/aiotreach/v1/"*.proto "$clone/proto/aiotreach/v1/"
  if [ "$2" = yes ]; then
    cp -r "$root/clients/python/aiotreach_client/_proto" "$clone/clients/python/aiotreach_client/"
  fi
  chmod -R u+w "$clone"
}

check_install() {  # check_install NAME WITH_MODULES
  local dir="$TEST_TMPDIR/$1"
  make_clone "$dir/clone" "$2"
  /usr/bin/python3 -m venv --system-site-packages "$dir/venv"
  "$dir/venv/bin/pip" install --no-build-isolation --no-index "$dir/clone/clients/python" \
    >"$dir/pip.log" 2>&1 || { cat "$dir/pip.log"; fail "$1: pip install failed"; }
  local got
  got=$(cd / && "$dir/venv/bin/python" - <<'PY'
import importlib.util, sys
import aiotreach_client as a
s = a.load_scenario('name: "x" flight_days: 3')
r = a.report_pb2.Report(reach_people=5)
# The generated modules live inside the package: nothing named aiotreach
# is importable, and nothing was added to sys.path.
own = importlib.util.find_spec("aiotreach") is None and not any(
    p.endswith("_proto") for p in sys.path)
print(a.__version__, a.__file__, s.flight_days, r.reach_people,
      hasattr(a.Client, "run"), own, a.service_pb2_grpc.__name__)
PY
)
  echo "$1: $got"
  case "$got" in
    "0.2.0 $dir/venv/lib/"*"/site-packages/aiotreach_client/__init__.py 3 5 True True aiotreach_client._proto.service_pb2_grpc") ;;
    *) fail "$1: the installed package is not the one imported: $got" ;;
  esac
}

check_install with_modules yes
check_install generated_at_install no
echo "ok: pip install clients/python, twice"
