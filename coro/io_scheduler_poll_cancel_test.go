package coro_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
)

// openFDCount counts the process's open descriptors, after a first poll delivered through the completion queue (which
// makes Go's netpoller open its own descriptors once per process).
func openFDCount(t *testing.T) int {
	t.Helper()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	ctx, cancel := context.WithCancel(context.Background())
	_, err = s.Poll(ctx, p[1], coro.PollWrite, time.Second)
	cancel()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, unix.Close(p[0]))
	require.NoError(t, unix.Close(p[1]))
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// nonblockingPipe returns a pipe's read and write descriptors, closed at the end of the test.
func nonblockingPipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	t.Cleanup(func() { _ = unix.Close(p[0]); _ = unix.Close(p[1]) })
	return p[0], p[1]
}

// pollers are the two forms of a cancellable poll: from a goroutine, and from a task body.
var pollers = map[string]func(ctx context.Context, s *coro.IOScheduler, fd int, op coro.PollOp, timeout time.Duration) (coro.PollStatus, error){
	"goroutine": func(ctx context.Context, s *coro.IOScheduler, fd int, op coro.PollOp, timeout time.Duration) (coro.PollStatus, error) {
		return s.Poll(ctx, fd, op, timeout)
	},
	"task": func(ctx context.Context, s *coro.IOScheduler, fd int, op coro.PollOp, timeout time.Duration) (coro.PollStatus, error) {
		return pollInTask(coro.NewTask[pollTaskOutcome], ctx, s, fd, op, timeout)
	},
	"goroutine task": func(ctx context.Context, s *coro.IOScheduler, fd int, op coro.PollOp, timeout time.Duration) (coro.PollStatus, error) {
		return pollInTask(coro.NewGoroutineTask[pollTaskOutcome], ctx, s, fd, op, timeout)
	},
}

type pollTaskOutcome struct {
	st  coro.PollStatus
	err error
}

// pollInTask runs T.PollContext in a task body made by newTask.
func pollInTask(newTask func(func(*coro.T) (pollTaskOutcome, error)) *coro.Task[pollTaskOutcome], ctx context.Context,
	s *coro.IOScheduler, fd int, op coro.PollOp, timeout time.Duration) (coro.PollStatus, error) {
	task := newTask(func(t *coro.T) (pollTaskOutcome, error) {
		st, err := t.PollContext(ctx, s, fd, op, timeout)
		return pollTaskOutcome{st, err}, nil
	})
	o, err := coro.SyncWait(context.Background(), task)
	if err != nil {
		return coro.PollError, err
	}
	return o.st, o.err
}

