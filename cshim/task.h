#ifndef GOCORO_CSHIM_TASK_H
#define GOCORO_CSHIM_TASK_H

/* Host (Go) task bodies as real libcoro coroutines.
 *
 * A gocoro_task is a lazy coro::task<int64_t> (the "proxy") that drives a host task body step by step: each step
 * calls the installed step callback, which runs the body until it awaits something and describes that await in a
 * gocoro_op; the proxy then co_awaits the native awaitable (executor schedule, event, child task, when_all ...) and
 * calls the next step when it resumes, on whatever thread resumed it. So awaits inside a task body are native:
 * they suspend the coroutine and free the executor thread.
 *
 * Lifetime: create -> (await it from another task, or start it) -> destroy once it is done or was never started.
 * The host handle is owned by the host: the step that reports GOCORO_OP_DONE is the last use of it. */

#include "cshim/status.h"
#include "cshim/thread_pool.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_task gocoro_task;

enum gocoro_op_kind
{
    /* The body returned; op->result is its status. The proxy completes. */
    GOCORO_OP_DONE = 0,
    /* target: gocoro_thread_pool*. Continue on a pool thread (thread_pool::schedule). result: GOCORO_ESHUTDOWN if
     * the pool is shut down (the task continues on the current thread). */
    GOCORO_OP_SCHEDULE = 1,
    /* target: gocoro_thread_pool*. Re-queue at the tail of the pool's FIFO queue (thread_pool::yield). */
    GOCORO_OP_YIELD = 2,
    /* target: gocoro_event*. Wait until the event is set. */
    GOCORO_OP_EVENT = 3,
    /* target: gocoro_task*. Run/await a child task (symmetric transfer into it). */
    GOCORO_OP_TASK = 4,
    /* target: gocoro_task** (malloc'd; the proxy frees it), arg: count. when_all over the child tasks. */
    GOCORO_OP_WHEN_ALL = 5,
    /* target: gocoro_io_scheduler*. io_scheduler::schedule / yield. result: GOCORO_ESHUTDOWN when stopped. */
    GOCORO_OP_IO_SCHEDULE = 6,
    GOCORO_OP_IO_YIELD    = 7,
    /* target: gocoro_io_scheduler*, arg: milliseconds (clamped to 2^42, ~139 years). io_scheduler::yield_for (= schedule_after). */
    GOCORO_OP_IO_YIELD_FOR = 8,
    /* target: gocoro_io_scheduler*, arg: fd, arg2: poll op (1 read, 4 write, 5 read_write) | timeout_ms << 8.
     * result: coro::poll_status (0 event, 1 timeout, 2 error, 3 closed). */
    GOCORO_OP_IO_POLL = 9,
    /* target: gocoro_when_any_item* (malloc'd; the proxy frees it), arg: count. Starts every child in order; resumes
     * with the index of the first to finish (result). Losers keep running; each child's release handle is posted to
     * the completion queue once its proxy has finished, after which the host may destroy it. */
    GOCORO_OP_WHEN_ANY = 10,
    /* target: gocoro_poll_stop* (names the scheduler), arg: fd, arg2: as GOCORO_OP_IO_POLL. A poll that also ends
     * when the stop is signalled. result: see gocoro_io_scheduler_poll_stop. */
    GOCORO_OP_IO_POLL_STOP = 11,
    /* Synchronisation primitives (latch, mutex, shared_mutex, semaphore, ring_buffer). */
    /* target: gocoro_latch*. Wait until the latch is ready. */
    GOCORO_OP_LATCH = 20,
    /* target: gocoro_mutex*. Lock it; the host then holds the lock (no scoped_lock). */
    GOCORO_OP_MUTEX_LOCK = 21,
    /* target: gocoro_shared_mutex*, arg: 1 exclusive / 0 shared. Lock it; the host then holds it. */
    GOCORO_OP_SHARED_MUTEX_LOCK = 22,
    /* target: gocoro_semaphore*. Acquire; result: gocoro_acquire_result. */
    GOCORO_OP_SEMAPHORE_ACQUIRE = 23,
    /* target: gocoro_ring_buffer*, arg: id. Produce; result: 0 produced, 1 stopped. */
    GOCORO_OP_RING_PRODUCE = 24,
    /* target: gocoro_ring_buffer*. Consume; result: the id (> 0), or -1 when stopped. */
    GOCORO_OP_RING_CONSUME = 25,
    /* target: gocoro_queue*. Pop; result: the id (> 0), or -1 when shut down. */
    GOCORO_OP_QUEUE_POP = 26
};

