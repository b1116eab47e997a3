package amalgamate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unitOf amalgamates the sources srcs (in order) of a repository made of files, with the unit macros defines.
func unitOf(t *testing.T, files map[string]string, defines []string, srcs ...string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib := &Library{Name: "lib", Label: "//x:lib", Srcs: srcs}
	o := &Owner{Dir: "owner", Units: []Unit{{File: "unit.cc", Libraries: []*Library{lib}}}}
	m := &Manifest{Defines: defines, Libraries: []*Library{lib}, Owners: []*Owner{o}}
	out, err := amalgamateUnit(root, m, o, o.Units[0], false)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// copies counts how many times header h was inlined into unit.
func copies(unit, h string) int {
	return strings.Count(unit, "#ifndef "+guardMacro(h)+"\n")
}

// A header is inlined once where that is enough, and again only where the first copy may have been left out.
func TestHeaderInlinedOnceWhereCorrect(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		defines []string
		want    int
	}{
		{
			name: "first met under an #ifndef of a macro no compiler here defines, then unconditionally",
			files: map[string]string{
				"a.cpp":       "#include \"inc/any.hpp\"\n",
				"inc/any.hpp": "#pragma once\n#ifndef EMSCRIPTEN\n    #include \"inc/h.hpp\"\n#endif\n",
				"b.cpp":       "#include \"inc/h.hpp\"\n",
			},
			want: 1,
		},
		{
			name: "under an #ifdef of a unit macro",
			files: map[string]string{
				"a.cpp": "#ifdef FEATURE\n#include \"inc/h.hpp\"\n#endif\n",
				"b.cpp": "#include \"inc/h.hpp\"\n",
			},
			defines: []string{"FEATURE"},
			want:    1,
		},
		{
			name: "under the same condition in two files",
			files: map[string]string{
				"a.cpp": "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
				"b.cpp": "#if  EXT\n    #include \"inc/h.hpp\"\n#endif\n",
			},
			want: 1,
		},
		{
			name: "under a condition, then under that condition and another",
			files: map[string]string{
				"a.cpp": "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
				"b.cpp": "#ifdef OTHER\n#if EXT\n#include \"inc/h.hpp\"\n#endif\n#endif\n",
			},
			want: 1,
		},
		{
			name: "under a condition, then unconditionally: the first copy may be left out",
			files: map[string]string{
				"a.cpp": "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
				"b.cpp": "#include \"inc/h.hpp\"\n",
			},
			want: 2,
		},
		{
			name: "in the two branches of one test",
			files: map[string]string{
				"a.cpp": "#if EXT\n#else\n#include \"inc/h.hpp\"\n#endif\n",
				"b.cpp": "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
			},
			want: 2,
		},
		{
			name: "unconditionally, then under a condition",
			files: map[string]string{
				"a.cpp": "#include \"inc/h.hpp\"\n",
				"b.cpp": "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
			},
			want: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.files["inc/h.hpp"] = "#pragma once\nint h;\n"
			unit := unitOf(t, c.files, c.defines, "a.cpp", "b.cpp")
			if got := copies(unit, "inc/h.hpp"); got != c.want {
				t.Errorf("inc/h.hpp inlined %d times, want %d:\n%s", got, c.want, unit)
			}
		})
	}
}

// Every copy keeps its guard, so where two copies are compiled the first one wins, as #pragma once would.
func TestRepeatedHeaderGuarded(t *testing.T) {
	unit := unitOf(t, map[string]string{
		"a.cpp":     "#if EXT\n#include \"inc/h.hpp\"\n#endif\n",
		"b.cpp":     "#include \"inc/h.hpp\"\n",
		"inc/h.hpp": "#pragma once\nint h;\n",
	}, nil, "a.cpp", "b.cpp")
	guard := guardMacro("inc/h.hpp")
	if strings.Count(unit, "#define "+guard+"\n") != 2 || strings.Count(unit, "#endif // "+guard+"\n") != 2 {
		t.Errorf("both copies of inc/h.hpp should be guarded by %s:\n%s", guard, unit)
	}
}

// A header directory's leftover copy is stale; the Go package and BUILD file that make it vendorable are not.
func TestStaleHeaders(t *testing.T) {
	root := t.TempDir()
	for name, text := range map[string]string{
		ManifestPath:            "headers inc h/*.h\n",
		"h/a.h":                 "int a;\n",
		"inc/h/a.h":             "int a;\n",
		"inc/h/removed.h":       "int r;\n",
		"inc/h/doc.go":          "package h\n",
		"inc/h/BUILD.bazel":     "",
		"inc/h/sub/removed.h":   "int s;\n",
		"inc/h/sub/doc.go":      "package sub\n",
		"inc/h/sub/BUILD.bazel": "",
		"inc/h/sub/notes.txt":   "",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gen, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(root, gen)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"inc/h/removed.h", "inc/h/sub/notes.txt", "inc/h/sub/removed.h"}
	if strings.Join(stale, " ") != strings.Join(want, " ") {
		t.Errorf("Stale = %q, want %q", stale, want)
	}
}
