// Package coro is the Go face of a C++20 coroutine runtime that speaks libcoro's API (third_party/libcoro),
// reached through a flat C shim (cshim). Executors, tasks and synchronisation primitives are the C++ ones;
// Go code plugs into them as task bodies, plain functions, or goroutines waiting on them.
//
// # Four ways to run Go code
//
//   - Schedule(ctx, ex, fn) and Spawn(fn) run a plain function once on an executor thread; so does
//     ScheduleTask(pool, NewFunc(fn)).Start(). While fn runs it occupies that executor thread, so blocking in fn
//     (channel receive, mutex, syscall, time.Sleep) blocks the thread. fn itself runs on a guest goroutine while the
//     executor thread waits for it (see "Which OS thread runs what"). The calling goroutine is parked meanwhile
//     (Schedule) or goes on (Spawn, Start). On a ThreadPool these functions go through the pool's Go run queue, in
//     submission order: a drainer task on a pool thread runs them one after another in a single callback (at most
//     one drainer per pool thread, each handing its thread back to the pool after 200µs when native tasks wait for
//     one, and waiting up to 50µs for more work before it ends while a producer keeps submitting), so a burst of
//     them costs one cgo crossing per batch rather than two per function. On an IOScheduler each is a task of its own.
//   - NewTask(body) makes a lazy coroutine (coro::task<R>) whose body is Go code. Inside the body, awaits —
//     T.Schedule, T.Yield, T.YieldFor, T.Poll, Event.Await, Await(child), WhenAll, WhenAny, the primitives' task
//     methods — are native libcoro co_awaits performed by the task's C++ proxy: they suspend the task and free
//     the executor thread, and the body continues on whatever thread completes the await, exactly as a C++
//     coroutine would (inline resumption by Event.Set, FIFO/LIFO orders, when_all on the last finisher's thread,
//     a 1-thread pool running one body at a time). Between two awaits the body runs on its own goroutine while the
//     executor thread that resumed it waits for it: that thread is reserved for the body (T.ThreadID names it) and
//     is blocked by anything the body blocks on. The thread posts the step to the completion queue below and waits
//     in C++ (looking for 50µs, then sleeping) until the body's goroutine describes its next await: a resumed body
//     costs one goroutine wake-up, no Go code runs on the executor thread, and steps of many bodies reach Go in one
//     batch.
//     Start (and SyncWait) run the body's first step without C++ at all: the body's goroutine runs while the
//     caller waits for its first await, so a body that never awaits costs about a microsecond.
//   - NewGoroutineTask(body) makes the same kind of task under the goroutine model: the body runs on its own goroutine
//     from start to end and continues its C++ proxy itself at each await (one cgo call). An await that completes at
//     once costs nothing more; one completed on an executor thread (T.Schedule, T.YieldFor, an Event set elsewhere)
//     reaches the body through the completion queue below: one goroutine wake-up, no OS thread waiting for the body.
//     The executor thread goes on with other work at once, so libcoro's thread semantics do not hold: T.Schedule(ex)
//     queues the body behind ex's work but the body then runs on a Go-scheduled thread, two bodies "on" a 1-thread pool
//     may run in parallel, and waiters resumed by Event.Set or Unlock run after the call, on their goroutines. Use it
//     when awaits are frequent and thread identity does not matter; NewTask when the body needs an executor thread of
//     its own between awaits (thread-local state in C, bounding parallelism by the executor's thread count) or the
//     parity tests' exact semantics. Both kinds compose freely. NewTask stays the default (the plain constructor)
//     because its semantics are libcoro's, which code ported from C++ and the parity suites rely on; with many bodies
//     awaiting at once, an await costs several times less under NewGoroutineTask (tools/bench's *_goroutine rows,
//     where many bodies share one executor thread that NewTask keeps waiting for each); a lone body awaiting one
//     thing at a time (BenchmarkTaskAwaitLoop) costs about the same under both (5-11 µs per await on a 2-vCPU VM).
//   - Goroutines (outside any task) wait with context-aware methods such as Event.Wait(ctx); C++ reports completions
//     through a queue whose one Go goroutine (the deliverer) takes them in batches (one crossing per batch, not per
//     waiter); once the queue has been empty for 50µs that goroutine waits for its eventfd in Go's netpoller, holding
//     no thread.
//     Cancelling ctx removes the goroutine from the waiters.
//
// # Which OS thread runs what
//
//	                              NewTask body             NewGoroutineTask body     Schedule/Spawn fn, NewFunc,
//	                                                                                 Join's combine
//	up to its first await         the caller's goroutine   its own goroutine         (does not await)
//	                              (Start waits for it)     (Start returns at once)
//	after an await completes on   that thread posts the    that thread posts the     a guest goroutine, while
//	an executor thread            step and waits while     step and moves on; the    that thread is blocked
//	                              the body's goroutine     body's goroutine runs     (one hand-off per call;
//	                              runs the body                                      per batch on a pool)
//	after an await completes      the caller waits while   its own goroutine (the    a guest goroutine, while
//	inside a Go call (Unlock,     the body's goroutine     step is handed to it;     the caller waits
//	Release, Event.Set)           runs the step            the caller goes on)
//	T.ThreadID                    the blocked executor     the thread that           —
//	                              thread                   completed the last await
//
// Go code that C++ calls on one of its threads runs inside a cgo callback, on a goroutine bound to that thread, and
// Go's runtime aborts the process when such a goroutine ends by runtime.Goexit (what t.FailNow, t.SkipNow and
// testify's require call), which nothing can stop. So in the right-hand column the function runs on a guest
// goroutine of its own while the executor thread waits for it: the thread is occupied exactly as long as before, but
// the function does not run on it (syscall.Gettid differs; C thread-local state set up on the executor thread is not
// there). A Close called from a guest counts as called from the executor's own thread (see Lifetime). On a pool,
// Schedule/Spawn functions, started ScheduleTask(pool, NewFunc) leaves and the leaves and combines of a fork-join
// tree of ScheduleTask(pool, Join) or ScheduleTask(pool, JoinFunc) nodes started from Go (it forks onto the pool's
// run queue; a JoinFunc's children function runs there too) share one guest per batch; elsewhere each call costs a
// thread hand-off (several microseconds; tens on a loaded machine) that a C++ coroutine would not pay.
//
// A runtime.Goexit fails the operation with ErrGoexit: a task body of either kind, a NewFunc's fn, Join's combine
// and a Schedule function; a Spawn'ed function's is dropped, like its panics. The executor goes on with its other
// work. The one exception is a thread hook (ThreadPoolOptions.OnThreadStart/OnThreadStop), whose point is to run on
// the worker thread itself: Goexit there still aborts the process.
//
// # Lifetime
//
// Close shuts an executor or primitive down: executors stop accepting work, run everything already queued (an
// IOScheduler first completes its pending polls and timers with ErrClosed instead of waiting for them), join their
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
// callbacks (IOScheduler.NotifyWhenReady's done, the net packages' completions), which have no caller to return to.
//
// # Handles
//
// Go values never live in C memory: C++ only holds numbers naming them in the module's handle table
// (internal/handle; like runtime/cgo.Handle, but array-backed), each freed exactly once. The net packages keep their
// servers' and connections' values there too. LiveHandles reports how many are outstanding, so tests can prove
// nothing leaks.
//
// # The net packages
//
// The module's net packages need more of an IOScheduler than this API offers: its C++ object (held open while they
// use it), a say in its Close (their servers, sockets and resolvers stop before it shuts down) and completions on
// this package's queue. They get them through internal/iolink, whose Link an IOScheduler embeds unexported: typed
// functions of a *IOScheduler, and nothing a user of this package can reach.
package coro
