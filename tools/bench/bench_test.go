package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for the driver's child processes (GOCORO_BENCH_CHILD).
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func synthetic() *Report {
	rep := &Report{
		Machine: Machine{CPU: "Test CPU", Cores: 2, GoVersion: "go1.x", Compiler: "g++ 12", Kernel: "Linux 6", Date: "2026-01-01T00:00:00Z"},
		Config:  Config{Suite: "all", Rounds: 3},
	}
	mk := func(suite, w, impl string, ns ...float64) {
		var ss []Sample
		for _, v := range ns {
			ss = append(ss, Sample{Suite: suite, Workload: w, Impl: impl, Ops: 1000, Seconds: v * 1000 / 1e9,
				OpsPerSec: 1e9 / v, NsPerOp: v, PeakRSSKiB: 5000})
		}
		rep.Results = append(rep.Results, aggregate(ss))
	}
	mk("core", "sync_wait", "native", 25, 24, 30)
	mk("core", "sync_wait", "go", 1000, 900, 1100)
	mk("core", "sync_wait_gobody", "go", 5000, 5100, 4900)
	mk("core", "sync_wait", "plaingo", 0.5, 0.5, 0.6)
	mk("forkjoin", "skynet", "native", 20, 21, 22)
	mk("forkjoin", "skynet_1m", "plaingo", 700, 710, 720)
	mk("core", "mutex_uncontended", "go", 100, 110, 120) // no native twin
	rep.link()
	return rep
}

func TestWriters(t *testing.T) {
	rep := synthetic()
	data, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Machine.CPU != "Test CPU" || len(back.Results) != 7 {
		t.Fatalf("round trip: %+v", back)
	}
	for _, r := range back.Results {
		if r.Rounds != 3 || r.NsPerOpMin > r.NsPerOpMedian || r.NsPerOpMedian > r.NsPerOpMax || r.OpsPerSec <= 0 {
			t.Errorf("bad aggregate %+v", r)
		}
		switch r.Workload + "/" + r.Impl {
		case "sync_wait/go":
			if r.NsPerOp != 1000 || r.NativeTwin != "sync_wait" || r.RatioToNative != 40 {
				t.Errorf("sync_wait/go: %+v", r)
			}
		case "skynet_1m/plaingo":
			if r.NativeTwin != "skynet" || r.RatioToNative != 710.0/21 {
				t.Errorf("skynet_1m/plaingo: %+v", r)
			}
		case "mutex_uncontended/go":
			if r.RatioToNative != 0 {
				t.Errorf("mutex_uncontended has no native twin: %+v", r)
			}
		}
	}

	md := rep.Markdown()
	for _, want := range []string{"Test CPU", "| core | sync_wait | 25.0 (24.0–30.0) | 1000 (900–1100) |", "40.0×",
		"200× (vs sync_wait)", "33.8× (vs skynet)", "| core | mutex_uncontended | — |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	img, err := rep.PNG()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width < 100 || cfg.Height < 100 {
		t.Fatalf("png: %v %+v", err, cfg)
	}
}

// TestQuickEndToEnd runs the driver's -quick mode on a small subset: Go children (this test binary), the native
// program when it has been built (make -f tools/cxx.mk bench), the HTTP servers when wrk and the native server exist
// (the Go one over net/tcp only if the driver has built it before, into $BUILD_ROOT).
// It checks only that every selected workload produced a sane figure.
func TestQuickEndToEnd(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Skip(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	o := Options{Suite: "all", Rounds: 1, Quick: true, Root: root, Self: self, Stderr: &stderr,
		Run: regexp.MustCompile(`^(direct_call|sync_wait|skynet|skynet_1m|http_200)$`)}
	nativeBin := filepath.Join(buildRoot(), "none", "bench")
	if exists(nativeBin) {
		o.Native = nativeBin
	} else {
		t.Logf("%s not built: native workloads skipped", nativeBin)
		o.NoNative = true
	}
	httpNative := filepath.Join(buildRoot(), "none", "examples", "http_200_ok_server")
	// The native http_200 row is reported by the native bench binary, so it needs that binary too.
	if _, err := exec.LookPath("wrk"); err == nil && !o.NoNative && exists(httpNative) && !testing.Short() {
		o.HTTPNat = httpNative
		o.HTTPGo = filepath.Join(t.TempDir(), "http-server")
		if out, err := exec.Command("go", "build", "-o", o.HTTPGo, "./http").CombinedOutput(); err != nil {
			t.Fatalf("go build tools/bench/http: %v\n%s", err, out)
		}
	} else {
		o.Run = regexp.MustCompile(`^(direct_call|sync_wait|skynet|skynet_1m)$`)
	}
	rep, err := Run(o)
	t.Log(stderr.String())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"core/direct_call/plaingo": true, "core/sync_wait/go": true, "core/sync_wait/plaingo": true,
		"forkjoin/skynet_1m/go": true, "forkjoin/skynet_1m/plaingo": true}
	if !o.NoNative {
		want["core/sync_wait/native"], want["forkjoin/skynet/native"] = true, true
	}
	if o.HTTPNat != "" {
		want["net/http_200/native"], want["net/http_200/plaingo"] = true, true
	}
	for _, r := range rep.Results {
		delete(want, r.Suite+"/"+r.Workload+"/"+r.Impl)
		if !(r.NsPerOp > 0) || !(r.OpsPerSec > 0) || r.PeakRSSKiB <= 0 {
			t.Errorf("insane figure %+v", r)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing results: %v", want)
	}
	if !strings.Contains(rep.Markdown(), "| core | sync_wait |") {
		t.Errorf("markdown:\n%s", rep.Markdown())
	}
}
