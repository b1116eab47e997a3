#ifndef GOCORO_CSHIM_QUEUE_H
#define GOCORO_CSHIM_QUEUE_H

/* coro::queue<uint64_t> behind an opaque handle. The host stores its values itself and passes ids (> 0).
 *
 * pop from the host first tries try_pop(); when it would have to wait it leaves a native pop queued in the queue
 * (exactly like a waiting coroutine) and returns a gocoro_pending the host binds a completion handle to (see
 * cshim/pending.h); its result is the id, or -1 once the queue is shut down.
 *
 * Lifetime: create -> ... -> destroy exactly once, when nobody waits (destroy shuts the queue down).
 * Threads: every function may be called from any thread. A push that meets a waiting consumer, and a shutdown,
 * resume those consumers inline on the calling thread; a host task body reached that way is left in *steps (or
 * returned) for the caller to run (see gocoro_step in cshim/task.h). */

#include "cshim/pending.h"
#include "cshim/status.h"
#include "cshim/task.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_queue gocoro_queue;

enum gocoro_queue_status
{
    /* Done inside the call (push: stored or handed over; pop: *id is set). */
    GOCORO_QUEUE_DONE = 0,
    /* The queue is shut down: push refused the id; pop delivers nothing even if elements remain. */
    GOCORO_QUEUE_STOPPED = 1,
    /* pop is waiting: bind a handle to *pending. */
    GOCORO_QUEUE_PENDING = 2,
    /* try_pop only: nothing stored, or the queue's lock was busy at that moment. */
    GOCORO_QUEUE_EMPTY = 3,
    GOCORO_QUEUE_BUSY  = 4
};

gocoro_queue* gocoro_queue_create(void);
void          gocoro_queue_destroy(gocoro_queue* q);
size_t        gocoro_queue_size(const gocoro_queue* q);
int           gocoro_queue_push(gocoro_queue* q, uint64_t id, gocoro_step** steps);
int           gocoro_queue_pop(gocoro_queue* q, uint64_t* id, gocoro_pending** pending);
int           gocoro_queue_try_pop(gocoro_queue* q, uint64_t* id);
/* Stops the queue (idempotent) and resumes every waiting consumer with "stopped". */
gocoro_step* gocoro_queue_shutdown(gocoro_queue* q);

#ifdef __cplusplus
}
#endif

#endif
