#ifndef GOCORO_CSHIM_RING_BUFFER_H
#define GOCORO_CSHIM_RING_BUFFER_H

/* coro::ring_buffer<uint64_t, N> behind an opaque handle. The host stores its values itself and passes ids.
 *
 * N is a template argument in libcoro; the shim instantiates N = 1..16 and the powers of two 32..65536, and
 * create() picks the instantiation equal to the requested capacity (NULL for any other capacity).
 *
 * Produce/consume from the host try to finish inside the call; when they would have to wait they leave a native
 * operation queued in the ring buffer (exactly like a waiting coroutine) and return a gocoro_pending the host
 * binds a completion handle to (see cshim/pending.h).
 *
 * Lifetime: create -> ... -> destroy exactly once, when nobody waits (destroy calls notify_waiters()).
 * Threads: every function may be called from any thread. A produce that meets a waiting consumer, or a consume
 * that frees a slot a producer waits for, resumes that waiter inline on the calling thread; a host task body reached
 * that way is left in *steps (or returned) for the caller to run (see gocoro_step in cshim/task.h). */

#include "cshim/pending.h"
#include "cshim/status.h"
#include "cshim/task.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_ring_buffer gocoro_ring_buffer;

enum gocoro_rb_status
{
    /* Done inside the call. */
    GOCORO_RB_DONE = 0,
    /* The ring buffer is stopped (notify_waiters): produce always, consume once the buffer is empty. */
    GOCORO_RB_STOPPED = 1,
    /* Waiting: bind a handle to *pending. Its result is 0 (produced) / 1 (stopped) / 2 (notified) for produce,
     * the id (> 0) or -1 (stopped) / -2 (notified) for consume. */
    GOCORO_RB_PENDING = 2
};

gocoro_ring_buffer* gocoro_ring_buffer_create(size_t capacity);
void                gocoro_ring_buffer_destroy(gocoro_ring_buffer* rb);
size_t              gocoro_ring_buffer_size(const gocoro_ring_buffer* rb);
gocoro_step*        gocoro_ring_buffer_notify_waiters(gocoro_ring_buffer* rb);
/* Wake every waiting producer (result 2, the id is not stored) / consumer (result -2); the buffer stays open.
 * Only when gocoro_ring_buffer_can_notify() is 1 (gocoro's embedded libcoro; upstream v0.14's ring_buffer cannot
 * wake one kind of waiter without stopping, so against it the two calls do nothing). */
int          gocoro_ring_buffer_can_notify(void);
gocoro_step* gocoro_ring_buffer_notify_producers(gocoro_ring_buffer* rb);
gocoro_step* gocoro_ring_buffer_notify_consumers(gocoro_ring_buffer* rb);
int gocoro_ring_buffer_produce(gocoro_ring_buffer* rb, uint64_t id, gocoro_pending** pending, gocoro_step** steps);
int gocoro_ring_buffer_consume(gocoro_ring_buffer* rb, uint64_t* id, gocoro_pending** pending, gocoro_step** steps);

#ifdef __cplusplus
}
#endif

#endif
