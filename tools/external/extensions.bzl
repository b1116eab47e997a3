"""@libcoro_external for MODULE.bazel (bzlmod); Bazel 4's WORKSPACE calls the repository rule directly."""

load(":repository.bzl", "libcoro_external")

def _libcoro_impl(_ctx):
    libcoro_external(name = "libcoro_external")

libcoro = module_extension(implementation = _libcoro_impl)
