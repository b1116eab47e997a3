// Command bench is the benchmark suite driver: it runs every workload of the native C++ benchmark program
// (tools/bench/cpp), the same shapes driven from Go through package coro ("go") and the plain-Go reference
// versions ("plaingo", tools/bench/gobench), plus the HTTP comparison under wrk (examples/native/http_200_ok_server,
// the Go examples/http_200_ok_server over gocoro's net/tcp, the plain Go server of tools/bench/http), interleaved per
// workload (native, go, plaingo) and repeated for several rounds. Every measurement runs in its own process, so each peak RSS is that workload's own.
//
//	go run ./tools/bench                                   # all suites, 3 rounds, summary table on stdout
//	go run ./tools/bench -json tools/bench/results/results.json \
//	    -md tools/bench/results/results.md -png tools/bench/results/results.png
//	go run ./tools/bench -quick                            # seconds: CI smoke, checks figures are sane
//	go run ./tools/bench -suite core -rounds 5 -run 'sync_wait|thread_pool'
//
// Go-driven workloads run in a child process: the driver re-executes itself with GOCORO_BENCH_CHILD set.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/tools/bench/gobench"
)

// childEnv selects child mode: "impl/workload[/n]" runs one gobench workload and prints one JSON line.
const childEnv = "GOCORO_BENCH_CHILD"

func main() {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec, os.Stdout, os.Stderr))
	}
	os.Exit(driverMain(os.Args[1:], os.Stdout, os.Stderr))
}

