#pragma once

// coro::default_executor (libcoro v0.16): a process-wide thread pool and scheduler, each created on first use.

#include "coro/thread_pool.hpp"
#ifdef LIBCORO_FEATURE_NETWORKING
    #include "coro/scheduler.hpp"
#endif

#include <memory>
#include <type_traits>

namespace coro::default_executor
{
/// Options for the pool executor() creates. Only calls made before the first executor() call have an effect.
void set_executor_options(thread_pool::options thread_pool_options);

/// The process-wide pool, created with thread_pool::make_unique() on the first call (concurrent first callers
/// wait for it). It lives until static destruction, which shuts it down; do not reset or replace the pointer.
auto executor() -> std::unique_ptr<coro::thread_pool>&;

#ifdef LIBCORO_FEATURE_NETWORKING
/// Options for the scheduler io_executor() creates. Only calls made before the first io_executor() call have an
/// effect.
void set_io_executor_options(scheduler::options scheduler_options);

/// The process-wide scheduler, created with scheduler::make_unique() on the first call; lifetime as executor().
auto io_executor() -> std::unique_ptr<coro::scheduler>&;
#endif

/// The default executor of the richest kind this build has: io_executor() with networking, else executor().
/// `return_type` must name that executor's unique_ptr (as upstream, it is a template only to be spelled out).
template <typename return_type>
inline auto perfect() -> return_type&
{
#ifdef LIBCORO_FEATURE_NETWORKING
    static_assert(
        std::is_same_v<return_type, std::unique_ptr<coro::scheduler>>,
        "coro::default_executor::perfect<T>(): T is std::unique_ptr<coro::scheduler> in networking builds");
    return io_executor();
#else
    static_assert(
        std::is_same_v<return_type, std::unique_ptr<coro::thread_pool>>,
        "coro::default_executor::perfect<T>(): T is std::unique_ptr<coro::thread_pool> without networking");
    return executor();
#endif
}
} // namespace coro::default_executor
