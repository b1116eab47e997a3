#ifndef GOCORO_CSHIM_DEFAULT_EXECUTOR_H
#define GOCORO_CSHIM_DEFAULT_EXECUTOR_H

/* coro::default_executor (libcoro v0.16): the process-wide thread pool (executor()) and scheduler (io_executor()),
 * behind the shim's usual handles. C++ code of the same process that calls coro::default_executor gets the very same
 * executors. Each is created on the first call from either side, with the options C++ code set through
 * set_executor_options / set_io_executor_options before that, else libcoro's defaults (pool: one thread per hardware
 * thread; scheduler: spawned event thread, tasks on its own pool of hardware threads - 1, at least 1).
 *
 * Lifetime: the executors live until the process exits; so do the handles returned here (the same handle on every
 * call). Never pass them to *_shutdown or *_destroy. Threads: any thread may call these and use the handles.
 * Under libcoro_external (upstream v0.14 has no default_executor) the shim makes the pair itself, with the same
 * defaults and lifetime; C++ code of the process cannot reach it then. */

#include "cshim/io_scheduler.h"
#include "cshim/status.h"
#include "cshim/thread_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

gocoro_thread_pool*  gocoro_default_thread_pool(gocoro_error* err);
gocoro_io_scheduler* gocoro_default_io_scheduler(gocoro_error* err);

#ifdef __cplusplus
}
#endif

#endif
