#ifndef GOCORO_CSHIM_PENDING_H
#define GOCORO_CSHIM_PENDING_H

/* A two-phase completion for operations whose fast path must not cost the host a handle.
 *
 * An operation that cannot finish inside the call returns a gocoro_pending* and goes on in C++. The host then
 * binds a completion handle to it: if the operation finished in between, bind reports the result right away
 * (the handle is not used and the record is freed); otherwise (handle, result) is posted to the completion queue
 * when it finishes and the record frees itself. Every pending record must be bound exactly once. */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_pending gocoro_pending;

/* Returns 1 and stores the result if the operation already finished, else 0: (handle, result) will be posted. */
int gocoro_pending_bind(gocoro_pending* p, uintptr_t handle, int64_t* result);

#ifdef __cplusplus
}
#endif

#endif
