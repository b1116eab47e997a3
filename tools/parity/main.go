// Command parity keeps tests/PARITY.md: the tables of every parity scenario with the C++ test and the Go test
// that implement it (same name in both), and checks that required scenarios exist. Two suites: libcoro v0.14.1's
// (tests/scenarios.tsv, C++ in tests/cpp) and libcoro v0.16.0's (tests/scenarios16.tsv, C++ in tests/cpp16).
//
// It lives in the tools module, so run it from tools/ (it finds the repository root above the working directory):
//
//	cd tools && go run ./parity                  # rewrite tests/PARITY.md from tests/scenarios.tsv + test sources
//	cd tools && go run ./parity -spec ../../shared/spec/parity-scenarios.md   # also refresh tests/scenarios.tsv
//	cd tools && go run ./parity -spec16 ../../shared/spec/parity-scenarios-v0.16.md   # refresh tests/scenarios16.tsv
//	cd tools && go run ./parity -check -cpp 1-106 -go 57,62     # fail if a listed scenario has no test
//	cd tools && go run ./parity -check -cpp16 281-291           # the same for v0.16 scenarios
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

type scenario struct {
	ID    string // "1".."114", "B1".."B13"
	Name  string
	Cpp   string // file that has it, "" if none
	Go    string
	Notes string
	Kind  string // v0.16 only: "printout", "internet", "benchmark" or "" (a functional test)
	// Same is, for a v0.16 scenario, the id of the v0.14 scenario it repeats with only the C++ spelling adapted
	// (the upstream list's "= v14 #N"; not "≈", which marks changed behaviour), else "".
	Same string
}

var (
	specLine = regexp.MustCompile("^\\s*(B?\\d+)\\. `\"(.+?)\"`(.*)")
	// sameAs is an entry's "= v14 #N" relation: right after the name's dash or at the start of a continuation line.
	sameAs    = regexp.MustCompile(`(?m)(?:— |^\s*)= v14 #(\d+)`)
	cppCase   = regexp.MustCompile(`(?:TEST_CASE|SECTION)\(\s*"((?:[^"\\]|\\.)*)"`)
	goSubtest = regexp.MustCompile(`(?:t|b)\.Run\(\s*"((?:[^"\\]|\\.)*)"`)
	// sharedBody is a C++ test file's `#include "<path>.cpp"` of another test file.
	sharedBody = regexp.MustCompile(`(?m)^#include "([^"]+\.cpp)"`)
	goNote     = regexp.MustCompile(`// parity-note: "((?:[^"\\]|\\.)*)": (.*)`)
)

func main() {
	root := flag.String("root", "", "repository root (default: the nearest directory above with tests/scenarios.tsv)")
	spec := flag.String("spec", "", "parity-scenarios.md to refresh tests/scenarios.tsv from")
	check := flag.Bool("check", false, "fail when a scenario listed in -cpp/-go has no test; do not write files")
	cppReq := flag.String("cpp", "", "scenario ids that must have a C++ test, e.g. 1-106")
	goReq := flag.String("go", "", "scenario ids that must have a Go test")
	spec16 := flag.String("spec16", "", "parity-scenarios-v0.16.md to refresh tests/scenarios16.tsv from")
	cpp16Req := flag.String("cpp16", "", "v0.16 scenario ids that must have a C++ test (tests/cpp16)")
	go16Req := flag.String("go16", "", "v0.16 scenario ids that must have a Go test")
	flag.Parse()
	if *root == "" {
		r, err := findRoot()
		must(err)
		*root = r
	}

	tsv := filepath.Join(*root, "tests", "scenarios.tsv")
	if *spec != "" {
		must(refreshScenarios(*spec, tsv))
	}
	tsv16 := filepath.Join(*root, "tests", "scenarios16.tsv")
	if *spec16 != "" {
		must(refreshScenarios(*spec16, tsv16))
	}
	scenarios, err := readScenarios(tsv)
	must(err)
	scenarios16, err := readScenarios(tsv16)
	must(err)
	cpp, err := scan(filepath.Join(*root, "tests", "cpp"), ".cpp", cppCase, nil)
	must(err)
	cpp16, err := scan(filepath.Join(*root, "tests", "cpp16"), ".cpp", cppCase, nil)
	must(err)
	notes := map[string]string{}
	gotests, err := scan(filepath.Join(*root, "tests", "go"), ".go", goSubtest, notes)
	must(err)
	for i := range scenarios {
		s := &scenarios[i]
		s.Cpp, s.Go, s.Notes = cpp[s.Name], gotests[s.Name], notes[s.Name]
	}
	// v0.16 scenarios that keep a v0.14 name share its Go test (the Go API has one version).
	for i := range scenarios16 {
		s := &scenarios16[i]
		s.Cpp, s.Go, s.Notes = cpp16[s.Name], gotests[s.Name], notes[s.Name]
	}
	shareSameGoTests(scenarios, scenarios16)

	if *check {
		var missing []string
		need := func(list []scenario, cppIDs, goIDs, suite string) {
			for _, s := range list {
				if inSet(cppIDs, s.ID) && s.Cpp == "" {
					missing = append(missing, fmt.Sprintf("C++%s %s %q", suite, s.ID, s.Name))
				}
				if inSet(goIDs, s.ID) && s.Go == "" {
					missing = append(missing, fmt.Sprintf("Go%s %s %q", suite, s.ID, s.Name))
				}
			}
		}
		need(scenarios, *cppReq, *goReq, "")
		need(scenarios16, *cpp16Req, *go16Req, " (v0.16)")
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "parity: %d scenarios have no test:\n  %s\n", len(missing), strings.Join(missing, "\n  "))
			os.Exit(1)
		}
		fmt.Println("parity: every required scenario has its test")
		return
	}
	must(os.WriteFile(filepath.Join(*root, "tests", "PARITY.md"), render(scenarios, scenarios16), 0o644))
}

