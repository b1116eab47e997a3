package adversarial

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
)

// A panic in any Go function an executor runs comes back as a *coro.PanicError where the result is awaited (or
// is dropped, for fire-and-forget Spawn), and the executor keeps working.

func requirePanic(t *testing.T, err error, value any) {
	t.Helper()
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, value, pe.Value)
	assert.NotEmpty(t, pe.Stack)
}

func TestPanicEveryCallbackKind(t *testing.T) {
	ctx := context.Background()
	tp := newPool(t, 2)
	s := newSched(t)
	executors := map[string]coro.Executor{"ThreadPool": tp, "IOScheduler": s}
	for name, ex := range executors {
		t.Run(name, func(t *testing.T) {
			for i := range scale(50) {
				_, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { panic(i) })
				requirePanic(t, err, i)

				ran := make(chan struct{})
				spawn := tp.Spawn
				if name == "IOScheduler" {
					spawn = s.Spawn
				}
				require.NoError(t, spawn(func() { panic("spawned") }))
				require.NoError(t, spawn(func() { close(ran) }))
				select {
				case <-ran:
				case <-time.After(20 * time.Second):
					t.Fatal("the executor stopped running functions after a panic in Spawn")
				}

				_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
					if err := tk.Schedule(ex); err != nil {
						return 0, err
					}
					panic("task body")
				}))
				requirePanic(t, err, "task body")

				_, err = coro.SyncWait(ctx, coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { panic("func") })))
				requirePanic(t, err, "func")

				children := []*coro.Task[int]{
					coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { return 1, nil })),
					coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { return 2, nil })),
				}
				_, err = coro.SyncWait(ctx, coro.Join(children, func([]int) (int, error) { panic("combine") }))
				requirePanic(t, err, "combine")

				// A panicking child of WhenAll: the parent sees the child's PanicError.
				_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
					bad := coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { panic("child") }))
					good := coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { return 1, nil }))
					if err := coro.WhenAll(tk, bad, good); err != nil {
						return 0, err
					}
					_, err := bad.Result()
					return 0, err
				}))
				requirePanic(t, err, "child")
			}
			n, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { return 7, nil })
			require.NoError(t, err)
			assert.Equal(t, 7, n, "the executor still works after the panics")
		})
	}
}

func TestPanicServerFunc(t *testing.T) {
	// A panicking Func callback closes its connection, reaches OnError as a PanicError, and the server goes on.
	s := newSched(t)
	var reported atomic.Int64
	var lastErr atomic.Value
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Func(func(c *server.Conn, in []byte) (int, error) {
		if len(in) > 0 && in[0] == 'p' {
			panic("func callback")
		}
		_, _ = c.Write(in)
		return len(in), nil
	}), &server.Options{OnError: func(err error) { reported.Add(1); lastErr.Store(err) }})
	require.NoError(t, err)
	defer srv.Close()
	n := scale(100)
	for range n {
		c, err := net.DialTimeout("tcp", srv.Addr().String(), 10*time.Second)
		require.NoError(t, err)
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		_, err = c.Write([]byte("panic"))
		require.NoError(t, err)
		_, err = io.ReadAll(c) // the server closes the connection
		assert.NoError(t, err)
		c.Close()
	}
	require.True(t, eventually(20*time.Second, func() bool { return reported.Load() == int64(n) }),
		"OnError saw %d of %d panics", reported.Load(), n)
	var pe *coro.PanicError
	assert.True(t, errors.As(lastErr.Load().(error), &pe), "OnError got %v", lastErr.Load())

	c, err := net.DialTimeout("tcp", srv.Addr().String(), 10*time.Second)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	_, err = c.Write([]byte("echo"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	assert.Equal(t, "echo", string(buf), "the server still serves after the panics")
}

// A TaskGroup's members panicking: a function started with Go has its panic dropped (documented, like Spawn's)
// and still counts as finished, so Wait returns; a task started with Start keeps its PanicError for Result. The
// group and its executor go on.
func TestPanicTaskGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for name, ex := range map[string]coro.Executor{"ThreadPool": newPool(t, 2), "IOScheduler": newSched(t)} {
		t.Run(name, func(t *testing.T) {
			g, err := coro.NewTaskGroup(ex)
			require.NoError(t, err)
			defer g.Close()
			var ran atomic.Int64
			n := scale(50)
			tasks := make([]*coro.Task[int], n)
			for i := range n {
				require.NoError(t, g.Go(func() { panic(i) }))
				require.NoError(t, g.Go(func() { ran.Add(1) }))
				tasks[i] = coro.NewFunc(func() (int, error) { panic(i) })
				require.NoError(t, g.Start(tasks[i]))
			}
			require.NoError(t, g.Wait(ctx), "the group never emptied after its members panicked")
			assert.Zero(t, g.Size())
			assert.EqualValues(t, n, ran.Load(), "functions started next to the panicking ones")
			for i, task := range tasks {
				_, err := task.Result()
				requirePanic(t, err, i)
			}
			require.NoError(t, g.Go(func() { ran.Add(1) }))
			require.NoError(t, g.Wait(ctx))
			assert.EqualValues(t, n+1, ran.Load(), "the group still runs functions after the panics")
		})
	}
	require.True(t, eventually(10*time.Second, func() bool { return coro.LiveHandles() == 0 }), "handles leaked")
}
