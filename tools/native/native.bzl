"""cc_library targets built as tools/native/sources.txt says (via the generated sources.bzl)."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//tools/native:sources.bzl", "NATIVE_DEFINES", "NATIVE_LIBRARIES")

# Every translation unit that includes libcoro's headers gets these (through //third_party/libcoro:headers).
GLOBAL_DEFINES = NATIVE_DEFINES

def native_sources(name):
    """The sources of library `name` of the current package, relative to the package."""
    return NATIVE_LIBRARIES["//%s:%s" % (native.package_name(), name)].srcs

def native_cc_library(name, library = None, **kwargs):
    """A cc_library whose srcs, defines (propagated to dependents) and linkopts come from the manifest.

    Args:
      name: the target name.
      library: the manifest's library, labelled //<this package>:<library> (default: name).
      **kwargs: hdrs, deps, visibility and the like, passed on.
    """
    lib = NATIVE_LIBRARIES["//%s:%s" % (native.package_name(), library or name)]
    cc_library(
        name = name,
        srcs = lib.srcs,
        copts = ["-std=c++20"],
        defines = lib.defines,
        linkopts = lib.linkopts,
        **kwargs
    )
