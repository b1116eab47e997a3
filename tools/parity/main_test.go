package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The "= v14 #N" relation is read from the first line or a wrapped continuation line; "≈ v14 #N" (changed
// behaviour) and "new" are not a relation; kinds still come from the first line.
func TestRefreshScenariosReadsSameRelation(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.md")
	tsv := filepath.Join(dir, "scenarios16.tsv")
	text := "Intro mentioning \"= v14 #N\".\n\n" +
		"201. `\"task\"` `[task]` — **[printout]**.\n" +
		"202. `\"task hello world\"` `[task]` — = v14 #1. Two tasks;\n" +
		"     more text.\n" +
		"276. `\"semaphore produce consume\"` `[semaphore]` — ≈ v14 #49 (\"semaphore ringbuffer\"). Changed.\n" +
		"287. `\"ring_buffer issue-242 in coroutines\"` `[ring_buffer]` —\n" +
		"     = v14 #55. Wrapped relation.\n" +
		"262. `\"mutex lock\"` `[mutex]` — new. Mentions = v14 #9 later in the text.\n" +
		"\n" +
		"Reverse mapping: 300. not an entry = v14 #7\n"
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := refreshScenarios(spec, tsv); err != nil {
		t.Fatal(err)
	}
	got, err := readScenarios(tsv)
	if err != nil {
		t.Fatal(err)
	}
	want := []scenario{
		{ID: "201", Name: "task", Kind: "printout"},
		{ID: "202", Name: "task hello world", Same: "1"},
		{ID: "276", Name: "semaphore produce consume"},
		{ID: "287", Name: "ring_buffer issue-242 in coroutines", Same: "55"},
		{ID: "262", Name: "mutex lock"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scenarios:\n got %+v\nwant %+v", got, want)
	}
}

// A v0.16 scenario takes the Go test of the v0.14 one it is the same as only when it has none of its own and the
// v0.14 one has one; the v0.14 note is kept after the sharing note.
func TestShareSameGoTests(t *testing.T) {
	v14 := []scenario{
		{ID: "96", Name: "io_scheduler yield", Go: "io_scheduler_test.go"},
		{ID: "100", Name: "io_scheduler self generating", Go: "io_scheduler_test.go", Notes: "fewer generations"},
		{ID: "101", Name: "no go test"},
	}
	v16 := []scenario{
		{ID: "399", Name: "scheduler yield", Same: "96"},
		{ID: "403", Name: "scheduler self generating", Same: "100"},
		{ID: "404", Name: "v14 has no go test", Same: "101"},
		{ID: "405", Name: "own test", Same: "96", Go: "own_test.go", Notes: "own note"},
		{ID: "406", Name: "new"},
	}
	shareSameGoTests(v14, v16)
	want := []scenario{
		{ID: "399", Name: "scheduler yield", Same: "96", Go: "io_scheduler_test.go",
			Notes: "same Go test as v0.14 #96 'io_scheduler yield' (the Go API is not versioned)"},
		{ID: "403", Name: "scheduler self generating", Same: "100", Go: "io_scheduler_test.go",
			Notes: "same Go test as v0.14 #100 'io_scheduler self generating' (the Go API is not versioned); fewer generations"},
		{ID: "404", Name: "v14 has no go test", Same: "101"},
		{ID: "405", Name: "own test", Same: "96", Go: "own_test.go", Notes: "own note"},
		{ID: "406", Name: "new"},
	}
	if !reflect.DeepEqual(v16, want) {
		t.Fatalf("v0.16 scenarios:\n got %+v\nwant %+v", v16, want)
	}
}

// Printouts count for neither language; benchmarks count for C++ but not for Go.
func TestCoverage16(t *testing.T) {
	v16 := []scenario{
		{ID: "201", Name: "task", Kind: "printout"},
		{ID: "202", Name: "task hello world", Cpp: "test_task.cpp", Go: "task_test.go"},
		{ID: "203", Name: "c++ only", Cpp: "test_task.cpp"},
		{ID: "412", Name: "dns", Kind: "internet", Cpp: "net/test_dns_resolver.cpp", Go: "dns_test.go"},
		{ID: "432", Name: "benchmark tested", Kind: "benchmark", Cpp: "test_benchmark.cpp"},
		{ID: "433", Name: "benchmark untested", Kind: "benchmark"},
	}
	want := coverage{cpp: 4, cppTotal: 5, goN: 2, goTotal: 3}
	if got := coverage16(v16); got != want {
		t.Fatalf("coverage16 = %+v, want %+v", got, want)
	}
}
