// Command io_scheduler shows coro.IOScheduler without networking: the libcoro example's server and client
// exchange a request and a response, here over two pipes instead of a TCP connection, each side polling its
// descriptor on the scheduler before reading or writing. The thread callbacks report the event thread and the
// two pool workers starting and stopping. Then it walks through the other ways to run work on the scheduler:
// Spawn, ScheduleTask, ScheduleTimeout, ScheduleAfter/ScheduleAt, Yield, YieldFor/YieldUntil.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
)

// syncWriter serialises writes: the thread callbacks and the tasks print from several threads.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// pipe is a non-blocking pipe: readiness comes from the scheduler's Poll, never from a blocking call.
type pipe struct{ r, w int }

func newPipe() (pipe, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return pipe{}, err
	}
	return pipe{r: fds[0], w: fds[1]}, nil
}

func (p pipe) close() {
	unix.Close(p.r)
	unix.Close(p.w)
}

// await polls fd for op and fails unless it became ready.
func await(t *coro.T, s *coro.IOScheduler, fd int, op coro.PollOp) error {
	status, err := t.Poll(s, fd, op, 0)
	if err != nil {
		return err
	}
	if status != coro.PollEvent {
		return fmt.Errorf("poll %v on fd %d: %v", op, fd, status)
	}
	return nil
}

// send writes msg to fd, polling for writability whenever the pipe is full.
func send(t *coro.T, s *coro.IOScheduler, fd int, msg string) error {
	remaining := []byte(msg)
	for len(remaining) > 0 {
		if err := await(t, s, fd, coro.PollWrite); err != nil {
			return err
		}
		n, err := unix.Write(fd, remaining)
		if err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return err
		}
		remaining = remaining[n:]
	}
	return nil
}

// recv waits until fd is readable and reads what is there (the messages are small: one read suffices).
func recv(t *coro.T, s *coro.IOScheduler, fd int) (string, error) {
	buf := make([]byte, 256)
	for {
		if err := await(t, s, fd, coro.PollRead); err != nil {
			return "", err
		}
		n, err := unix.Read(fd, buf)
		if err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

func server(w io.Writer, s *coro.IOScheduler, request, response pipe) *coro.Task[struct{}] {
	return coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.Schedule(s); err != nil {
			return struct{}{}, err
		}
		msg, err := recv(t, s, request.r)
		if err != nil {
			return struct{}{}, err
		}
		fmt.Fprintf(w, "server: %s\n", msg)
		return struct{}{}, send(t, s, response.w, "Hello from server.")
	})
}

func client(w io.Writer, s *coro.IOScheduler, request, response pipe) *coro.Task[struct{}] {
	return coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.Schedule(s); err != nil {
			return struct{}{}, err
		}
		if err := send(t, s, request.w, "Hello from client."); err != nil {
			return struct{}{}, err
		}
		msg, err := recv(t, s, response.r)
		if err != nil {
			return struct{}{}, err
		}
		fmt.Fprintf(w, "client: %s\n", msg)
		return struct{}{}, nil
	})
}

// exchange runs the server and the client side by side and waits for both.
func exchange(w io.Writer, s *coro.IOScheduler) error {
	request, err := newPipe()
	if err != nil {
		return err
	}
	defer request.close()
	response, err := newPipe()
	if err != nil {
		return err
	}
	defer response.close()
	srv, cli := server(w, s, request, response), client(w, s, request, response)
	_, err = coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(t, srv, cli)
	}))
	if err != nil {
		return err
	}
	if _, err := srv.Result(); err != nil {
		return err
	}
	_, err = cli.Result()
	return err
}

// sleeper yields on the scheduler for d, then returns 1 (or -1 if ctx was cancelled meanwhile).
func sleeper(ctx context.Context, s *coro.IOScheduler, d time.Duration) *coro.Task[int] {
	return coro.NewTask(func(t *coro.T) (int, error) {
		if err := t.YieldFor(s, d); err != nil {
			return 0, err
		}
		if ctx.Err() != nil {
			return -1, nil
		}
		return 1, nil
	})
}

// waits reports that every timed wait took at least as long as asked.
func waits(w io.Writer, s *coro.IOScheduler) error {
	const d = 10 * time.Millisecond
	var lines []string
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (struct{}, error) {
		check := func(name string, wait func() error) error {
			start := time.Now()
			if err := wait(); err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s: waited at least 10ms: %t", name, time.Since(start) >= d))
			return nil
		}
		if err := t.Schedule(s); err != nil {
			return struct{}{}, err
		}
		if err := t.Yield(s); err != nil {
			return struct{}{}, err
		}
		lines = append(lines, "yield: resumed")
		return struct{}{}, errors.Join(
			check("schedule_after", func() error { return t.ScheduleAfter(s, d) }),
			check("schedule_at", func() error { return t.ScheduleAt(s, time.Now().Add(d)) }),
			check("yield_for", func() error { return t.YieldFor(s, d) }),
			check("yield_until", func() error { return t.YieldUntil(s, time.Now().Add(d)) }),
		)
	}))
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
	return err
}

func run(out io.Writer) error {
	w := &syncWriter{w: out}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{
		ThreadStrategy:    coro.SpawnThread, // a dedicated event thread (the alternative is ProcessEvents)
		ExecutionStrategy: coro.TasksOnThreadPool,
		OnIOThreadStart:   func() { fmt.Fprintln(w, "io_scheduler::process event thread start") },
		OnIOThreadStop:    func() { fmt.Fprintln(w, "io_scheduler::process event thread stop") },
		Pool: coro.ThreadPoolOptions{
			ThreadCount:   2,
			OnThreadStart: func(i int) { fmt.Fprintf(w, "io_scheduler::thread_pool worker %d starting\n", i) },
			OnThreadStop:  func(i int) { fmt.Fprintf(w, "io_scheduler::thread_pool worker %d stopping\n", i) },
		},
	})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()

	if err := exchange(w, s); err != nil {
		return err
	}

	// Spawn: fire and forget, the scheduler owns it.
	spawned := make(chan struct{})
	if err := s.Spawn(func() {
		fmt.Fprintln(w, "spawn: detached task ran")
		close(spawned)
	}); err != nil {
		return err
	}
	<-spawned

	// ScheduleTask: run a task on the scheduler and await its result.
	v, err := coro.SyncWait(ctx, coro.ScheduleTask(s, coro.NewTask(func(*coro.T) (int, error) { return 42, nil })))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "schedule(task): %d\n", v)

	// ScheduleTimeout: the task's value if it beats the timeout, ErrTimeout (and a cancelled context) if not.
	v, err = coro.SyncWait(ctx, coro.ScheduleTimeout(s, sleeper(ctx, s, 10*time.Millisecond), time.Second, nil))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "schedule(task, timeout): %d\n", v)
	slowCtx, cancel := context.WithCancel(ctx)
	slow := sleeper(slowCtx, s, time.Second) // far beyond the timeout, even on a loaded machine
	_, err = coro.SyncWait(ctx, coro.ScheduleTimeout(s, slow, 10*time.Millisecond, cancel))
	if !errors.Is(err, coro.ErrTimeout) {
		return fmt.Errorf("want a timeout, got %v", err)
	}
	fmt.Fprintln(w, "schedule(task, timeout): timed out")
	v, err = coro.SyncWait(ctx, slow) // the timed-out task still runs to its end, and sees the stop request
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "timed-out task saw the stop request: %t\n", v == -1)

	if err := waits(w, s); err != nil {
		return err
	}
	return s.Close() // joins the threads: their stop callbacks print before run returns
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
