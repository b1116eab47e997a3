package native_test

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gocoro/gocoro/internal/amalgamate"
)

// coreLine is the #line directive of an inlined libcoro file.
var coreLine = regexp.MustCompile(`(?m)^#line \d+ "[^"]*third_party/libcoro/`)

// Under the libcoro_external build tag no libcoro source is compiled: every owner then builds only its
// *_external.cc shim units (libcoro's headers left as #include lines), and without the tag only the others.
func TestExternalTagSelectsUnits(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, amalgamate.ManifestPath)); err != nil {
		t.Skipf("no source tree here (%v)", err)
	}
	owners := []string{"internal/native", "internal/native/tls", "internal/native/dns"}
	for _, external := range []bool{false, true} {
		ctx := build.Default
		ctx.CgoEnabled = true
		if external {
			ctx.BuildTags = []string{amalgamate.ExternalTag}
		}
		for _, o := range owners {
			dir := filepath.Join(repoRoot, filepath.FromSlash(o))
			pkg, err := ctx.ImportDir(dir, 0)
			if err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			if len(pkg.CXXFiles) == 0 {
				t.Errorf("%s (external=%v) compiles no C++", o, external)
			}
			for _, f := range pkg.CXXFiles {
				if isExternal := strings.HasSuffix(f, "_external.cc"); external && !isExternal ||
					!external && isExternal {
					t.Errorf("%s (external=%v) compiles %s", o, external, f)
				}
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if external && coreLine.Match(data) {
					t.Errorf("%s/%s inlines libcoro's code, which the external build must take from the installed libcoro", o, f)
				}
			}
			hasPkgConfig := slices.ContainsFunc(pkg.CgoFiles, func(f string) bool { return f == "native_external.go" })
			if hasPkgConfig != external {
				t.Errorf("%s (external=%v): native_external.go (pkg-config libcoro) compiled: %v", o, external, hasPkgConfig)
			}
		}
	}
}