func TestPollContextOutcomes(t *testing.T) {
	for _, strategy := range []coro.ExecutionStrategy{coro.TasksOnThreadPool, coro.TasksInline} {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: strategy, Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		for _, name := range []string{"goroutine", "task", "goroutine task"} {
			poll := pollers[name]
			t.Logf("%v %s", strategy, name)
			r, w := nonblockingPipe(t)
			fds := openFDCount(t)

			// Cancelled while waiting.
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			st, err := poll(ctx, s, r, coro.PollRead, 0)
			require.ErrorIs(t, err, context.Canceled, name)
			require.Equal(t, coro.PollCancelled, st, name)
			require.Equal(t, "cancelled", st.String())

			// Cancelled before the call: at once, even though the fd is ready.
			_, err = unix.Write(w, []byte{'x'})
			require.NoError(t, err)
			st, err = poll(ctx, s, r, coro.PollRead, 0)
			require.ErrorIs(t, err, context.Canceled, name)
			require.Equal(t, coro.PollCancelled, st, name)

			// A deadline.
			dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			st, err = poll(dctx, s, w, coro.PollRead, 0) // a pipe's write end never becomes readable
			dcancel()
			require.ErrorIs(t, err, context.DeadlineExceeded, name)
			require.Equal(t, coro.PollCancelled, st, name)

			// Ready, and the poll's own timeout, with a live ctx.
			live, liveCancel := context.WithCancel(context.Background())
			st, err = poll(live, s, r, coro.PollRead, time.Minute)
			require.NoError(t, err, name)
			require.Equal(t, coro.PollEvent, st, name)
			st, err = poll(live, s, w, coro.PollWrite, 0)
			require.NoError(t, err, name)
			require.Equal(t, coro.PollEvent, st, name)
			_, err = unix.Read(r, make([]byte, 1))
			require.NoError(t, err)
			st, err = poll(live, s, r, coro.PollRead, 20*time.Millisecond)
			require.NoError(t, err, name)
			require.Equal(t, coro.PollTimeout, st, name)
			liveCancel()

			// A ctx that cannot be cancelled takes the plain poll.
			st, err = poll(context.Background(), s, r, coro.PollRead, 10*time.Millisecond)
			require.NoError(t, err, name)
			require.Equal(t, coro.PollTimeout, st, name)

			// Bad arguments.
			_, err = poll(live, s, -1, coro.PollRead, 0)
			require.ErrorIs(t, err, coro.ErrInvalid, name)
			_, err = poll(live, s, r, coro.PollOp(2), 0)
			require.ErrorIs(t, err, coro.ErrInvalid, name)
			var zero coro.IOScheduler
			_, err = poll(live, &zero, r, coro.PollRead, 0)
			require.ErrorIs(t, err, coro.ErrInvalid, name)

			require.Equal(t, fds, openFDCount(t), "%s: a poll's descriptors were not released", name)
		}
		require.NoError(t, s.Close())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

// A cancellable poll pending when Close begins ends with ErrClosed; later ones are refused.
func TestPollContextPendingAtClose(t *testing.T) {
	for name, poll := range pollers {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		r, _ := nonblockingPipe(t)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := poll(ctx, s, r, coro.PollRead, 0)
			errc <- err
		}()
		require.Eventually(t, func() bool { return s.Size() > 0 }, 10*time.Second, time.Millisecond)
		require.NoError(t, s.Close())
		select {
		case err := <-errc:
			require.ErrorIs(t, err, coro.ErrClosed, name)
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: poll still pending after Close", name)
		}
		_, err = poll(ctx, s, r, coro.PollRead, 0)
		require.ErrorIs(t, err, coro.ErrClosed, name)
		cancel()
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

// Cancellation racing readiness: every round ends with readiness (PollEvent) or cancellation (PollCancelled), and
// in both cases the byte written is still there to read (a poll consumes nothing); no descriptor, handle or
// goroutine is left behind.
func TestPollContextCancelRacingReadiness(t *testing.T) {
	rounds := 400
	if testing.Short() {
		rounds = 50
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	for name, poll := range pollers {
		r, w := nonblockingPipe(t)
		fds := openFDCount(t)
		counts := map[coro.PollStatus]int{}
		for i := range rounds {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = unix.Write(w, []byte{'x'})
			}()
			go func() {
				defer wg.Done()
				if i%3 != 0 {
					time.Sleep(time.Duration(i%50) * time.Microsecond)
				}
				cancel()
			}()
			st, err := poll(ctx, s, r, coro.PollRead, 0)
			wg.Wait()
			switch st {
			case coro.PollEvent:
				require.NoError(t, err, "%s round %d", name, i)
			case coro.PollCancelled:
				require.ErrorIs(t, err, context.Canceled, "%s round %d", name, i)
			default:
				t.Fatalf("%s round %d: %v, %v", name, i, st, err)
			}
			counts[st]++
			n, err := unix.Read(r, make([]byte, 2))
			require.NoError(t, err, "%s round %d: the byte is gone", name, i)
			require.Equal(t, 1, n)
		}
		t.Logf("%s: %v", name, counts)
		require.Equal(t, fds, openFDCount(t), name)
	}
	require.NoError(t, s.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
