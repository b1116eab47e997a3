package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOnlyUpstreamHeaders(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"include/coro/a.hpp":             "#pragma once\n#include \"coro/detail/in.hpp\"\n#include <coro/new.hpp>\nint a;\n",
		"include/coro/b.hpp":             "#pragma once\n#include \"coro/a.hpp\"\n#include \"coro/detail/in.hpp\"\n",
		"include/coro/detail/in.hpp":     "#pragma once\n#include \"coro/b.hpp\"\n#include \"coro/detail/deeper.hpp\"\nint in;\n",
		"include/coro/detail/deeper.hpp": "#pragma once\nint deeper;\n",
		"include/coro/new.hpp":           "#pragma once\nint v16;\n",
		"include/coro/v16/x.hpp":         "#pragma once\n",
		"src/a.cpp":                      "#include \"coro/a.hpp\"\n#include \"coro/detail/deeper.hpp\"\n",
	})
	list := headerList{
		upstream: map[string]bool{"a.hpp": true, "b.hpp": true},
		drop:     map[string]bool{"new.hpp": true, "v16/x.hpp": true},
	}
	if err := onlyUpstreamHeaders(dir, list); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = filepath.WalkDir(filepath.Join(dir, "include"), func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
		return err
	})
	sort.Strings(got)
	want := []string{"include", "include/coro", "include/coro/a.hpp", "include/coro/b.hpp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tree %v, want %v", got, want)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	in, deeper := guardName("detail/in.hpp"), guardName("detail/deeper.hpp")
	a := read("include/coro/a.hpp")
	for _, s := range []string{"#pragma once\n", "#ifndef " + in, "#include \"coro/b.hpp\"", "#ifndef " + deeper, "int deeper;", "int in;", "int a;"} {
		if !strings.Contains(a, s) {
			t.Errorf("a.hpp lacks %q:\n%s", s, a)
		}
	}
	if strings.Count(a, "#pragma once") != 1 || strings.Contains(a, "new.hpp") || strings.Contains(a, "#include \"coro/detail/") {
		t.Errorf("a.hpp keeps an inlined pragma or a non-upstream include:\n%s", a)
	}
	if src := read("src/a.cpp"); !strings.Contains(src, "#ifndef "+deeper) || strings.Contains(src, "#include \"coro/detail/") {
		t.Errorf("src/a.cpp:\n%s", src)
	}
}

func TestOnlyUpstreamHeadersRefusesAMissingHeader(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"include/coro/a.hpp": "#include \"coro/gone.hpp\"\n", "src/a.cpp": ""})
	err := onlyUpstreamHeaders(dir, headerList{upstream: map[string]bool{"a.hpp": true}, drop: map[string]bool{}})
	if err == nil || !strings.Contains(err.Error(), "gone.hpp") {
		t.Errorf("err = %v, want one naming gone.hpp", err)
	}
}
