#pragma once

// C++ view of the shim's thread_pool handle, for other shim sources.

#include "cshim/callback.hpp"
#include "cshim/thread_pool.h"

#include <coro/thread_pool.hpp>

#include <memory>

struct gocoro_thread_pool
{
    /// Workers mark themselves as this pool's (gocoro::owning_executor) and report to the host's `thread_events`
    /// handle (0: none).
    gocoro_thread_pool(uint32_t thread_count, uintptr_t thread_events)
        : owned(std::make_unique<coro::thread_pool>(coro::thread_pool::options{
              .thread_count            = thread_count,
              .on_thread_start_functor = gocoro::mark_start(this, thread_events),
              .on_thread_stop_functor  = gocoro::mark_stop(thread_events)})),
          pool(*owned)
    {
    }
    /// A handle on a pool the shim does not own: the process-wide default (cshim/default_executor.cc). Its workers
    /// are not marked as this handle's: nothing may shut that pool down, so no Close needs to recognise them.
    explicit gocoro_thread_pool(coro::thread_pool& shared) noexcept : pool(shared) {}

    std::unique_ptr<coro::thread_pool> owned;
    coro::thread_pool&                 pool;
};
