#ifndef GOCORO_CSHIM_CALLBACK_H
#define GOCORO_CSHIM_CALLBACK_H

/* Calls from C++ back into the host language (Go). The host installs its functions once; the C++ side only
 * ever hands back the opaque handles the host gave it (never a host pointer). */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the host function identified by `handle` on the calling (executor) thread, then releases the handle. */
typedef void (*gocoro_run_fn)(uintptr_t handle);
/* Tells the host that executor thread `index` started (started != 0) or is about to stop. */
typedef void (*gocoro_thread_event_fn)(uintptr_t handle, size_t index, int started);

struct gocoro_op;
/* Advances the host task behind `handle`: `op->result` holds the outcome of the previous operation; the host runs
 * the task body until its next await and describes that await in `op` (see cshim/task.h). */
typedef void (*gocoro_step_fn)(uintptr_t handle, struct gocoro_op* op);

/* Installs the host callbacks. Must be called before any executor is created; later calls replace them. */
void gocoro_install_callbacks(gocoro_run_fn run, gocoro_thread_event_fn thread_event, gocoro_step_fn step);

/* The executor (gocoro_thread_pool*, gocoro_io_scheduler*) the calling thread belongs to, or NULL. */
const void* gocoro_owning_executor(void);
/* Marks the calling thread as `executor`'s (NULL: as no executor's) and returns the previous mark. The host runs
 * callback work on a thread of its own while the executor thread waits for it; marked like this, that thread is
 * recognised as the executor's by gocoro_*_on_own_thread. */
const void* gocoro_set_owning_executor(const void* executor);

#ifdef __cplusplus
}
#endif

#endif