typedef struct gocoro_op
{
    int32_t kind;
    /* Set by C++ before each step: the OS thread id (gettid) of the thread running the proxy. */
    int32_t thread_id;
    void*   target;
    int64_t arg;
    int64_t arg2;
    int64_t result;
    /* Private to C++: whether a posted step's next await has been described (gocoro_op_post). */
    uint32_t posted;
} gocoro_op;

/* Lets the thread waiting in a posted GOCORO_TASK_THREAD step go on, once the host has described the next await (or
 * GOCORO_OP_DONE) in its `op`. `op` must not be touched afterwards. */
void gocoro_op_post(gocoro_op* op);

/* A step of a proxy that was reached inside a host call (an unlock, a release, a start ...) on a host thread: rather
 * than calling back into the host from inside that call, the proxy suspends and the call returns its steps (a list
 * linked through `next`, oldest first, or NULL). For each the host advances the body behind `handle` exactly as
 * the step callback would (reading op->result, describing the next await in *op) and then calls
 * gocoro_step_continue. So a lock handed from body to body is an iteration on the host side, not a nest of calls. */
typedef struct gocoro_step
{
    uintptr_t           handle;
    gocoro_op*          op;
    gocoro_task*        task;
    struct gocoro_step* next;
} gocoro_step;

/* Continues the proxy of `step` with the await its host step described and returns the steps still to run: those
 * reached during this call, then the rest of the list `step` came from. `step` is invalid afterwards. */
gocoro_step* gocoro_step_continue(gocoro_step* step);

typedef struct gocoro_when_any_item
{
    gocoro_task* task;
    uintptr_t    release;
} gocoro_when_any_item;

/* How a proxy reaches its host body. GOCORO_TASK_CALLBACK: each step is a call of the step callback on the thread
 * that resumed the proxy (which stays inside it until the body's next await). GOCORO_TASK_GOROUTINE: the body runs
 * on a host thread of its own; a step reached on any other thread, outside a host call, is posted to the completion
 * queue as {GOCORO_STEP_COMPLETION, (intptr_t)gocoro_step*} and the thread moves on; the host runs the body and then
 * calls gocoro_step_continue for that step from the body's thread. GOCORO_TASK_THREAD: the body runs on a host
 * thread of its own too, and a step is posted the same way, but the thread that reached it waits (reserved for the
 * body, as with a callback) until the host describes the next await in the step's op and calls gocoro_op_post, and
 * then performs it. Inside a host call every kind is left to the host (see gocoro_step). */
#define GOCORO_TASK_CALLBACK  0
#define GOCORO_TASK_GOROUTINE 1
#define GOCORO_TASK_THREAD    2
/* The handle of a posted goroutine-body step: never a host handle (those are small). */
#define GOCORO_STEP_COMPLETION ((uintptr_t)1 << 62)

/* A lazy task driving the host body behind `handle` (model: GOCORO_TASK_*). NULL on allocation failure. */
gocoro_task* gocoro_task_create(uintptr_t handle, int model);

/* Returned by gocoro_task_start when the task finished inside the call: the caller still owns `t` and destroys it. */
#define GOCORO_TASK_FINISHED 100

/* Starts `t` on the calling thread (it runs until its first suspension). If it finishes inside this call, returns
 * GOCORO_TASK_FINISHED; otherwise returns GOCORO_OK and `t` frees itself when it finishes: the caller must not
 * touch it again. */
int gocoro_task_start(gocoro_task* t);

/* Creates and starts a proxy for a body whose first step the host already ran itself (on its own thread, no
 * callback), for a task nobody else references: the proxy starts by awaiting `first` (a request other than
 * GOCORO_OP_DONE) and then steps the body as usual. Returns GOCORO_OK (it frees itself when it finishes),
 * GOCORO_TASK_FINISHED (it finished inside the call and is already freed) or GOCORO_ENOMEM (nothing ran). Steps
 * reached inside the call are left in *steps for the host (see gocoro_step). */
int gocoro_task_run_from(uintptr_t handle, int model, const gocoro_op* first, gocoro_step** steps);

/* Frees the task. It must be done or never started. */
void gocoro_task_destroy(gocoro_task* t);

/* The OS thread id (gettid) of the calling thread, as gocoro_op.thread_id reports it: cached per thread, so that
 * the host does not pay a system call each time it starts a body on its own thread. */
int32_t gocoro_thread_id(void);

#ifdef __cplusplus
}
#endif

#endif
