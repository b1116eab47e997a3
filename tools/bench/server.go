package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ---- net/server vs gnet (suite net, workloads server_*): tools/bench/srvtwin on both sides ----
//
// Impl "go" is gocoro's net/server (Func served by server.Listen, the default a user gets: a loop driven by a
// goroutine; rows ending in _thread: Serve on an inline IOScheduler with its own C++ thread), impl "gnet" is gnet v2 (one event loop), both running srvtwin's same handler logic. HTTP
// is wrk -t1 against them; echo is a plain Go client (100 connections ping-ponging messages); idle dials 10,000
// connections that never send and reads the server's RSS growth.

// serverWorkload is one server_* row.
type serverWorkload struct {
	name  string
	mode  string // srvtwin -mode
	conns int
	size  int // echo message size
	msgs  int // echo messages per connection
	loops int // srvtwin -loops (0: 1)
	tls   bool
	// thread: gocoro serves on a scheduler with its own C++ thread (srvtwin -thread) instead of Listen's loop,
	// so callbacks enter Go from a foreign thread.
	thread bool
}

var serverWorkloads = []serverWorkload{
	{name: "server_http_c100", mode: "http", conns: 100},
	{name: "server_http_c100_thread", mode: "http", conns: 100, thread: true},
	{name: "server_http_c1000", mode: "http", conns: 1000},
	{name: "server_http_c1000_2loops", mode: "http", conns: 1000, loops: 2},
	{name: "server_echo_64B", mode: "echo", conns: 100, size: 64, msgs: 1000},
	{name: "server_echo_64B_thread", mode: "echo", conns: 100, size: 64, msgs: 1000, thread: true},
	{name: "server_echo_4KiB", mode: "echo", conns: 100, size: 4096, msgs: 1000},
	// TLS 1.3 echo: net/server terminating TLS in its loop against crypto/tls on Go's net (impl gotls).
	{name: "server_tls_echo_64B", mode: "echo", conns: 100, size: 64, msgs: 1000, tls: true},
	{name: "server_tls_echo_4KiB", mode: "echo", conns: 100, size: 4096, msgs: 1000, tls: true},
	// crypto/tls spreads its connections over every core (goroutines); net/server does with two loops.
	{name: "server_tls_echo_64B_2loops", mode: "echo", conns: 100, size: 64, msgs: 1000, tls: true, loops: 2},
	{name: "server_tls_echo_4KiB_2loops", mode: "echo", conns: 100, size: 4096, msgs: 1000, tls: true, loops: 2},
	// ns/op of this row is the server's RSS growth in bytes per idle connection (see runIdle).
	{name: "server_idle_10k", mode: "echo", conns: 10000},
}

// serverImpls maps the report's impl names to srvtwin's -impl; tlsImpls likewise for the TLS rows.
var (
	serverImpls = []struct{ impl, flag string }{{"go", "gocoro"}, {"gnet", "gnet"}}
	tlsImpls    = []struct{ impl, flag string }{{"go", "gocoro"}, {"gotls", "gotls"}}
)

// serverJobs returns the server_* jobs of the workloads o wants, or a note saying why they are skipped.
func (o *Options) serverJobs() (map[string][]job, string) {
	var skipped []string
	bin := o.goServer("", "srvtwin-bench", "tools", "./bench/srvtwin", &skipped)
	if bin == "" {
		return nil, "server_* workloads skipped: " + strings.Join(skipped, "; ")
	}
	wrk, wrkErr := exec.LookPath("wrk")
	jobs := map[string][]job{}
	var notes []string
	for _, w := range serverWorkloads {
		if !o.wanted("net", w.name) {
			continue
		}
		if w.mode == "http" && wrkErr != nil {
			notes = append(notes, w.name+" skipped: wrk not found")
			continue
		}
		impls := serverImpls
		if w.tls {
			impls = tlsImpls
		}
		for _, im := range impls {
			start := func(port int) *exec.Cmd {
				return exec.Command(bin, "-impl", im.flag, "-mode", w.mode, "-port", strconv.Itoa(port),
					"-loops", strconv.Itoa(max(w.loops, 1)), "-tls="+strconv.FormatBool(w.tls),
					"-thread="+strconv.FormatBool(w.thread))
			}
			run := func() (Sample, error) {
				switch {
				case w.mode == "http":
					return o.runWrk(wrk, w, im.impl, start)
				case w.msgs > 0:
					return o.runEcho(w, im.impl, start)
				default:
					return o.runIdle(w, im.impl, start)
				}
			}
			jobs[w.name] = append(jobs[w.name], job{"net", w.name, im.impl, run})
		}
	}
	return jobs, strings.Join(notes, "; ")
}