// shareSameGoTests gives a v0.16 scenario without a Go test of its own the Go test of the v0.14 scenario the upstream list
// calls the same one under another C++ name ("scheduler yield" = v14 "io_scheduler yield"), with a note saying so.
func shareSameGoTests(scenarios, scenarios16 []scenario) {
	byID := map[string]scenario{}
	for _, s := range scenarios {
		byID[s.ID] = s
	}
	for i := range scenarios16 {
		s := &scenarios16[i]
		v14, ok := byID[s.Same]
		if !ok || s.Go != "" || v14.Go == "" {
			continue
		}
		s.Go = v14.Go
		s.Notes = fmt.Sprintf("same Go test as v0.14 #%s '%s' (the Go API is not versioned)", v14.ID, v14.Name)
		if v14.Notes != "" {
			s.Notes += "; " + v14.Notes
		}
	}
}

// findRoot walks up from the working directory to the repository root (the directory with tests/scenarios.tsv).
func findRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "tests", "scenarios.tsv")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no tests/scenarios.tsv above the working directory; pass -root")
		}
		d = parent
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
}

// inSet reports whether id is in a list like "1-106,B1-B10,112".
func inSet(list, id string) bool {
	num := func(s string) (bool, int) {
		b := strings.HasPrefix(s, "B")
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "B"))
		return b, n
	}
	ib, in := num(id)
	for _, part := range strings.Split(list, ",") {
		if part == "" {
			continue
		}
		lo, hi, found := strings.Cut(part, "-")
		if !found {
			hi = lo
		}
		lb, l := num(lo)
		hb, h := num(hi)
		if lb == ib && hb == ib && in >= l && in <= h {
			return true
		}
	}
	return false
}

func refreshScenarios(spec, tsv string) error {
	data, err := os.ReadFile(spec)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# id\tname\tkind\tsame v14 id — generated by tools/parity from the list of upstream libcoro's test cases (%s, kept outside this repository); do not edit\n", filepath.Base(spec))
	// An entry is its first line plus the indented lines after it; the "= v14 #N" relation may wrap onto them.
	var entry []string // id, name, rest of the entry
	flush := func() {
		if entry == nil {
			return
		}
		f := []string{entry[0], entry[1], kindOf(entry[2]), ""}
		if m := sameAs.FindStringSubmatch(entry[2]); m != nil {
			f[3] = m[1]
		}
		out.WriteString(strings.TrimRight(strings.Join(f, "\t"), "\t") + "\n")
		entry = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch m := specLine.FindStringSubmatch(line); {
		case m != nil:
			flush()
			entry = []string{m[1], m[2], m[3]}
		case entry != nil && strings.HasPrefix(line, " ") && strings.TrimSpace(line) != "":
			entry[2] += "\n" + line
		default:
			flush()
		}
	}
	flush()
	return os.WriteFile(tsv, out.Bytes(), 0o644)
}

// kindOf classifies a scenario from the rest of its first spec line (after the quoted name): the markers the
// v0.16 list uses for cases that are no functional test.
func kindOf(rest string) string {
	switch {
	case strings.Contains(rest, "**[printout]**"):
		return "printout"
	case strings.Contains(rest, "**[internet]**"):
		return "internet"
	case strings.Contains(rest, "[benchmark]"):
		return "benchmark"
	}
	return ""
}

func readScenarios(tsv string) ([]scenario, error) {
	data, err := os.ReadFile(tsv)
	if err != nil {
		return nil, err
	}
	var out []scenario
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		s := scenario{ID: f[0]}
		if len(f) > 1 {
			s.Name = f[1]
		}
		if len(f) > 2 {
			s.Kind = f[2]
		}
		if len(f) > 3 {
			s.Same = f[3]
		}
		out = append(out, s)
	}
	return out, nil
}

