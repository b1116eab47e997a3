"""@libcoro_external: the user's upstream libcoro checkout, built with tools/external/libcoro.BUILD."""

def _libcoro_external_impl(ctx):
    path = ctx.os.environ.get("GOCORO_LIBCORO", "")
    if not path:
        # Only --define=libcoro=external reaches this repository; without a checkout, say what is missing.
        ctx.file("BUILD.bazel", """
genrule(
    name = "missing",
    outs = ["missing.txt"],
    cmd = "echo 'set --repo_env=GOCORO_LIBCORO=<upstream libcoro checkout> with --config=libcoro_external' >&2; exit 1",
)

cc_library(
    name = "libcoro",
    srcs = [":missing"],
    visibility = ["//visibility:public"],
)
""")
        return
    root = ctx.path(path)
    for sub in ["include", "src"]:
        if not root.get_child(sub).exists:
            fail("GOCORO_LIBCORO=%s has no %s/ directory (expected an upstream libcoro checkout)" % (path, sub))
        ctx.symlink(root.get_child(sub), sub)
    ctx.template("BUILD.bazel", ctx.attr.build_file)

libcoro_external = repository_rule(
    implementation = _libcoro_external_impl,
    attrs = {"build_file": attr.label(default = "//tools/external:libcoro.BUILD")},
    environ = ["GOCORO_LIBCORO"],
    local = True,
)
