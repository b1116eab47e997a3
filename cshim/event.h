#ifndef GOCORO_CSHIM_EVENT_H
#define GOCORO_CSHIM_EVENT_H

/* coro::event behind an opaque handle.
 *
 * Lifetime: create -> ... -> destroy exactly once; destroy sets the event first, so nothing stays suspended on it.
 * Host threads do not wait on the event natively: the host wakes its own waiters after set().
 * Threads: all functions may be called from any thread. set() resumes native waiters inline on the calling
 * thread (libcoro semantics); set_on() hands them to a thread pool instead. A host task body reached inline is
 * returned as a step for the caller to run (see gocoro_step in cshim/task.h). */

#include "cshim/status.h"
#include "cshim/task.h"
#include "cshim/thread_pool.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_event gocoro_event;

gocoro_event* gocoro_event_create(int initially_set);
void          gocoro_event_destroy(gocoro_event* e);
/* fifo != 0: resume waiters in the order they started waiting; else most recent first (libcoro's default). */
gocoro_step* gocoro_event_set(gocoro_event* e, int fifo);
gocoro_step* gocoro_event_set_on(gocoro_event* e, gocoro_thread_pool* tp, int fifo);
struct gocoro_io_scheduler;
gocoro_step* gocoro_event_set_on_io(gocoro_event* e, struct gocoro_io_scheduler* s, int fifo);
void         gocoro_event_reset(gocoro_event* e);

#ifdef __cplusplus
}
#endif

#endif
