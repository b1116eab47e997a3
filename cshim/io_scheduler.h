#ifndef GOCORO_CSHIM_IO_SCHEDULER_H
#define GOCORO_CSHIM_IO_SCHEDULER_H

/* coro::io_scheduler behind an opaque handle.
 *
 * Lifetime: create -> ... -> shutdown (optional, idempotent; completes pending polls with poll_status::closed and
 * blocks until pending tasks and timers finished) -> destroy exactly once. Threads: every function except destroy may be called from any thread. */

#include "cshim/callback.h"
#include "cshim/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_io_scheduler gocoro_io_scheduler;

typedef struct gocoro_io_scheduler_options
{
    /* 0: spawn an event-loop thread; 1: manual (the host calls process_events). */
    int thread_strategy;
    /* 0: run tasks on the internal thread pool; 1: run them inline on the event-loop thread. */
    int execution_strategy;
    /* Internal pool size (thread-pool execution only); 0 = libcoro's default (hardware threads - 1, min 1). */
    uint32_t pool_thread_count;
    /* Host handles for thread start/stop callbacks; 0 = none. The io handle reports index 0. */
    uintptr_t io_thread_event_handle;
    uintptr_t pool_thread_event_handle;
} gocoro_io_scheduler_options;

gocoro_io_scheduler* gocoro_io_scheduler_create(const gocoro_io_scheduler_options* opts, gocoro_error* err);
/* Runs the host function `handle` once on the scheduler (through the run callback); GOCORO_ESHUTDOWN if stopped
 * (the caller keeps the handle). */
int    gocoro_io_scheduler_spawn(gocoro_io_scheduler* s, uintptr_t handle);
size_t gocoro_io_scheduler_process_events(gocoro_io_scheduler* s, int64_t timeout_ms);
size_t gocoro_io_scheduler_size(const gocoro_io_scheduler* s);
/* Starts a native poll of fd (op: 1 read, 4 write, 5 read+write; timeout_ms 0: none) on the scheduler's epoll loop
 * without a host task. When it finishes, (handle, result) is posted to the completion queue exactly once: result
 * is the coro::poll_status (0 event, 1 timeout, 2 error, 3 closed) or -GOCORO_ESHUTDOWN if the scheduler has
 * stopped. Returns GOCORO_OK, or GOCORO_ENOMEM (nothing is posted then). The host keeps the scheduler alive (no
 * destroy) until the result arrives. Only one poll per fd at a time, as in libcoro. */
int gocoro_io_scheduler_poll(gocoro_io_scheduler* s, int fd, int op, int64_t timeout_ms, uintptr_t handle);
/* Cancellable polls (libcoro v0.16 scheduler::poll with a poll_stop_token). One gocoro_poll_stop serves one poll of
 * scheduler `s`: create, start the poll (gocoro_io_scheduler_poll_stop or a GOCORO_OP_IO_POLL_STOP await), signal
 * from any thread to end it (idempotent; a poll started after the signal ends at once), destroy once the poll's
 * result has arrived and no signal call is running. Each stop holds a pipe and each pending poll an epoll instance:
 * three descriptors. create fails with GOCORO_EEXCEPTION (no descriptors left) or GOCORO_ENOMEM. Under
 * libcoro_external (upstream v0.14 has no poll_stop_token) the poll waits in slices of 100 ms and looks at the signal
 * between them: it ends up to one slice after the signal, and holds no descriptors. */
typedef struct gocoro_poll_stop gocoro_poll_stop;
/* The result a cancellable poll reports when its stop was signalled first (its other results are
 * gocoro_io_scheduler_poll's: 0 event, 1 timeout, 2 error, 3 closed, or -GOCORO_ESHUTDOWN). A stop signalled while
 * the descriptor is ready wins. */
enum
{
    GOCORO_POLL_CANCELLED = 4
};
gocoro_poll_stop* gocoro_poll_stop_create(gocoro_io_scheduler* s, gocoro_error* err);
void              gocoro_poll_stop_signal(gocoro_poll_stop* stop);
void              gocoro_poll_stop_destroy(gocoro_poll_stop* stop);
/* gocoro_io_scheduler_poll that also ends when `stop` is signalled (GOCORO_POLL_CANCELLED). Returns GOCORO_OK,
 * or GOCORO_ENOMEM (nothing is posted then). */
int gocoro_io_scheduler_poll_stop(gocoro_poll_stop* stop, int fd, int op, int64_t timeout_ms, uintptr_t handle);
/* 1 if the calling thread is the scheduler's event thread, one of its pool workers, or running its process_events. */
int gocoro_io_scheduler_on_own_thread(const gocoro_io_scheduler* s);
/* io_scheduler::shutdown_cancel_polls(): polls pending or started from now on complete with 3 (closed). */
void gocoro_io_scheduler_shutdown(gocoro_io_scheduler* s);
void gocoro_io_scheduler_destroy(gocoro_io_scheduler* s);

#ifdef __cplusplus
}
#endif

#endif
