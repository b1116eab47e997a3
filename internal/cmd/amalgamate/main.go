// Command amalgamate regenerates every file derived from the native source manifest (tools/native/sources.txt):
// the amalgamations and header copies compiled by go build (internal/native, internal/native/tls,
// internal/native/dns), tools/native/sources.mk (make) and tools/native/sources.bzl (Bazel).
//
//	go run ./internal/cmd/amalgamate          # write (also: go generate ./internal/native)
//	go run ./internal/cmd/amalgamate -check   # exit 1 and list the files that are out of date
//
// Run it from anywhere inside the repository after editing any C++ source or header under third_party/libcoro
// or cshim, or the manifest.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocoro/gocoro/internal/amalgamate"
)

func main() {
	check := flag.Bool("check", false, "only report out-of-date files (exit status 1 if any)")
	flag.Parse()
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	if *check {
		bad, err := amalgamate.Diff(root)
		if err != nil {
			fail(err)
		}
		for _, p := range bad {
			fmt.Println("out of date:", p)
		}
		if len(bad) > 0 {
			fmt.Fprintln(os.Stderr, "amalgamate: run", amalgamate.RegenerateCommand)
			os.Exit(1)
		}
		return
	}
	changed, err := amalgamate.Write(root)
	if err != nil {
		fail(err)
	}
	for _, p := range changed {
		fmt.Println("wrote", p)
	}
}

// repoRoot is the nearest directory upwards holding the manifest.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(amalgamate.ManifestPath))); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found above the current directory", amalgamate.ManifestPath)
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "amalgamate:", err)
	os.Exit(2)
}