// Sample is one measurement, the JSON line format of the native program.
type Sample struct {
	Suite      string  `json:"suite"`
	Workload   string  `json:"workload"`
	Impl       string  `json:"impl"`
	Ops        int64   `json:"ops"`
	Seconds    float64 `json:"seconds"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	NsPerOp    float64 `json:"ns_per_op"`
	PeakRSSKiB int64   `json:"peak_rss_kib"`
}

func (s Sample) sane() error {
	switch {
	case s.Ops <= 0:
		return fmt.Errorf("ops = %d", s.Ops)
	case !(s.Seconds > 0) || math.IsInf(s.Seconds, 0):
		return fmt.Errorf("seconds = %v", s.Seconds)
	case !(s.NsPerOp > 0) || math.IsInf(s.NsPerOp, 0):
		return fmt.Errorf("ns_per_op = %v", s.NsPerOp)
	case !(s.OpsPerSec > 0) || math.IsInf(s.OpsPerSec, 0):
		return fmt.Errorf("ops_per_sec = %v", s.OpsPerSec)
	case s.PeakRSSKiB <= 0:
		return fmt.Errorf("peak_rss_kib = %d", s.PeakRSSKiB)
	}
	return nil
}

func newSample(suite, workload, impl string, ops int64, elapsed time.Duration, rss int64) Sample {
	sec := elapsed.Seconds()
	s := Sample{Suite: suite, Workload: workload, Impl: impl, Ops: ops, Seconds: sec, PeakRSSKiB: rss}
	if sec > 0 && ops > 0 {
		s.OpsPerSec = float64(ops) / sec
		s.NsPerOp = sec * 1e9 / float64(ops)
	}
	return s
}

// selfPeakRSS is this process's peak RSS in KiB: VmHWM, which belongs to the address space made by exec. (getrusage's
// ru_maxrss survives exec on Linux, so a child exec'd from the driver would report at least the driver's peak.)
func selfPeakRSS() int64 {
	if v := vmHWM(os.Getpid()); v > 0 {
		return v
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss // KiB on Linux
}

// goWorkloads is every Go-driven workload: gobench.All plus the TLS ones (listed in gobench/tls_echo.go).
func goWorkloads() []gobench.Workload { return append(gobench.All(), gobench.TLSWorkloads()...) }

// quickN is the iteration count of a gobench workload in -quick mode (about 1/100, like the native --quick).
func quickN(w gobench.Workload) int { return max(w.N/100, 1) }

// childMain runs one gobench workload ("impl/name" or "impl/name/n") and prints its Sample as one JSON line.
func childMain(spec string, stdout, stderr io.Writer) int {
	parts := strings.Split(spec, "/")
	if len(parts) < 2 || len(parts) > 3 {
		fmt.Fprintf(stderr, "bench child: bad %s=%q\n", childEnv, spec)
		return 2
	}
	var w *gobench.Workload
	for _, c := range goWorkloads() {
		if c.Impl == parts[0] && c.Name == parts[1] {
			w = &c
			break
		}
	}
	if w == nil {
		fmt.Fprintf(stderr, "bench child: unknown workload %s\n", spec)
		return 2
	}
	n := w.N
	if len(parts) == 3 {
		v, err := strconv.Atoi(parts[2])
		if err != nil || v <= 0 {
			fmt.Fprintf(stderr, "bench child: bad iteration count in %q\n", spec)
			return 2
		}
		n = v
	}
	gobench.Measured = 0
	start := time.Now()
	ops, err := w.Run(n)
	elapsed := time.Since(start)
	if gobench.Measured > 0 {
		elapsed = gobench.Measured
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench child: %s: %v\n", spec, err)
		return 1
	}
	out, _ := json.Marshal(newSample(w.Suite, w.Name, w.Impl, ops, elapsed, selfPeakRSS()))
	fmt.Fprintln(stdout, string(out))
	return 0
}

// Options configure one driver run.
type Options struct {
	Suite    string
	Rounds   int
	Quick    bool
	Run      *regexp.Regexp // nil: every workload
	Root     string         // repository root (tools/cxx.mk lives there)
	Native   string         // bench binary; "" = $BUILD_ROOT/none/bench
	HTTPNat  string         // http_200_ok_server binary; "" = $BUILD_ROOT/none/examples/http_200_ok_server
	HTTPGo   string         // tools/bench/http binary; "" = go build it into $BUILD_ROOT
	HTTPCoro string         // examples/http_200_ok_server (Go over net/tcp); "" = go build it into $BUILD_ROOT
	Build    bool           // build missing binaries (make, go build)
	NoNative bool           // skip native workloads (tests without a C++ build)
	Self     string         // executable re-run for Go children
	Stderr   io.Writer
}

// job is one measurement slot in a round.
type job struct {
	suite, workload, impl string
	run                   func() (Sample, error)
}

func driverMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	suite := fs.String("suite", "all", "suite to run: core|forkjoin|net|all")
	rounds := fs.Int("rounds", 3, "interleaved rounds (native, go, plaingo per workload); -quick defaults to 1")
	quick := fs.Bool("quick", false, "tiny iteration counts and wrk -d2s: CI smoke run, checks only that every figure is sane")
	runRe := fs.String("run", "", "only workloads whose name matches this regexp")
	native := fs.String("native", "", "native bench binary (default $BUILD_ROOT/none/bench, brought up to date with make)")
	httpNat := fs.String("http-native", "", "native http_200_ok_server (default $BUILD_ROOT/none/examples/http_200_ok_server, brought up to date with make)")
	httpGo := fs.String("http-go", "", "plain Go server of tools/bench/http (default: go build into $BUILD_ROOT)")
	httpCoro := fs.String("http-coro", "", "Go server over gocoro's net/tcp, examples/http_200_ok_server (default: go build into $BUILD_ROOT)")
	noBuild := fs.Bool("no-build", false, "never build missing binaries; skip what is missing")
	noNative := fs.Bool("no-native", false, "skip native workloads")
	jsonOut := fs.String("json", "", "write the JSON report to this file")
	mdOut := fs.String("md", "", "write the Markdown table to this file")
	pngOut := fs.String("png", "", "write the ratio bar chart (PNG) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	switch *suite {
	case "core", "forkjoin", "net", "all":
	default:
		fmt.Fprintf(stderr, "bench: unknown suite %q (core|forkjoin|net|all)\n", *suite)
		return 2
	}
	roundsSet := false
	fs.Visit(func(f *flag.Flag) { roundsSet = roundsSet || f.Name == "rounds" })
	if *quick && !roundsSet {
		*rounds = 1
	}
	if *rounds < 1 {
		fmt.Fprintln(stderr, "bench: -rounds must be >= 1")
		return 2
	}
	opts := Options{Suite: *suite, Rounds: *rounds, Quick: *quick, Native: *native, HTTPNat: *httpNat, HTTPGo: *httpGo, HTTPCoro: *httpCoro,
		Build: !*noBuild, NoNative: *noNative, Stderr: stderr}
	if *runRe != "" {
		re, err := regexp.Compile(*runRe)
		if err != nil {
			fmt.Fprintf(stderr, "bench: -run: %v\n", err)
			return 2
		}
		opts.Run = re
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	opts.Root = root
	if opts.Self, err = os.Executable(); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}

	rep, runErr := Run(opts)
	if rep != nil {
		if err := writeOutputs(rep, *jsonOut, *mdOut, *pngOut); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Fprint(stdout, rep.Markdown())
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "bench: FAILED: %v\n", runErr)
		return 1
	}
	return 0
}

func writeOutputs(rep *Report, jsonOut, mdOut, pngOut string) error {
	write := func(path string, data []byte) error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, data, 0o644)
	}
	if jsonOut != "" {
		data, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := write(jsonOut, data); err != nil {
			return err
		}
	}
	if mdOut != "" {
		if err := write(mdOut, []byte(rep.Markdown())); err != nil {
			return err
		}
	}
	if pngOut != "" {
		data, err := rep.PNG()
		if err != nil {
			return err
		}
		if err := write(pngOut, data); err != nil {
			return err
		}
	}
	return nil
}

// repoRoot finds the repository root: BUILD_WORKSPACE_DIRECTORY under `bazel run`, else the first parent of the
// working directory holding tools/cxx.mk.
func repoRoot() (string, error) {
	if d := os.Getenv("BUILD_WORKSPACE_DIRECTORY"); d != "" {
		return d, nil
	}
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "tools", "cxx.mk")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("cannot find the repository root (tools/cxx.mk) above the working directory")
		}
		d = parent
	}
}

// buildRoot is where tools/cxx.mk puts its outputs: $BUILD_ROOT, else .build in the checkout (as cxx.mk does), so
// two clones never run each other's binaries.
func buildRoot() string {
	if b := os.Getenv("BUILD_ROOT"); b != "" {
		return b
	}
	if root, err := repoRoot(); err == nil {
		return filepath.Join(root, ".build")
	}
	return ".build"
}

func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// ensureMake returns path after bringing it up to date with make target (incremental: a current binary costs a
// stat per source), so figures never come from a binary older than the sources. Without building it only
// checks that path exists.
func (o *Options) ensureMake(path, target string) (string, error) {
	if !o.Build {
		if exists(path) {
			return path, nil
		}
		return "", fmt.Errorf("%s is missing (building disabled)", path)
	}
	fmt.Fprintf(o.Stderr, "bench: make -f tools/cxx.mk %s\n", target)
	cmd := exec.Command("make", "-s", "-f", "tools/cxx.mk", "-j2", "BUILD_ROOT="+buildRoot(), target)
	cmd.Dir, cmd.Stdout, cmd.Stderr = o.Root, o.Stderr, o.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("make %s: %w", target, err)
	}
	if !exists(path) {
		return "", fmt.Errorf("make %s did not produce %s", target, path)
	}
	return path, nil
}

// nativeWorkload is one line of `bench --list`.
type nativeWorkload struct{ name, suite, desc string }

func listNative(bin string) ([]nativeWorkload, error) {
	out, err := exec.Command(bin, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", bin, err)
	}
	var list []nativeWorkload
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 {
			list = append(list, nativeWorkload{f[0], f[1], strings.Join(f[2:], " ")})
		}
	}
	return list, nil
}

// runNative runs one native workload in its own process.
func (o *Options) runNative(bin, name string) (Sample, error) {
	args := []string{name}
	if o.Quick {
		args = append([]string{"--quick"}, args...)
	}
	// The native program reports getrusage's ru_maxrss, which Linux carries across exec: started directly from the
	// driver it would report the driver's peak RSS if that is higher. A shell forks it instead (the "exit" keeps sh
	// from exec'ing it in place), so it inherits only the small shell's figure.
	return runChild(exec.Command("/bin/sh", append([]string{"-c", `"$@"; exit $?`, "sh", bin}, args...)...))
}

// runGo runs one gobench workload in a child process (the driver itself in child mode).
func (o *Options) runGo(w gobench.Workload) (Sample, error) {
	spec := w.Impl + "/" + w.Name
	if o.Quick {
		spec += "/" + strconv.Itoa(quickN(w))
	}
	cmd := exec.Command(o.Self)
	cmd.Env = append(os.Environ(), childEnv+"="+spec)
	return runChild(cmd)
}

// runChild runs cmd and parses the single JSON line it prints; the child's own peak RSS figure is kept, with the
// kernel's rusage of the child as a fallback.
func runChild(cmd *exec.Cmd) (Sample, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return Sample{}, fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, lastLines(stderr.String(), 5))
	}
	var s Sample
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		return Sample{}, fmt.Errorf("%s: bad output %q: %v", strings.Join(cmd.Args, " "), stdout.String(), err)
	}
	if s.PeakRSSKiB <= 0 {
		// SysUsage's dynamic type is os's *syscall.Rusage (x/sys has no equivalent): the one use of the frozen
		// package here.
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.PeakRSSKiB = ru.Maxrss
		}
	}
	return s, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// twin maps a Go-side workload name to the native workload it is compared with: "_gobody" variants (the task
// body is a Go function) and "_goroutine" ones (a Go body under coro.NewGoroutineTask) against the same shape; the smaller Go fork-join trees (skynet_1m: 1M leaves,
// fib_250k: fib(25), nqueens_170k: nqueens(11)) per task against the native ones (10M leaves, fib(35), nqueens(14)).
func twin(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "_goroutine"), "_gobody")
	switch name {
	case "skynet_1m":
		return "skynet"
	case "fib_250k":
		return "fib"
	case "nqueens_170k":
		return "nqueens"
	}
	return name
}

func (o *Options) wanted(suite, name string) bool {
	if o.Suite != "all" && o.Suite != suite {
		return false
	}
	return o.Run == nil || o.Run.MatchString(name)
}

// plan builds the per-round job list: workloads grouped by native twin (native first, then go, then plaingo).
func (o *Options) plan() (jobs []job, notes []string, err error) {
	type group struct {
		native  []job
		goImpl  []job
		plaingo []job
	}
	var order []string
	groups := map[string]*group{}
	get := func(suite, name string) *group {
		key := suite + "/" + name
		g, ok := groups[key]
		if !ok {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		return g
	}

	if o.NoNative {
		notes = append(notes, "native workloads skipped (-no-native)")
	} else {
		bin := o.Native
		if bin == "" {
			bin, err = o.ensureMake(filepath.Join(buildRoot(), "none", "bench"), "bench")
			if err != nil {
				return nil, nil, err
			}
		}
		list, err := listNative(bin)
		if err != nil {
			return nil, nil, err
		}
		for _, w := range list {
			if !o.wanted(w.suite, w.name) {
				continue
			}
			g := get(w.suite, w.name)
			g.native = append(g.native, job{w.suite, w.name, "native", func() (Sample, error) { return o.runNative(bin, w.name) }})
		}
	}
	for _, w := range goWorkloads() {
		if !o.wanted(w.Suite, w.Name) {
			continue
		}
		g := get(w.Suite, twin(w.Name))
		j := job{w.Suite, w.Name, w.Impl, func() (Sample, error) { return o.runGo(w) }}
		if w.Impl == "plaingo" {
			g.plaingo = append(g.plaingo, j)
		} else {
			g.goImpl = append(g.goImpl, j)
		}
	}
	if o.wanted("net", httpWorkload) {
		hj, note := o.httpJobs()
		if note != "" {
			notes = append(notes, note)
		}
		if len(hj) > 0 {
			g := get("net", httpWorkload)
			for _, j := range hj {
				if j.impl == "native" {
					g.native = append(g.native, j)
				} else if j.impl == "go" {
					g.goImpl = append(g.goImpl, j)
				} else {
					g.plaingo = append(g.plaingo, j)
				}
			}
		}
	}
	if o.Suite == "all" || o.Suite == "net" {
		sj, note := o.serverJobs()
		if note != "" {
			notes = append(notes, note)
		}
		for _, w := range serverWorkloads {
			if js := sj[w.name]; len(js) > 0 {
				g := get("net", w.name)
				g.goImpl = append(g.goImpl, js...) // go and gnet alternate within the round
			}
		}
	}
	// Suites in order (core, forkjoin, net), native workloads' order first within a suite.
	suiteRank := map[string]int{"core": 0, "forkjoin": 1, "net": 2}
	sort.SliceStable(order, func(a, b int) bool {
		sa, _, _ := strings.Cut(order[a], "/")
		sb, _, _ := strings.Cut(order[b], "/")
		return suiteRank[sa] < suiteRank[sb]
	})
	for _, key := range order {
		g := groups[key]
		jobs = append(jobs, g.native...)
		jobs = append(jobs, g.goImpl...)
		jobs = append(jobs, g.plaingo...)
	}
	return jobs, notes, nil
}

// Run measures every selected workload for o.Rounds interleaved rounds and aggregates the samples. A workload
// that fails or produces an insane figure makes Run return an error (after the other workloads have run).
func Run(o Options) (*Report, error) {
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	rep := &Report{Machine: machineFacts(o.Root), Config: Config{Suite: o.Suite, Rounds: o.Rounds, Quick: o.Quick}}
	if o.Run != nil {
		rep.Config.Filter = o.Run.String()
	}
	jobs, notes, err := o.plan()
	rep.Notes = notes
	for _, n := range notes {
		fmt.Fprintf(o.Stderr, "bench: note: %s\n", n)
	}
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return rep, errors.New("no workload selected")
	}
	samples := map[string][]Sample{}
	var failures []string
	failed := map[string]bool{}
	start := time.Now()
	for r := 1; r <= o.Rounds; r++ {
		for i, j := range jobs {
			key := j.suite + "/" + j.workload + "/" + j.impl
			if failed[key] {
				continue
			}
			s, err := j.run()
			if err == nil {
				if s.Suite != j.suite || s.Workload != j.workload || s.Impl != j.impl {
					err = fmt.Errorf("got a record for %s/%s/%s", s.Suite, s.Workload, s.Impl)
				} else if e := s.sane(); e != nil {
					err = fmt.Errorf("insane figure: %v", e)
				}
			}
			if err != nil {
				failed[key] = true
				failures = append(failures, fmt.Sprintf("%s: %v", key, err))
				fmt.Fprintf(o.Stderr, "[%d/%d %3d/%d] %-8s %-22s %-7s FAILED: %v\n", r, o.Rounds, i+1, len(jobs), j.suite, j.workload, j.impl, err)
				continue
			}
			samples[key] = append(samples[key], s)
			fmt.Fprintf(o.Stderr, "[%d/%d %3d/%d] %-8s %-22s %-7s %12s/op %14s ops/s  %7.1f MiB  (%.2fs)\n", r, o.Rounds, i+1, len(jobs),
				j.suite, j.workload, j.impl, fmtNs(s.NsPerOp), fmtRate(s.OpsPerSec), float64(s.PeakRSSKiB)/1024, s.Seconds)
		}
	}
	rep.Config.ElapsedSeconds = math.Round(time.Since(start).Seconds()*10) / 10
	rep.Machine.LoadAvgEnd = loadAvg()
	seen := map[string]bool{}
	for _, j := range jobs {
		key := j.suite + "/" + j.workload + "/" + j.impl
		if seen[key] || len(samples[key]) == 0 {
			continue
		}
		seen[key] = true
		rep.Results = append(rep.Results, aggregate(samples[key]))
	}
	rep.link()
	if len(failures) > 0 {
		sort.Strings(failures)
		return rep, fmt.Errorf("%d workload(s) failed:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return rep, nil
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.2f ns", ns)
	}
}

func fmtRate(r float64) string {
	switch {
	case r >= 1e9:
		return fmt.Sprintf("%.2f G", r/1e9)
	case r >= 1e6:
		return fmt.Sprintf("%.2f M", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.2f k", r/1e3)
	default:
		return fmt.Sprintf("%.1f", r)
	}
}

// ---- HTTP (suite net): wrk against the native example server, the Go one over net/tcp and the plain Go one ----

const httpWorkload = "http_200"

// httpJobs returns the native and plain-Go HTTP jobs, or a note saying why they are skipped.
func (o *Options) httpJobs() ([]job, string) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return nil, "HTTP workload http_200 skipped: wrk not found (apt-get install wrk)"
	}
	var jobs []job
	var skipped []string
	if !o.NoNative {
		bin := o.HTTPNat
		if bin == "" {
			bin, err = o.ensureMake(filepath.Join(buildRoot(), "none", "examples", "http_200_ok_server"),
				filepath.Join(buildRoot(), "none", "examples", "http_200_ok_server"))
		}
		if err != nil {
			skipped = append(skipped, "native server: "+err.Error())
		} else {
			jobs = append(jobs, job{"net", httpWorkload, "native", func() (Sample, error) {
				return o.runHTTP(wrk, "native", func(port int) *exec.Cmd {
					return exec.Command(bin, "--port", strconv.Itoa(port), "--schedulers", "1")
				})
			}})
		}
	}
	if bin := o.goServer(o.HTTPCoro, "go-coro-http-server-bench", ".", "./examples/http_200_ok_server", &skipped); bin != "" {
		jobs = append(jobs, job{"net", httpWorkload, "go", func() (Sample, error) {
			return o.runHTTP(wrk, "go", func(port int) *exec.Cmd {
				return exec.Command(bin, "-addr", fmt.Sprintf("127.0.0.1:%d", port))
			})
		}})
	}
	if bin := o.goServer(o.HTTPGo, "go-http-server-bench", "tools", "./bench/http", &skipped); bin != "" {
		jobs = append(jobs, job{"net", httpWorkload, "plaingo", func() (Sample, error) {
			return o.runHTTP(wrk, "plaingo", func(port int) *exec.Cmd {
				return exec.Command(bin, "-port", strconv.Itoa(port))
			})
		}})
	}
	note := ""
	if len(skipped) > 0 {
		note = "HTTP workload http_200 partly skipped: " + strings.Join(skipped, "; ")
	}
	return jobs, note
}

// goServer returns path, or builds pkg into $BUILD_ROOT/name when path is empty; "" (with a note) when unavailable.
// dir is the module pkg belongs to, relative to the repository root: "." for the library, "tools" for tools/go.mod.
func (o *Options) goServer(path, name, dir, pkg string, skipped *[]string) string {
	if path != "" {
		return path
	}
	bin := filepath.Join(buildRoot(), name)
	if !o.Build {
		if exists(bin) {
			return bin
		}
		*skipped = append(*skipped, fmt.Sprintf("%s: %s missing (building disabled)", pkg, bin))
		return ""
	}
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir, cmd.Stdout, cmd.Stderr = filepath.Join(o.Root, dir), o.Stderr, o.Stderr
	if err := cmd.Run(); err != nil {
		*skipped = append(*skipped, fmt.Sprintf("go build %s: %v", pkg, err))
		return ""
	}
	return bin
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var wrkRequests = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(us|ms|s|m)\b`)

