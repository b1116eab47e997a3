"""Offline stand-ins for the repositories Bazel 4.2.3 fetches implicitly."""

_RULES_CC_DEFS = '''"""Offline stand-in for @rules_cc//cc:defs.bzl: forwards to the native rules."""

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_proto_library(**attrs):
    native.cc_proto_library(**attrs)

def fdo_prefetch_hints(**attrs):
    native.fdo_prefetch_hints(**attrs)

def fdo_profile(**attrs):
    native.fdo_profile(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)

def objc_import(**attrs):
    native.objc_import(**attrs)
'''

_RULES_CC_FIND = '''"""Offline stand-in for @rules_cc//cc:find_cc_toolchain.bzl."""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", _find = "find_cpp_toolchain")

def find_cc_toolchain(ctx):
    return _find(ctx)

def find_cpp_toolchain(ctx):
    return _find(ctx)
'''

_RULES_CC_BUILD = '''package(default_visibility = ["//visibility:public"])

alias(
    name = "toolchain_type",
    actual = "@bazel_tools//tools/cpp:toolchain_type",
)

exports_files(["defs.bzl", "find_cc_toolchain.bzl"])
'''

def _rules_cc_shim_impl(ctx):
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "")
    ctx.file("cc/BUILD.bazel", _RULES_CC_BUILD)
    ctx.file("cc/defs.bzl", _RULES_CC_DEFS)
    ctx.file("cc/find_cc_toolchain.bzl", _RULES_CC_FIND)

rules_cc_shim = repository_rule(
    implementation = _rules_cc_shim_impl,
    doc = "A @rules_cc that forwards to Bazel's native C++ rules (no download).",
)

_COVERAGE_BUILD = '''# Offline stub: `bazel coverage` is not supported with Bazel 4 here.
package(default_visibility = ["//visibility:public"])

filegroup(name = "coverage_report_generator")

filegroup(name = "lcov_merger")

filegroup(name = "coverage_support")
'''

def _coverage_stub_impl(ctx):
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", _COVERAGE_BUILD)

coverage_tools_stub = repository_rule(
    implementation = _coverage_stub_impl,
    doc = "Stub for Bazel's implicit @remote_coverage_tools (no download).",
)

def _debian_repo_impl(ctx):
    for path in ctx.attr.paths:
        p = ctx.path(path)
        if p.exists:
            for entry in p.readdir():
                ctx.symlink(entry, entry.basename)
            return
    fail(("none of %s exists: install the Debian package `%s` " +
          "(apt-get install -y %s)") % (ctx.attr.paths, ctx.attr.package, ctx.attr.package))

debian_repository = repository_rule(
    implementation = _debian_repo_impl,
    attrs = {
        "paths": attr.string_list(mandatory = True),
        "package": attr.string(mandatory = True),
    },
    doc = "A repository whose files come from an installed Debian package.",
)
