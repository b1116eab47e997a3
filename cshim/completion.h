#ifndef GOCORO_CSHIM_COMPLETION_H
#define GOCORO_CSHIM_COMPLETION_H

/* The completion queue: how C++ tells the host (Go) that something it waits for has finished.
 *
 * C++ threads post (handle, result) records; one host thread drains them in batches, so a host waiter costs
 * one crossing per batch rather than one C->Go callback per event. Process-wide; thread-safe. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_completion
{
    uintptr_t handle;
    int64_t   result;
} gocoro_completion;

/* Blocks until at least one completion is queued, then moves up to `cap` of them (oldest first) into `out`
 * and returns how many (0 only for cap 0). Meant for a single drainer. */
size_t gocoro_completion_wait(gocoro_completion* out, size_t cap);

/* Posts one completion (used by the shim itself and by user C++ code that completes host waiters). */
void gocoro_completion_post(uintptr_t handle, int64_t result);

#ifdef __cplusplus
}
#endif

#endif
