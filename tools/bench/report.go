package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Machine describes where the figures were taken, so figures from different machines are never compared blindly.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	Compiler   string `json:"compiler"`
	Kernel     string `json:"kernel"`
	Commit     string `json:"commit,omitempty"`
	Date       string `json:"date"`
	LoadAvg    string `json:"loadavg_start"`
	LoadAvgEnd string `json:"loadavg_end,omitempty"`
}

// Config records how the driver was run.
type Config struct {
	Suite          string  `json:"suite"`
	Rounds         int     `json:"rounds"`
	Quick          bool    `json:"quick"`
	Filter         string  `json:"filter,omitempty"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// Result aggregates the rounds of one (suite, workload, impl). ns_per_op, ops_per_sec and peak_rss_kib are
// medians over the rounds.
type Result struct {
	Suite      string  `json:"suite"`
	Workload   string  `json:"workload"`
	Impl       string  `json:"impl"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	NsPerOp    float64 `json:"ns_per_op"`
	PeakRSSKiB int64   `json:"peak_rss_kib"`
	Rounds     int     `json:"rounds"`
	Ops        int64   `json:"ops"` // operations per run (of the last round)

	NsPerOpMin      float64 `json:"ns_per_op_min"`
	NsPerOpMedian   float64 `json:"ns_per_op_median"`
	NsPerOpMax      float64 `json:"ns_per_op_max"`
	OpsPerSecMin    float64 `json:"ops_per_sec_min"`
	OpsPerSecMedian float64 `json:"ops_per_sec_median"`
	OpsPerSecMax    float64 `json:"ops_per_sec_max"`
	PeakRSSKiBMax   int64   `json:"peak_rss_kib_max"`

	// NativeTwin is the native workload this one is compared with (absent for native rows and for shapes without a
	// native twin); RatioToNative is ns_per_op / the twin's ns_per_op (medians): 1 = parity, > 1 = slower.
	NativeTwin    string  `json:"native_twin,omitempty"`
	RatioToNative float64 `json:"ratio_to_native,omitempty"`
}

// Report is everything one driver run produced.
type Report struct {
	Machine Machine  `json:"machine"`
	Config  Config   `json:"config"`
	Notes   []string `json:"notes,omitempty"`
	Results []Result `json:"results"`
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func aggregate(samples []Sample) Result {
	first := samples[0]
	r := Result{Suite: first.Suite, Workload: first.Workload, Impl: first.Impl, Rounds: len(samples),
		Ops: samples[len(samples)-1].Ops}
	var ns, ops, rss []float64
	for _, s := range samples {
		ns = append(ns, s.NsPerOp)
		ops = append(ops, s.OpsPerSec)
		rss = append(rss, float64(s.PeakRSSKiB))
	}
	r.NsPerOpMedian, r.OpsPerSecMedian = median(ns), median(ops)
	r.NsPerOpMin, r.NsPerOpMax = minMax(ns)
	r.OpsPerSecMin, r.OpsPerSecMax = minMax(ops)
	r.NsPerOp, r.OpsPerSec = r.NsPerOpMedian, r.OpsPerSecMedian
	r.PeakRSSKiB = int64(math.Round(median(rss)))
	_, hi := minMax(rss)
	r.PeakRSSKiBMax = int64(hi)
	return r
}

// link fills NativeTwin and RatioToNative of the non-native results.
func (rep *Report) link() {
	native := map[string]float64{}
	for _, r := range rep.Results {
		if r.Impl == "native" {
			native[r.Suite+"/"+r.Workload] = r.NsPerOp
		}
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		r.NativeTwin, r.RatioToNative = "", 0
		if r.Impl == "native" {
			continue
		}
		t := twin(r.Workload)
		if ns, ok := native[r.Suite+"/"+t]; ok && ns > 0 {
			r.NativeTwin = t
			r.RatioToNative = r.NsPerOp / ns
		}
	}
}

// JSON renders the report (machine record, config, one record per suite/workload/impl).
func (rep *Report) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// row is one table line: a (suite, workload) with its implementations.
type row struct {
	suite, workload string
	impl            map[string]*Result
}

func (rep *Report) rows() []row {
	var rows []row
	index := map[string]int{}
	for i := range rep.Results {
		r := &rep.Results[i]
		key := r.Suite + "/" + r.Workload
		k, ok := index[key]
		if !ok {
			k = len(rows)
			index[key] = k
			rows = append(rows, row{suite: r.Suite, workload: r.Workload, impl: map[string]*Result{}})
		}
		rows[k].impl[r.Impl] = r
	}
	return rows
}

func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func nsCell(r *Result) string {
	if r == nil {
		return "—"
	}
	if r.Rounds > 1 {
		return fmt.Sprintf("%s (%s–%s)", sig3(r.NsPerOp), sig3(r.NsPerOpMin), sig3(r.NsPerOpMax))
	}
	return sig3(r.NsPerOp)
}

func ratioCell(r *Result) string {
	if r == nil || r.RatioToNative == 0 {
		return "—"
	}
	s := sig3(r.RatioToNative) + "×"
	if r.NativeTwin != r.Workload {
		s += fmt.Sprintf(" (vs %s)", r.NativeTwin)
	}
	return s
}

func rssCell(r *Result) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", float64(r.PeakRSSKiB)/1024)
}

