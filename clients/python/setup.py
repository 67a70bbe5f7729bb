"""Builds the aiotreach client package (configuration in pyproject.toml).

The package carries the protobuf and gRPC modules generated from proto/
(aiotreach_client/_proto). tools/setup makes them (tools/python_client);
if they are missing, they are generated here from ../../proto with Debian's
protoc and grpc_python_plugin, or the build stops saying how to make them.
"""
import os
import sys

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "aiotreach_client", "_proto")
PROTO = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))

if not os.path.exists(os.path.join(OUT, "report_pb2.py")):
    sys.path.insert(0, HERE)
    from generate_protos import generate  # noqa: E402
    generate(PROTO, OUT)
setup()