// runHTTP starts a server on a free loopback port, runs wrk -t1 -c100 against it, and stops it. ops = requests
// completed; peak RSS is the server's (VmHWM just before it is stopped).
func (o *Options) runHTTP(wrk, impl string, server func(port int) *exec.Cmd) (Sample, error) {
	addr, srv, stop, err := startServer(server)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	dur := "10s"
	if o.Quick {
		dur = "2s"
	}
	out, err := exec.Command(wrk, "-t1", "-c100", "-d"+dur, "http://"+addr+"/").CombinedOutput()
	if err != nil {
		return Sample{}, fmt.Errorf("wrk: %v: %s", err, lastLines(string(out), 3))
	}
	reqs, elapsed, err := parseWrk(string(out))
	if err != nil {
		return Sample{}, err
	}
	if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		fmt.Fprintf(o.Stderr, "bench: note: wrk against %s server reported errors: %s\n", impl, lastLines(string(out), 3))
	}
	return newSample("net", httpWorkload, impl, reqs, elapsed, vmHWM(srv.Process.Pid)), nil
}

// vmHWM reads a live process's peak resident set size (KiB) from /proc.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// ---- machine facts ----

func machineFacts(root string) Machine {
	m := Machine{
		Cores:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		GOOS:      runtime.GOOS,
		GOARCH:    runtime.GOARCH,
		Date:      time.Now().UTC().Format(time.RFC3339),
		LoadAvg:   loadAvg(),
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(data))
	}
	cxx := os.Getenv("CXX")
	if cxx == "" {
		cxx = "g++"
	}
	if out, err := exec.Command(cxx, "--version").Output(); err == nil {
		m.Compiler = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	return m
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
