#include "cshim/thread_pool.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/thread_pool.hpp"

#include <exception>
#include <new>

namespace
{
auto run_host_task(uintptr_t handle) -> coro::task<void>
{
    gocoro::run_host(handle);
    co_return;
}

/// Runs the host function once the pool has run what was queued before (yield() goes through the FIFO queue).
auto run_host_task_behind(coro::thread_pool& pool, uintptr_t handle) -> coro::task<void>
{
    co_await pool.yield();
    gocoro::run_host(handle);
}

/// Spawns the task `make` returns; making it allocates its frame, so that happens inside the try too.
template <typename Make>
auto spawn(gocoro_thread_pool* tp, Make make) -> int
{
    try
    {
        return tp->pool.spawn(make()) ? GOCORO_OK : GOCORO_ESHUTDOWN;
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
}
} // namespace

extern "C" gocoro_thread_pool* gocoro_thread_pool_create(const gocoro_thread_pool_options* opts, gocoro_error* err)
{
    if (opts == nullptr || opts->thread_count == 0)
    {
        gocoro::set_error(err, GOCORO_EINVAL, "thread_pool: thread_count must be at least 1");
        return nullptr;
    }
    try
    {
        return new gocoro_thread_pool(opts->thread_count, opts->thread_event_handle);
    }
    catch (const std::bad_alloc&)
    {
        gocoro::set_error(err, GOCORO_ENOMEM, "thread_pool: out of memory");
    }
    catch (const std::exception& e)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, e.what());
    }
    catch (...)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, "thread_pool: unknown exception");
    }
    return nullptr;
}

extern "C" int gocoro_thread_pool_spawn(gocoro_thread_pool* tp, uintptr_t handle)
{
    if (tp == nullptr)
    {
        return GOCORO_EINVAL;
    }
    return spawn(tp, [handle] { return run_host_task(handle); });
}

extern "C" int gocoro_thread_pool_spawn_behind(gocoro_thread_pool* tp, uintptr_t handle)
{
    if (tp == nullptr)
    {
        return GOCORO_EINVAL;
    }
    return spawn(tp, [tp, handle] { return run_host_task_behind(tp->pool, handle); });
}

extern "C" int gocoro_thread_pool_on_own_thread(const gocoro_thread_pool* tp)
{
    return tp != nullptr && gocoro::owning_executor() == tp ? 1 : 0;
}

extern "C" void gocoro_thread_pool_shutdown(gocoro_thread_pool* tp)
{
    if (tp != nullptr)
    {
        tp->pool.shutdown();
    }
}

extern "C" void gocoro_thread_pool_destroy(gocoro_thread_pool* tp)
{
    delete tp;
}

extern "C" size_t gocoro_thread_pool_thread_count(const gocoro_thread_pool* tp)
{
    return tp == nullptr ? 0 : tp->pool.thread_count();
}

extern "C" size_t gocoro_thread_pool_size(const gocoro_thread_pool* tp)
{
    return tp == nullptr ? 0 : tp->pool.size();
}

extern "C" size_t gocoro_thread_pool_queue_size(const gocoro_thread_pool* tp)
{
    return tp == nullptr ? 0 : tp->pool.queue_size();
}

/// GOCORO_OP_SCHEDULE and GOCORO_OP_YIELD.
auto gocoro::thread_pool_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    coro::thread_pool& pool = static_cast<gocoro_thread_pool*>(request.target)->pool;
    if (request.kind == GOCORO_OP_YIELD)
    {
        return emplace_await(storage, [&] { return pool.yield(); });
    }
    return emplace_await(storage, [&] { return pool.schedule(); });
}
