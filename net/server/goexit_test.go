package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
)

// goexitChild names the case a child process of TestGoexitInCallbackIsFatal runs ("mode/hook").
const goexitChild = "GOCORO_SERVER_GOEXIT_CHILD"

// runtime.Goexit (t.FailNow, testify's require) in a callback the C++ loop runs cannot be survived (see the package
// doc), so it must end the process at once with a message naming the callback and the server, in every mode. It
// used to hang a Listen server's loop for good and, on a scheduler's own C++ thread, to die with the runtime's
// "Goexit called in a thread that was not created by the Go runtime". Each case runs in a process of its own.
func TestGoexitInCallbackIsFatal(t *testing.T) {
	if c := os.Getenv(goexitChild); c != "" {
		mode, hook, _ := strings.Cut(c, "/")
		runGoexitChild(t, mode, hook)
		return
	}
	addrLine := regexp.MustCompile(`(?m)^serving on (\S+)$`)
	for _, mode := range []string{"Listen", "Serve", "ManualThread"} {
		for _, hook := range []string{"OnOpen", "OnData", "OnDrained", "OnClose", "OnTick", "Options.OnError"} {
			t.Run(mode+"/"+hook, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGoexitInCallbackIsFatal$", "-test.v")
				cmd.Env = append(os.Environ(), goexitChild+"="+mode+"/"+hook)
				out, err := cmd.CombinedOutput()
				t.Logf("child process:\n%s", out)
				require.NoError(t, ctx.Err(), "the child hung")
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit, "the child survived")
				require.Equal(t, 2, exit.ExitCode())
				m := addrLine.FindSubmatch(out)
				require.NotNil(t, m, "the child did not serve")
				want := "fatal error: net/server: runtime.Goexit in " + hook +
					" (t.FailNow or require in a handler?) on the server at " + string(m[1])
				require.True(t, strings.Contains(string(out), want), "the output lacks %q", want)
				require.True(t, strings.Contains(string(out), "cannot be survived inside the C++ loop"))
			})
		}
	}
}

// runGoexitChild serves with hook calling runtime.Goexit, in mode, and makes the loop run hook. It returns only if
// the process survived that (which fails the case).
func runGoexitChild(t *testing.T, mode, hook string) {
	var armed atomic.Bool // set once the address is out: the ticker's first run comes before that
	var replied atomic.Pointer[server.Conn]
	goexit := func() {
		if armed.Load() {
			runtime.Goexit()
		}
	}
	ev := server.Events{OnData: func(c *server.Conn, in []byte) (int, error) { return len(in), nil }}
	opts := &server.Options{}
	switch hook {
	case "OnOpen":
		ev.OnOpen = func(*server.Conn) error { goexit(); return nil }
	case "OnData":
		ev.OnData = func(*server.Conn, []byte) (int, error) { goexit(); return 0, nil }
	case "OnDrained":
		// One reply far above HighWater, read only once the loop has queued it (a peer reading already may take
		// all of it at once: never queued, no OnDrained).
		ev.OnData = func(c *server.Conn, in []byte) (int, error) {
			_, err := c.Write(make([]byte, 32<<20))
			replied.Store(c)
			return len(in), err
		}
		ev.OnDrained = func(*server.Conn) error { goexit(); return nil }
		opts.HighWater = 64 << 10
	case "OnClose":
		ev.OnClose = func(*server.Conn, error) { goexit() }
	case "OnTick":
		ev.OnTick = func() time.Duration { goexit(); return time.Millisecond }
	case "Options.OnError":
		ev.OnData = func(*server.Conn, []byte) (int, error) { return 0, errors.New("refused") }
		opts.OnError = func(error) { goexit() }
	}
	var srv *server.Server
	var err error
	ctx := context.Background()
	switch mode {
	case "Listen":
		srv, err = server.Listen(ctx, "127.0.0.1:0", server.Callbacks(ev), opts)
	case "Serve":
		s, serr := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.SpawnThread,
			ExecutionStrategy: coro.TasksInline})
		require.NoError(t, serr)
		srv, err = server.Serve(ctx, s, "127.0.0.1:0", server.Callbacks(ev), opts)
	case "ManualThread":
		s, serr := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread,
			ExecutionStrategy: coro.TasksInline})
		require.NoError(t, serr)
		srv, err = server.Serve(ctx, s, "127.0.0.1:0", server.Callbacks(ev), opts)
		go func() {
			for {
				_, _ = s.ProcessEvents(5 * time.Millisecond)
			}
		}()
	}
	require.NoError(t, err)
	fmt.Printf("serving on %s\n", srv.Addr())
	armed.Store(true)
	if hook != "OnTick" {
		c, err := net.Dial("tcp", srv.Addr().String())
		require.NoError(t, err)
		switch hook {
		case "OnClose":
			require.NoError(t, c.Close())
		case "OnDrained":
			_, err = c.Write([]byte("x"))
			require.NoError(t, err)
			go func() {
				for sc := replied.Load(); sc == nil || sc.OutboundBuffered() <= opts.HighWater; sc = replied.Load() {
					time.Sleep(time.Millisecond)
				}
				_, _ = io.Copy(io.Discard, c)
			}()
		case "OnData", "Options.OnError":
			_, err = c.Write([]byte("x"))
			require.NoError(t, err)
		}
	}
	time.Sleep(20 * time.Second) // the process should be gone long before
	t.Errorf("the process survived runtime.Goexit in %s (%s)", hook, mode)
}
