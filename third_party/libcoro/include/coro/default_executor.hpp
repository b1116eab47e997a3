#pragma once

// coro::default_executor (libcoro v0.16): a process-wide thread pool created on first use.

#include "coro/thread_pool.hpp"

#include <memory>

namespace coro::default_executor
{
/// Options for the pool executor() creates. Only calls made before the first executor() call have an effect.
void set_executor_options(thread_pool::options thread_pool_options);

/// The process-wide pool, created with thread_pool::make_unique() on the first call (concurrent first callers
/// wait for it). It lives until static destruction, which shuts it down; do not reset or replace the pointer.
auto executor() -> std::unique_ptr<coro::thread_pool>&;
} // namespace coro::default_executor
