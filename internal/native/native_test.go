// An external test package: checking the generated files must not need the C++ compiled (an internal test would
// recompile this package's amalgamations for the test binary).
package native_test

import (
	"go/build"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocoro/gocoro/internal/amalgamate"
)

const repoRoot = "../.."

// The checked-in amalgamations, header copies and make/Bazel fragments must be what the generator makes of the
// current sources: otherwise go build compiles something other than the C++ in third_party/ and cshim/.
func TestGeneratedFilesCurrent(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, amalgamate.ManifestPath)); err != nil {
		t.Skipf("no source tree here (%v)", err)
	}
	bad, err := amalgamate.Diff(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("generated native files are out of date with the C++ sources or %s:\n\t%s\nrun: %s",
			amalgamate.ManifestPath, strings.Join(bad, "\n\t"), amalgamate.RegenerateCommand)
	}
}

// owners compile gocoro's C++ under go build; handlerPackages compile a user's own handler (against the public
// headers) and nothing of gocoro's.
var (
	owners          = []string{"internal/native", "internal/native/tls", "internal/native/dns"}
	handlerPackages = []string{"examples/native_handler"}
)

// Every cgo package imports the owner that defines what it calls, and only owners compile gocoro's sources: the
// rules stated in the package doc, which nothing else enforces (a missing import links only by luck, through
// another package of the same binary).
func TestTopology(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, amalgamate.ManifestPath)); err != nil {
		t.Skipf("no source tree here (%v)", err)
	}
	ctx := build.Default
	ctx.CgoEnabled = true
	checked := 0
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if rel != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil && rel != "." {
			return filepath.SkipDir // another module (tools, fixtures)
		}
		pkg, err := ctx.ImportDir(p, 0)
		if err != nil {
			return nil // no Go package here
		}
		native := append(append(pkg.CFiles, pkg.CXXFiles...), pkg.SFiles...)
		switch {
		case slices.Contains(owners, rel):
			return nil
		case len(native) > 0 && !slices.Contains(handlerPackages, rel):
			t.Errorf("%s compiles %v: gocoro's C++ belongs in the owner packages (%v), listed in %s",
				rel, native, owners, amalgamate.ManifestPath)
		}
		if len(pkg.CgoFiles) == 0 {
			return nil
		}
		checked++
		imports := func(imp string) bool {
			return slices.Contains(pkg.Imports, path.Join("github.com/gocoro/gocoro", imp))
		}
		switch {
		case slices.Contains(handlerPackages, rel):
			// Outside this module a handler cannot import internal/native; net/server brings it in.
			if !imports("net/server") {
				t.Errorf("%s compiles a net/server handler but does not import net/server", rel)
			}
		case !slices.ContainsFunc(owners, imports):
			t.Errorf("%s uses cgo but imports none of the native owners %v", rel, owners)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 7 {
		t.Fatalf("found only %d cgo packages outside the owners; the walk is broken", checked)
	}
}
