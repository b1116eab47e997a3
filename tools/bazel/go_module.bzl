"""Repository rule that materialises a Go module through `go mod download`.

Used for Bazel rule sets that are published as Go modules (rules_go, gazelle),
so that the workspace only needs the Go module proxy, not GitHub release
downloads.
"""

def find_go(ctx):
    """Returns the path of the host `go` binary."""
    goroot = ctx.os.environ.get("GOROOT", "")
    if goroot:
        p = ctx.path(goroot + "/bin/go")
        if p.exists:
            return p
    p = ctx.which("go")
    if p:
        return p
    for cand in ["/usr/local/go/bin/go", "/usr/lib/go/bin/go"]:
        p = ctx.path(cand)
        if p.exists:
            return p
    fail("cannot find the `go` binary: put it on PATH or set GOROOT")

def go_env(ctx):
    """Environment for running the host `go` in a repository rule."""
    env = {
        "GO111MODULE": "on",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
    }
    for k in ["HOME", "GOPATH", "GOMODCACHE", "GOCACHE", "GOPROXY", "GONOSUMDB",
              "GONOSUMCHECK", "GOPRIVATE", "GOSUMDB", "GOINSECURE", "GONOPROXY",
              "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy",
              "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"]:
        v = ctx.os.environ.get(k)
        if v:
            env[k] = v
    env["PATH"] = str(find_go(ctx).dirname) + ":" + ctx.os.environ.get("PATH", "/usr/bin:/bin")
    if "HOME" not in env:
        # No HOME (e.g. a bare CI environment): give Go a GOPATH/GOCACHE,
        # next to (not inside) the repository dir.
        cache = str(ctx.path(".").dirname) + "/gocoro_go_env_cache"
        env.setdefault("GOPATH", cache + "/gopath")
        env.setdefault("GOCACHE", cache + "/gocache")
    return env

def _exec(ctx, args, env, what, cwd = ""):
    res = ctx.execute(args, environment = env, timeout = 1800, working_directory = cwd, quiet = True)
    if res.return_code:
        fail("%s failed (%d):\n%s\n%s" % (what, res.return_code, res.stdout, res.stderr))
    return res

def _go_module_repository_impl(ctx):
    go = find_go(ctx)
    env = go_env(ctx)
    mod = "%s@%s" % (ctx.attr.module, ctx.attr.version)
    ctx.report_progress("go mod download " + mod)

    # Run in an empty scratch dir so no go.mod is picked up.
    ctx.file(".scratch/README", "")
    res = _exec(ctx, [go, "mod", "download", "-json", mod], env, "go mod download " + mod, str(ctx.path(".scratch")))
    info = json.decode(res.stdout)
    if info.get("Error"):
        fail("go mod download %s: %s" % (mod, info["Error"]))
    if ctx.attr.sum and info.get("Sum") != ctx.attr.sum:
        fail("checksum mismatch for %s: expected %s, got %s" % (mod, ctx.attr.sum, info.get("Sum")))
    _exec(ctx, ["rm", "-rf", ".scratch"], env, "cleanup")

    # The module cache is read-only: copy, then make writable.
    _exec(ctx, ["cp", "-R", info["Dir"] + "/.", "."], env, "copy module")
    _exec(ctx, ["chmod", "-R", "u+w", "."], env, "chmod")

    # GNU patch: Bazel 4's built-in ctx.patch rejects hunks that patch(1) applies exactly.
    for p in ctx.attr.patches:
        _exec(ctx, ["patch", "-p1", "--forward", "--no-backup-if-mismatch", "-i", str(ctx.path(p))], env, "patch %s" % p)
    for cmd in ctx.attr.patch_cmds:
        _exec(ctx, ["/bin/sh", "-c", cmd], env, "patch command `%s`" % cmd)

_go_module_repository = repository_rule(
    implementation = _go_module_repository_impl,
    attrs = {
        "module": attr.string(mandatory = True, doc = "Go module path."),
        "version": attr.string(mandatory = True, doc = "Module version."),
        "sum": attr.string(doc = "Expected go.sum h1: hash of the module zip."),
        "patches": attr.label_list(allow_files = True),
        "patch_cmds": attr.string_list(doc = "Shell commands run in the repository after patching; `go` is on PATH."),
    },
    # The content is pinned by module@version (+ sum), so no environ: a changed
    # PATH or GOPROXY must not refetch rules_go and rebuild everything.
)

def go_module_repository(name, **kwargs):
    _go_module_repository(name = name, **kwargs)
