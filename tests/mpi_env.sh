# Sourced by the MPI shell tests: the binary, failure, and Open MPI's
# settings for local ranks as root.
bin="$TEST_SRCDIR/$TEST_WORKSPACE/services/main/aiotreach"
root="$TEST_SRCDIR/$TEST_WORKSPACE"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Open MPI refuses root without these; tests may run as root in CI.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# No network interfaces are needed between local ranks.
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=false
command -v mpirun >/dev/null || fail "mpirun not found (run tools/setup)"
