package server_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	"github.com/stretchr/testify/require"
)

// lineEcho answers every complete line; "flood" asks for 16 MiB.
func lineEcho(c *server.Conn, in []byte) (int, error) {
	done := 0
	for {
		i := bytes.IndexByte(in[done:], '\n')
		if i < 0 {
			return done, nil
		}
		line := in[done : done+i+1]
		if string(line) == "flood\n" {
			c.Write(make([]byte, 16<<20))
		} else {
			c.Write(line)
		}
		done += i + 1
	}
}

func TestFaultOneByteAtATime(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		srv := serve(t, s, server.Func(lineEcho), nil)
		c := dial(srv)
		msg := "one byte at a time\nand another line\n"
		for i := 0; i < len(msg); i++ {
			_, err := c.Write([]byte{msg[i]})
			require.NoError(t, err)
			time.Sleep(time.Millisecond)
		}
		require.Equal(t, msg, readN(t, c, len(msg)))
		require.NoError(t, srv.Close())
	})
}

// A peer that resets (SO_LINGER 0) while the server is sending a large reply: that connection ends with the
// error, the server keeps serving.
func TestFaultResetMidWrite(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		closes := newCloseLog()
		srv := serve(t, s, server.Callbacks(server.Events{OnData: lineEcho, OnClose: closes.onClose}), nil)
		for i := 0; i < 3; i++ {
			c := dial(srv)
			c.Write([]byte("flood\n"))
			readN(t, c, 64<<10) // the reply is on its way
			require.NoError(t, c.(*net.TCPConn).SetLinger(0))
			c.Close()
			err := closes.next(t)
			var errno syscall.Errno
			require.ErrorAs(t, err, &errno, "got %v", err)
		}
		c := dial(srv)
		c.Write([]byte("still\n"))
		require.Equal(t, "still\n", readN(t, c, 6))
		require.NoError(t, srv.Close())
	})
}

// A client that half-closes after its request still gets the whole reply.
func TestFaultHalfClose(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		closes := newCloseLog()
		srv := serve(t, s, server.Callbacks(server.Events{OnData: echoData, OnClose: closes.onClose}), nil)
		c := dial(srv)
		req := bytes.Repeat([]byte("half-close "), 200_000) // 2.2 MB: more than the socket buffers
		go func() {
			c.Write(req)
			c.(*net.TCPConn).CloseWrite()
		}()
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		require.Equal(t, len(req), len(got))
		require.True(t, bytes.Equal(req, got))
		require.NoError(t, closes.next(t))
		require.NoError(t, srv.Close())
	})
}

// A panicking callback closes its connection (OnClose: ErrCallback), is reported, and leaks nothing.
func TestFaultPanicCloses(t *testing.T) {
	s := newScheduler(t, false)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		closes := newCloseLog()
		errs := make(chan error, 4)
		srv := serve(t, s, server.Callbacks(server.Events{
			OnData: func(c *server.Conn, in []byte) (int, error) {
				if string(in) == "panic" {
					panic("boom")
				}
				return echoData(c, in)
			},
			OnClose: closes.onClose,
		}), &server.Options{OnError: func(err error) { errs <- err }})
		c := dial(srv)
		c.Write([]byte("panic"))
		_, err := io.ReadAll(c)
		require.NoError(t, err)
		require.ErrorIs(t, closes.next(t), server.ErrCallback)
		var pe *coro.PanicError
		require.ErrorAs(t, <-errs, &pe)
		c = dial(srv)
		c.Write([]byte("fine"))
		require.Equal(t, "fine", readN(t, c, 4))
		require.NoError(t, srv.Close())
	})
}

// With RLIMIT_NOFILE low, accepts fail with EMFILE: reported to OnError, and serving resumes once descriptors
// free up. Runs in a child process (the limit is process-wide).
func TestFaultFDExhaustion(t *testing.T) {
	if os.Getenv("GOCORO_FD_CHILD") == "1" {
		fdExhaustionChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultFDExhaustion$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GOCORO_FD_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "child: accept reported EMFILE and recovered")
}

func fdExhaustionChild(t *testing.T) {
	s := newScheduler(t, true)
	errs := make(chan error, 1000)
	srv := serve(t, s, server.Func(echoData), &server.Options{OnError: func(err error) {
		select {
		case errs <- err:
		default:
		}
	}})
	limit := uint64(fdCount(t) + 12)
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old))
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: old.Max}))
	var conns []net.Conn
	var emfile error
	for i := 0; i < 40 && emfile == nil; i++ {
		if c, err := net.DialTimeout("tcp", srv.Addr().String(), time.Second); err == nil {
			conns = append(conns, c)
		}
		select {
		case err := <-errs:
			if errors.Is(err, syscall.EMFILE) {
				emfile = err
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.Error(t, emfile, "no EMFILE reported with %d connections", len(conns))
	var op *net.OpError
	require.ErrorAs(t, emfile, &op)
	require.Equal(t, "accept", op.Op)
	// Free descriptors: every client but the last; the server's ends close with them.
	for _, c := range conns[:len(conns)-1] {
		c.Close()
	}
	last := conns[len(conns)-1] // accepted late, once the server had descriptors again
	last.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := last.Write([]byte("late"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(last, buf)
	require.NoError(t, err)
	require.Equal(t, "late", string(buf))
	last.Close()
	require.NoError(t, srv.Close())
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old))
	t.Log("child: accept reported EMFILE and recovered (" + strconv.Itoa(len(conns)) + " clients, " +
		strings.TrimSpace(emfile.Error()) + ")")
}
