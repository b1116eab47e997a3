#pragma once

// C++ view of the shim's shared_mutex handle, for other shim sources.

#include "cshim/io_scheduler.hpp"
#include "cshim/shared_mutex.h"
#include "cshim/thread_pool.hpp"

#include <coro/shared_mutex.hpp>
#include <coro/task.hpp>

#include <atomic>
#include <coroutine>
#include <memory>

namespace gocoro
{
/// The executor the shim's shared_mutex hands shared waiters to: a thread pool or an io_scheduler that the host may
/// detach (resume then runs the coroutine inline). Satisfies coro::concepts::executor; shared_mutex only ever calls
/// resume().
class pool_executor
{
public:
    explicit pool_executor(gocoro_thread_pool* tp) : m_tp(tp) {}
    explicit pool_executor(gocoro_io_scheduler* s) : m_io(s) {}

    auto detach() noexcept -> void
    {
        m_tp.store(nullptr, std::memory_order_release);
        m_io.store(nullptr, std::memory_order_release);
    }

    auto resume(std::coroutine_handle<> h) noexcept -> bool
    {
        if (gocoro_thread_pool* tp = m_tp.load(std::memory_order_acquire); tp != nullptr && tp->pool.resume(h))
        {
            return true;
        }
        if (gocoro_io_scheduler* s = m_io.load(std::memory_order_acquire); s != nullptr && s->scheduler->resume(h))
        {
            return true;
        }
        h.resume();
        return true;
    }

    // The rest of coro::concepts::executor; shared_mutex never calls these.
    auto schedule() -> coro::thread_pool::operation { return pool().schedule(); }
    auto yield() -> coro::thread_pool::operation { return pool().yield(); }
    auto spawn(coro::task<void>&& t) noexcept -> bool { return pool().spawn(std::move(t)); }
    auto size() const noexcept -> std::size_t { return 0; }
    auto empty() const noexcept -> bool { return true; }
    auto shutdown() noexcept -> void {}

private:
    auto pool() -> coro::thread_pool& { return m_tp.load(std::memory_order_acquire)->pool; }

    std::atomic<gocoro_thread_pool*>  m_tp{nullptr};
    std::atomic<gocoro_io_scheduler*> m_io{nullptr};
};

using shared_mutex_type = coro::shared_mutex<pool_executor>;

/// co_await lock()/lock_shared() without the shared_scoped_lock: the hold stays until the host unlocks.
struct shared_lock_held
{
    shared_mutex_type::lock_operation op;

    auto await_ready() const noexcept -> bool { return op.await_ready(); }
    auto await_suspend(std::coroutine_handle<> h) noexcept -> bool { return op.await_suspend(h); }
    auto await_resume() const noexcept -> void {}
};
} // namespace gocoro

struct gocoro_shared_mutex
{
    explicit gocoro_shared_mutex(std::shared_ptr<gocoro::pool_executor> e) : executor(e), mutex(std::move(e)) {}
    std::shared_ptr<gocoro::pool_executor> executor;
    gocoro::shared_mutex_type              mutex;
};

namespace gocoro
{
inline auto lock_held(gocoro_shared_mutex* sm, bool exclusive) -> shared_lock_held
{
    return shared_lock_held{exclusive ? sm->mutex.lock() : sm->mutex.lock_shared()};
}
} // namespace gocoro
