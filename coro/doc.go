// Package coro is the Go face of a C++20 coroutine runtime that speaks libcoro's API (third_party/libcoro),
// reached through a flat C shim (cshim). Executors, tasks and synchronisation primitives are the C++ ones;
// Go code plugs into them as task bodies, plain functions, or goroutines waiting on them.
//
// # Three ways to run Go code
//
//   - Schedule(ctx, ex, fn) and Spawn(fn) run a plain function once on an executor thread; so does
//     ScheduleTask(pool, NewFunc(fn)).Start(). While fn runs it occupies that executor thread, so blocking in fn
//     (channel receive, mutex, syscall, time.Sleep) blocks the thread. The calling goroutine is parked meanwhile
//     (Schedule) or goes on (Spawn, Start). On a ThreadPool these functions go through the pool's Go run queue, in
//     submission order: a drainer task on a pool thread runs them one after another in a single callback (at most
//     one drainer per pool thread, each handing its thread back to the pool every 200µs), so a burst of them costs
//     one cgo crossing per batch rather than two per function. On an IOScheduler each is a task of its own.
//   - NewTask(body) makes a lazy coroutine (coro::task<R>) whose body is Go code. Inside the body, awaits —
//     T.Schedule, T.Yield, T.YieldFor, T.Poll, Event.Await, Await(child), WhenAll, WhenAny, the primitives' task
//     methods — are native libcoro co_awaits performed by the task's C++ proxy: they suspend the task and free
//     the executor thread, and the body continues on whatever thread completes the await, exactly as a C++
//     coroutine would (inline resumption by Event.Set, FIFO/LIFO orders, when_all on the last finisher's thread,
//     a 1-thread pool running one body at a time). Between two awaits the body runs on its own goroutine while the
//     executor thread that resumed it waits for it: that thread is reserved for the body (T.ThreadID names it) and
//     is blocked by anything the body blocks on. A resumed body costs a goroutine hand-off (a few microseconds).
//     Start (and SyncWait) run the body's first step without C++ at all: the body's goroutine runs while the
//     caller waits for its first await, so a body that never awaits costs about a microsecond.
//   - Goroutines (outside any task) wait with context-aware methods such as Event.Wait(ctx); C++ reports
//     completions through a queue that one Go goroutine drains in batches (one crossing per batch, not per
//     waiter). Cancelling ctx removes the goroutine from the waiters.
//
// # Lifetime
//
// Close shuts an executor or primitive down: executors stop accepting work, run everything already queued, wait for
// pending timers (an IOScheduler completes pending polls with ErrClosed instead of waiting for them), join their
// threads and free the C++ object; primitives release their waiters. Every
// later operation returns an error for which errors.Is(err, ErrClosed) is true; a second Close does nothing.
// Called from one of the executor's own threads (a function it runs), an executor's Close cannot wait for that
// thread: it stops the executor in the background and returns at once. A task body must not Close the executor it
// runs on (the executor thread waits for the body, and Close for that thread).
//
// # Errors and panics
//
// A panic inside Go code run by an executor is recovered there (it never crosses into C++ or kills the thread) and
// comes back where the result is awaited as a *PanicError (Schedule, SyncWait, Await, Task.Result). Panics in
// Spawn'ed functions are dropped, like exceptions escaping a spawned libcoro task, and so are panics in completion
// callbacks (IOScheduler.PollFunc's done, the net packages' completions), which have no caller to return to.
//
// # Handles
//
// Go values never live in C memory: C++ only holds numbers naming them in this package's handle table (handle.go;
// like runtime/cgo.Handle, but array-backed), each freed exactly once. LiveHandles reports how many are
// outstanding, so tests can prove nothing leaks.
package coro