// MachineLine is a one-paragraph summary of the machine facts.
func (rep *Report) MachineLine() string {
	m := rep.Machine
	s := fmt.Sprintf("%s, %d cores; %s (%s/%s); %s; %s; %s", m.CPU, m.Cores, m.GoVersion, m.GOOS, m.GOARCH, m.Compiler,
		m.Kernel, m.Date)
	if m.Commit != "" {
		s += "; commit " + m.Commit
	}
	s += fmt.Sprintf("; load average %s at start", m.LoadAvg)
	if m.LoadAvgEnd != "" {
		s += ", " + m.LoadAvgEnd + " at the end"
	}
	return s
}

// Markdown renders machine facts and the ratio table.
func (rep *Report) Markdown() string {
	var b strings.Builder
	mode := fmt.Sprintf("medians of %d interleaved rounds (min–max)", rep.Config.Rounds)
	if rep.Config.Rounds == 1 {
		mode = "1 round"
	}
	if rep.Config.Quick {
		mode += ", -quick sizes (smoke figures, not comparable)"
	}
	fmt.Fprintf(&b, "Machine: %s.\n\n", rep.MachineLine())
	fmt.Fprintf(&b, "Suite %s, %s, %.0f s in total. ns/op per workload; ratio = ns/op over the native twin's ns/op "+
		"(1.00× = parity, above 1 = slower than native); peak RSS of the process in MiB (for http_200: the server's).\n\n",
		rep.Config.Suite, mode, rep.Config.ElapsedSeconds)
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "Note: %s.\n\n", n)
	}
	b.WriteString("| suite | workload | native ns/op | go ns/op | plaingo ns/op | go/native | plaingo/native | peak RSS MiB native / go / plaingo |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|\n")
	var vsGnet, vsGoTLS []row
	for _, r := range rep.rows() {
		if r.impl["gnet"] != nil {
			vsGnet = append(vsGnet, r)
			continue
		}
		if r.impl["gotls"] != nil {
			vsGoTLS = append(vsGoTLS, r)
			continue
		}
		n, g, p := r.impl["native"], r.impl["go"], r.impl["plaingo"]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n", r.suite, r.workload, nsCell(n), nsCell(g),
			nsCell(p), ratioCell(g), ratioCell(p), rssCell(n), rssCell(g), rssCell(p))
	}
	if len(vsGnet) > 0 {
		b.WriteString("\nnet/server (Go callbacks served by server.Listen: one loop driven by a goroutine; _thread rows: Serve on an inline IOScheduler with its own C++ thread) " +
			"against gnet v2 (one event loop), the same handler " +
			"logic (tools/bench/srvtwin): ns per request (http, wrk -t1) or per echoed message (100 connections); for " +
			"server_idle_10k, server RSS growth in bytes per idle connection (10,000). gnet/gocoro above 1: net/server " +
			"faster (or smaller).\n\n")
		b.WriteString("| suite | workload | net/server | gnet | gnet/gocoro | peak RSS MiB net/server / gnet |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|\n")
		for _, r := range vsGnet {
			g, n := r.impl["go"], r.impl["gnet"]
			ratio := "—"
			if g != nil && g.NsPerOp > 0 {
				ratio = sig3(n.NsPerOp/g.NsPerOp) + "×"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s / %s |\n", r.suite, r.workload, nsCell(g), nsCell(n), ratio,
				rssCell(g), rssCell(n))
		}
	}
	if len(vsGoTLS) > 0 {
		b.WriteString("\nTLS 1.3 echo (ECDSA P-256 certificate, handshakes before timing, 100 connections): net/server " +
			"terminating TLS in its C++ loop (OpenSSL; _2loops: two IOSchedulers on one port, SO_REUSEPORT) against " +
			"crypto/tls on Go's net (a goroutine per connection, every core), ns per echoed message. gotls/gocoro above 1: net/server faster.\n\n")
		b.WriteString("| suite | workload | net/server TLS | crypto/tls | gotls/gocoro | peak RSS MiB net/server / crypto/tls |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|\n")
		for _, r := range vsGoTLS {
			g, n := r.impl["go"], r.impl["gotls"]
			ratio := "—"
			if g != nil && g.NsPerOp > 0 {
				ratio = sig3(n.NsPerOp/g.NsPerOp) + "×"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s / %s |\n", r.suite, r.workload, nsCell(g), nsCell(n), ratio,
				rssCell(g), rssCell(n))
		}
	}
	return b.String()
}

