"""Rule sets for the gocoro Bazel (WORKSPACE) build, all fetched offline-capable.

rules_go and gazelle are Go modules, so they come through the Go module proxy
(`go mod download`); bazel_skylib and rules_java come from Debian packages;
@rules_cc and @remote_coverage_tools (implicit Bazel 4.2.3 dependencies) are
tiny local stand-ins.
"""

load(":go_module.bzl", "go_module_repository")
load(":offline_repos.bzl", "coverage_tools_stub", "debian_repository", "rules_cc_shim")

RULES_GO_VERSION = "v0.34.0"  # newest rules_go that supports Bazel 4.2.x
GAZELLE_VERSION = "v0.26.0"  # pairs with rules_go v0.34.0

def gocoro_rules_repositories():
    """Declares the Bazel rule sets. Call first in WORKSPACE."""
    debian_repository(
        name = "bazel_skylib",
        paths = ["/usr/share/bazel/tools/skylib"],
        package = "bazel-skylib",
    )
    debian_repository(
        name = "rules_java",
        paths = ["/usr/share/bazel/rules/java"],
        package = "bazel-rules-java",
    )
    rules_cc_shim(name = "rules_cc")
    coverage_tools_stub(name = "remote_coverage_tools")

    go_module_repository(
        name = "io_bazel_rules_go",
        module = "github.com/bazelbuild/rules_go",
        version = RULES_GO_VERSION,
        sum = "h1:cmObMtgIOaEU944SqXtJ9DnlS8IPGGa7pdRnsrpQzXM=",
        # Makes rules_go v0.34.0 work with a modern (>= 1.21) host Go SDK.
        patches = ["//tools/bazel:rules_go.patch"],
    )
    go_module_repository(
        name = "bazel_gazelle",
        module = "github.com/bazelbuild/bazel-gazelle",
        version = GAZELLE_VERSION,
        sum = "h1:/gh8S450+nfr3wYI6bTYEi297obbVcMObavhPuB7LVo=",
        patch_cmds = [
            # The proxy strips vendor/; go_repository_tools builds the helper
            # tools (fetch_repo, gazelle) in GOPATH mode from vendor/.
            "go mod vendor -e",
            # The internal test macro needs a newer bazel_skylib than Debian's.
            "sed -i -e '/gazelle_binary_test.bzl/d' -e '/^gazelle_binary_test_suite()/d' internal/BUILD.bazel",
        ],
    )