// startServer starts cmd (a server for port) and waits until it accepts; stop ends it (SIGTERM, then SIGKILL).
func startServer(server func(port int) *exec.Cmd) (addr string, srv *exec.Cmd, stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return "", nil, nil, err
	}
	srv = server(port)
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		return "", nil, nil, err
	}
	stop = func() {
		_ = srv.Process.Signal(unix.SIGTERM)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return addr, srv, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, nil, fmt.Errorf("server %s: nothing listening on %s: %s", srv.Path, addr, lastLines(srvErr.String(), 3))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runWrk measures an HTTP server with wrk -t1 -c<conns>.
func (o *Options) runWrk(wrk string, w serverWorkload, impl string, server func(int) *exec.Cmd) (Sample, error) {
	addr, srv, stop, err := startServer(server)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	dur := "10s"
	if o.Quick {
		dur = "2s"
	}
	out, err := exec.Command(wrk, "-t1", "-c"+strconv.Itoa(w.conns), "-d"+dur, "http://"+addr+"/").CombinedOutput()
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
	return newSample("net", w.name, impl, reqs, elapsed, vmHWM(srv.Process.Pid)), nil
}

var wrkUnits = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}

// parseWrk reads the request count and duration of wrk's summary.
func parseWrk(out string) (int64, time.Duration, error) {
	m := wrkRequests.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("cannot parse wrk output: %s", lastLines(out, 6))
	}
	reqs, _ := strconv.ParseInt(m[1], 10, 64)
	v, _ := strconv.ParseFloat(m[2], 64)
	return reqs, time.Duration(v * float64(wrkUnits[m[3]])), nil
}

// runEcho runs w.conns connections, each sending w.msgs messages of w.size bytes and reading each echo back
// before the next (ops = messages).
func (o *Options) runEcho(w serverWorkload, impl string, server func(int) *exec.Cmd) (Sample, error) {
	addr, srv, stop, err := startServer(server)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	msgs := w.msgs
	if o.Quick {
		msgs = max(msgs/10, 1)
	}
	conns := make([]net.Conn, w.conns)
	for i := range conns {
		if conns[i], err = net.Dial("tcp", addr); err != nil {
			return Sample{}, err
		}
		defer conns[i].Close()
		if w.tls { // handshakes before the clock starts: the rows measure the record layer
			tc := tls.Client(conns[i], &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
			if err := tc.Handshake(); err != nil {
				return Sample{}, fmt.Errorf("%s: TLS handshake: %w", impl, err)
			}
			if st := tc.ConnectionState(); i == 0 {
				fmt.Fprintf(o.Stderr, "bench: %s %s: %s, %s\n", w.name, impl, tls.VersionName(st.Version),
					tls.CipherSuiteName(st.CipherSuite))
			}
			conns[i] = tc
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	begin := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := bytes.Repeat([]byte{'x'}, w.size)
			in := make([]byte, w.size)
			c.SetDeadline(time.Now().Add(2 * time.Minute))
			for i := 0; i < msgs; i++ {
				if _, err := c.Write(out); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, in); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	select {
	case err := <-errs:
		return Sample{}, fmt.Errorf("echo client: %w", err)
	default:
	}
	return newSample("net", w.name, impl, int64(len(conns)*msgs), elapsed, vmHWM(srv.Process.Pid)), nil
}

// runIdle dials w.conns connections that stay idle and reports the server's RSS growth per connection in the
// ns/op slot (Seconds = bytes / 1e9, so ns/op = bytes per connection); peak RSS is the server's as elsewhere.
func (o *Options) runIdle(w serverWorkload, impl string, server func(int) *exec.Cmd) (Sample, error) {
	addr, srv, stop, err := startServer(server)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	n := w.conns
	if o.Quick {
		n /= 10
	}
	time.Sleep(200 * time.Millisecond)
	before := vmRSS(srv.Process.Pid)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for len(conns) < n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return Sample{}, fmt.Errorf("idle connection %d: %w", len(conns), err)
		}
		conns = append(conns, c)
	}
	// Every connection accepted and settled: one round trip on the last one.
	last := conns[len(conns)-1]
	last.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := last.Write([]byte("x")); err != nil {
		return Sample{}, err
	}
	if _, err := io.ReadFull(last, make([]byte, 1)); err != nil {
		return Sample{}, err
	}
	time.Sleep(500 * time.Millisecond)
	grew := max(vmRSS(srv.Process.Pid)-before, 1) * 1024
	s := newSample("net", w.name, impl, int64(n), time.Duration(grew), vmHWM(srv.Process.Pid))
	return s, nil
}

var vmRSSLine = regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB`)

// vmRSS reads a live process's current resident set size (KiB).
func vmRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := vmRSSLine.FindSubmatch(data)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}