// ratioTicks labels a log10 axis with ratios (0.1×, 1×, 10×, ...), minor ticks at 2..9.
type ratioTicks struct{}

func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Floor(lo); k <= math.Ceil(hi); k++ {
		if k >= lo-1e-9 && k <= hi+1e-9 {
			ticks = append(ticks, plot.Tick{Value: k, Label: strings.TrimSuffix(fmt.Sprintf("%g", math.Pow(10, k)), ".0") + "×"})
		}
		for m := 2.0; m < 10; m++ {
			v := k + math.Log10(m)
			if v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// PNG renders the go/native and plaingo/native ratios as a horizontal grouped bar chart on a log scale.
func (rep *Report) PNG() ([]byte, error) {
	var labels []string
	var goVals, pgVals plotter.Values
	lo, hi := 0.0, 0.0
	for _, r := range rep.rows() {
		g, p := r.impl["go"], r.impl["plaingo"]
		gv, pv := 0.0, 0.0
		if g != nil && g.RatioToNative > 0 {
			gv = math.Log10(g.RatioToNative)
		}
		if p != nil && p.RatioToNative > 0 {
			pv = math.Log10(p.RatioToNative)
		}
		if gv == 0 && pv == 0 && (g == nil || g.RatioToNative == 0) && (p == nil || p.RatioToNative == 0) {
			continue // no ratio in this row
		}
		label := r.suite + "/" + r.workload
		if t := twin(r.workload); t != r.workload {
			label += " (vs " + t + ")"
		}
		labels = append(labels, label)
		goVals = append(goVals, gv)
		pgVals = append(pgVals, pv)
		lo, hi = math.Min(lo, math.Min(gv, pv)), math.Max(hi, math.Max(gv, pv))
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("chart: no workload has both a native and a Go figure")
	}
	// Top to bottom in table order.
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
		goVals[i], goVals[j] = goVals[j], goVals[i]
		pgVals[i], pgVals[j] = pgVals[j], pgVals[i]
	}

	p := plot.New()
	p.Title.Text = "Time per operation relative to native libcoro (log scale; left of 1× = faster than native)"
	p.X.Label.Text = "ns/op ratio to native (median)"
	p.X.Tick.Marker = ratioTicks{}
	p.X.Min, p.X.Max = math.Floor(lo), math.Ceil(hi)
	if p.X.Max-p.X.Min < 1 {
		p.X.Max = p.X.Min + 1
	}
	barW := vg.Points(7)
	goBars, err := plotter.NewBarChart(goVals, barW)
	if err != nil {
		return nil, err
	}
	pgBars, err := plotter.NewBarChart(pgVals, barW)
	if err != nil {
		return nil, err
	}
	for _, b := range []*plotter.BarChart{goBars, pgBars} {
		b.Horizontal = true
		b.LineStyle.Width = 0
	}
	goBars.Color = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	pgBars.Color = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	goBars.Offset = barW / 2
	pgBars.Offset = -barW / 2
	grid := plotter.NewGrid()
	grid.Horizontal.Width = 0
	parity, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(len(labels)) - 0.5}})
	if err != nil {
		return nil, err
	}
	parity.LineStyle.Width = vg.Points(1)
	p.Add(grid, goBars, pgBars, parity)
	p.NominalY(labels...)
	p.Legend.Add("go (through the binding) / native", goBars)
	p.Legend.Add("plain Go / native", pgBars)
	p.Legend.Top = false // bottom right: the net rows' bars are short
	p.Legend.Left = false

	height := vg.Length(len(labels))*vg.Points(20) + vg.Inch*1.5
	wt, err := p.WriterTo(11*vg.Inch, height, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
