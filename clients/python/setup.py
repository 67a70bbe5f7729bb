"""Builds the aiotreach client package (configuration in pyproject.toml).

The package carries the protobuf and gRPC modules generated from proto/
(aiotreach_client/_proto). tools/setup makes them (tools/python_client);
if they are missing, they are generated here from ../../proto with Debian's
protoc and grpc_python_plugin, or the build stops saying how to make them.
"""
import os
import shutil
import subprocess

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "aiotreach_client", "_proto")
PROTO = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
PLUGIN = "/usr/bin/grpc_python_plugin"


def generate():
    if os.path.isdir(os.path.join(OUT, "aiotreach", "v1")):
        return
    protoc = shutil.which("protoc")
    if not (protoc and os.path.exists(PLUGIN) and
            os.path.isdir(os.path.join(PROTO, "aiotreach", "v1"))):
        raise SystemExit(
            "aiotreach-client: the generated modules are missing from %s and "
            "cannot be made here (need protoc, %s and the clone's proto/): run "
            "tools/python_client first" % (OUT, PLUGIN))
    os.makedirs(OUT, exist_ok=True)
    protos = sorted(
        os.path.join("aiotreach", "v1", f)
        for f in os.listdir(os.path.join(PROTO, "aiotreach", "v1"))
        if f.endswith(".proto"))
    subprocess.check_call(
        [protoc, "-I" + PROTO, "--python_out=" + OUT,
         "--grpc_python_out=" + OUT,
         "--plugin=protoc-gen-grpc_python=" + PLUGIN] + protos)


generate()
setup()
