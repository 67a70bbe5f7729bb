# Shared by the tools/ scripts: run from the repository root with Debian's
# toolchain first on PATH (Bazel needs /usr/bin's compilers and protoc).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/bin:/bin:$PATH"
BAZEL_FLAGS=(--noshow_progress --color=no --curses=no)