// scan maps each test name found in the files under dir (recursively) to the file's path relative to dir.
func scan(dir, ext string, re *regexp.Regexp, notes map[string]string) (map[string]string, error) {
	found := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ext) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		// A test file may compile another directory's test file as its own (tests/cpp16 including a tests/cpp
		// file whose scenarios did not change): its tests count as this file's.
		for _, m := range sharedBody.FindAllStringSubmatch(string(data), -1) {
			body, err := os.ReadFile(filepath.Join(filepath.Dir(path), m[1]))
			if err != nil {
				return err
			}
			data = append(data, body...)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			name := unquote(m[1])
			if _, dup := found[name]; !dup {
				found[name] = rel
			}
		}
		if notes != nil {
			for _, m := range goNote.FindAllStringSubmatch(string(data), -1) {
				notes[unquote(m[1])] = strings.TrimSpace(m[2])
			}
		}
		return nil
	})
	return found, err
}

func unquote(s string) string {
	if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return u
	}
	return s
}

func render(scenarios, scenarios16 []scenario) []byte {
	var b bytes.Buffer
	b.WriteString("# Parity scenarios\n\n")
	b.WriteString("Every parity scenario (libcoro v0.14.1's own test cases, listed in tests/scenarios.tsv; B = benchmarks) with the C++ test\n")
	b.WriteString("(`tests/cpp`, Catch2 `TEST_CASE`) and the Go test (`tests/go`, testify subtest) that carry its exact name.\n")
	b.WriteString("Generated by `cd tools && go run ./parity`; notes come from `// parity-note: \"<name>\": <text>` comments in the Go tests.\n\n")
	cppN, goN := 0, 0
	for _, s := range scenarios {
		if s.Cpp != "" {
			cppN++
		}
		if s.Go != "" {
			goN++
		}
	}
	fmt.Fprintf(&b, "Covered: C++ %d/%d, Go %d/%d.\n\n", cppN, len(scenarios), goN, len(scenarios))
	b.WriteString("| # | scenario | C++ test | Go test | note |\n|---|---|---|---|---|\n")
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return "`" + s + "`"
	}
	for _, s := range scenarios {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", s.ID, strings.ReplaceAll(s.Name, "|", "\\|"), cell(s.Cpp), cell(s.Go), s.Notes)
	}
	if len(scenarios16) == 0 {
		return b.Bytes()
	}

	b.WriteString("\n## libcoro v0.16.0\n\n")
	b.WriteString("libcoro v0.16.0's test cases plus the seven added at its head (tests/scenarios16.tsv, 201–452) with the C++ test in\n")
	b.WriteString("`tests/cpp16` (compiled with `LIBCORO_API_VERSION=1600`) and the Go test (`tests/go`) of the same name. A scenario\n")
	b.WriteString("that keeps its v0.14 name, or that tests/scenarios16.tsv marks as the same as a v0.14 one (its \"same v14 id\" column, \"= v14 #N\"), shares the v0.14 Go test (the\n")
	b.WriteString("Go API is not versioned). Printouts (a header/footer line, nothing asserted) are listed but not counted. Benchmarks\n")
	b.WriteString("count for C++ only: tests/cpp16 runs each one's workload scaled down and asserts its results; their Go side is timed\n")
	b.WriteString("by tools/bench, not tested.\n\n")
	c := coverage16(scenarios16)
	fmt.Fprintf(&b, "Covered: C++ %d/%d, Go %d/%d.\n\n", c.cpp, c.cppTotal, c.goN, c.goTotal)
	b.WriteString("| # | scenario | kind | C++ test | Go test | note |\n|---|---|---|---|---|---|\n")
	for _, s := range scenarios16 {
		notes := s.Notes
		if s.Kind == "benchmark" && s.Go == "" && notes == "" {
			notes = "benchmark: no Go test required (tools/bench times the Go side)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.ID, strings.ReplaceAll(s.Name, "|", "\\|"), s.Kind, cell(s.Cpp), cell(s.Go), notes)
	}
	return b.Bytes()
}

type coverage struct{ cpp, cppTotal, goN, goTotal int }

// coverage16 counts the v0.16 scenarios that have a test: printouts count for neither language, benchmarks for C++
// only (tests/cpp16 asserts their results at a small scale; the Go side of a benchmark is tools/bench).
func coverage16(scenarios16 []scenario) coverage {
	var c coverage
	for _, s := range scenarios16 {
		if s.Kind == "printout" {
			continue
		}
		c.cppTotal++
		if s.Cpp != "" {
			c.cpp++
		}
		if s.Kind == "benchmark" {
			continue
		}
		c.goTotal++
		if s.Go != "" {
			c.goN++
		}
	}
	return c
}
