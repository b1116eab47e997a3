"""Go repositories that rules_go v0.34.0 would otherwise download from GitHub.

Declared before go_rules_dependencies() so they come from the Go module proxy.
Hand-maintained: every rule carries `# keep` so `update-repos -prune` leaves it.
golang.org/x/sys is not here: the library imports it, so go_deps.bzl declares it from go.mod (one declaration,
or gazelle reports a duplicate repository).
"""

load("@bazel_gazelle//:deps.bzl", "go_repository")

def go_toolchain_dependencies():
    go_repository(
        name = "org_golang_x_tools",  # keep
        build_external = "external",  # keep
        build_file_proto_mode = "disable_global",  # keep
        importpath = "golang.org/x/tools",  # keep
        sum = "h1:loJ25fNOEhSXfHrpoGj91eCUThwdNX6u24rO1xnNteY=",  # keep
        version = "v0.1.11",  # keep
    )

    go_repository(
        name = "org_golang_x_xerrors",  # keep
        build_external = "external",  # keep
        importpath = "golang.org/x/xerrors",  # keep
        sum = "h1:go1bK/D/BFZV2I8cIQd1NKEZ+0owSTG1fDTci4IqFcE=",  # keep
        version = "v0.0.0-20200804184101-5ec99f83aff1",  # keep
    )
