"""C++ code generation from .proto files with Debian's protoc.

aiotreach_cc_proto(name, src, deps) runs /usr/bin/protoc on one .proto and
wraps the generated code in a cc_library `name`. Sources live under
proto/aiotreach/v1/ and are imported as "aiotreach/v1/x.proto".
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def _stem(src):
    return src[:-len(".proto")]

def aiotreach_cc_proto(name, src, deps = [], proto_deps = [], visibility = None):
    stem = _stem(src)
    native.genrule(
        name = name + "_gen",
        srcs = [src] + proto_deps,
        outs = [stem + ".pb.h", stem + ".pb.cc"],
        cmd = "/usr/bin/protoc -Iproto --cpp_out=$(GENDIR)/proto $(location %s)" % src,
    )
    cc_library(
        name = name,
        srcs = [stem + ".pb.cc"],
        hdrs = [stem + ".pb.h"],
        includes = ["."],
        deps = deps + ["@protobuf"],
        visibility = visibility,
    )

def aiotreach_cc_grpc(name, src, deps = [], proto_deps = [], visibility = None):
    """Generated gRPC stubs for the services in `src`; deps: its messages."""
    stem = _stem(src)
    native.genrule(
        name = name + "_gen",
        srcs = [src] + proto_deps,
        outs = [stem + ".grpc.pb.h", stem + ".grpc.pb.cc"],
        cmd = ("/usr/bin/protoc -Iproto --grpc_out=$(GENDIR)/proto " +
               "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin $(location %s)") % src,
    )
    cc_library(
        name = name,
        srcs = [stem + ".grpc.pb.cc"],
        hdrs = [stem + ".grpc.pb.h"],
        includes = ["."],
        deps = deps + ["@grpc"],
        visibility = visibility,
    )
