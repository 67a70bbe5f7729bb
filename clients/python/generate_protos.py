"""Generates the client's protobuf and gRPC modules into aiotreach_client/_proto.

protoc writes modules that import each other as top-level `aiotreach.v1`;
here they become one subpackage of aiotreach_client, importing each other
relatively (`from . import report_pb2`), so the installed client puts no
`aiotreach` module of its own on sys.path. setup.py, tools/python_client and
the Bazel build all make them with this script.

    python3 generate_protos.py PROTO_ROOT OUT_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PLUGIN = "/usr/bin/grpc_python_plugin"
_ABSOLUTE = re.compile(r"^from aiotreach\.v1 import ", re.MULTILINE)
# The module name the message classes record (their __module__, which
# pickle uses).
_MODULE = re.compile(r"'aiotreach\.v1\.(\w+_pb2)'")


def generate(proto_root, out_dir, protoc=None):
    """Writes OUT_DIR/__init__.py and OUT_DIR/<name>_pb2[_grpc].py."""
    protoc = protoc or shutil.which("protoc") or "/usr/bin/protoc"
    source = os.path.join(proto_root, "aiotreach", "v1")
    if not (os.path.exists(protoc) and os.path.exists(PLUGIN) and
            os.path.isdir(source)):
        raise SystemExit(
            "aiotreach-client: cannot generate the protobuf modules: need "
            "protoc (%s), %s and %s" % (protoc, PLUGIN, source))
    protos = sorted(os.path.join("aiotreach", "v1", f)
                    for f in os.listdir(source) if f.endswith(".proto"))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call(
            [protoc, "-I" + proto_root, "--python_out=" + tmp,
             "--grpc_python_out=" + tmp,
             "--plugin=protoc-gen-grpc_python=" + PLUGIN] + protos)
        made = os.path.join(tmp, "aiotreach", "v1")
        os.makedirs(out_dir, exist_ok=True)
        for name in sorted(os.listdir(made)):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(made, name), encoding="utf-8") as f:
                text = _ABSOLUTE.sub("from . import ", f.read())
                text = _MODULE.sub(r"'aiotreach_client._proto.\1'", text)
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                f.write(text)
    with open(os.path.join(out_dir, "__init__.py"), "w", encoding="utf-8") as f:
        f.write('"""Generated from proto/aiotreach/v1 by generate_protos.py."""\n')


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    generate(sys.argv[1], sys.argv[2])
