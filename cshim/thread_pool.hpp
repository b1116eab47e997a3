#pragma once

// C++ view of the shim's thread_pool handle, for other shim sources.

#include "cshim/callback.hpp"
#include "cshim/thread_pool.h"

#include <coro/thread_pool.hpp>

struct gocoro_thread_pool
{
    /// Workers mark themselves as this pool's (gocoro::owning_executor) and report to the host's `thread_events`
    /// handle (0: none).
    gocoro_thread_pool(uint32_t thread_count, uintptr_t thread_events)
        : pool(coro::thread_pool::options{
              .thread_count            = thread_count,
              .on_thread_start_functor = gocoro::mark_start(this, thread_events),
              .on_thread_stop_functor  = gocoro::mark_stop(thread_events)})
    {
    }
    coro::thread_pool pool;
};
