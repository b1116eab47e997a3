"""Go repositories that rules_go v0.34.0 would otherwise download from GitHub.

Declared before go_rules_dependencies() so they come from the Go module proxy.
Hand-maintained: every rule carries `# keep` so `update-repos -prune` leaves it.
"""

load("@bazel_gazelle//:deps.bzl", "go_repository")

def go_toolchain_dependencies():
    go_repository(
        name = "org_golang_x_sys",  # keep
        build_external = "external",  # keep
        importpath = "golang.org/x/sys",  # keep
        sum = "h1:rHZQSjJdAI4Xf5Qzeh2bBc5YJIkPFVM6oDtMFYmgws0=",  # keep
        version = "v0.0.0-20220624220833-87e55d714810",  # keep
    )
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
