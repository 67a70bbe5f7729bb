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
# Under AddressSanitizer, Open MPI's own allocations at start (its
# libraries and the plugins it loads and unloads) are reported as leaks at
# exit: leak checking stays on for the single-process runs of the same
# binary, off for the ranks.
mpirun() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" command mpirun "$@"
}
