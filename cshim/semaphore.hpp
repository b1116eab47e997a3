#pragma once

// C++ view of the shim's semaphore handle, for other shim sources.

#include "cshim/semaphore.h"

#include <coro/semaphore.hpp>
#include <coro/task.hpp>

#include <atomic>
#include <cstdint>

struct gocoro_semaphore
{
    gocoro_semaphore(int64_t max, int64_t initial) : sem(max, initial) {}
    coro::semaphore sem;
    /// gocoro_semaphore_release calls between their overflow check and their increment (see there).
    std::atomic<int64_t> releasing{0};
};

namespace gocoro
{
/// co_await sem.acquire() as a gocoro_acquire_result.
inline auto acquire(gocoro_semaphore* s) -> coro::task<int64_t>
{
    const auto r = co_await s->sem.acquire();
    co_return r == coro::semaphore::acquire_result::acquired ? GOCORO_ACQUIRED : GOCORO_SEMAPHORE_STOPPED;
}
} // namespace gocoro
