#include "cshim/shared_mutex.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/completion.h"
#include "cshim/io_scheduler.hpp"
#include "cshim/thread_pool.hpp"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/shared_mutex.hpp>
#include <coro/task.hpp>

#include <atomic>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>

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

namespace
{
auto post_when_locked(gocoro_shared_mutex* sm, bool exclusive, uintptr_t handle) -> coro::task<void>
{
    co_await gocoro::lock_held(sm, exclusive);
    gocoro_completion_post(handle, 0);
}

auto report_error(gocoro_error* err, int code, const char* what) -> void
{
    if (err != nullptr)
    {
        err->code = code;
        std::snprintf(err->message, sizeof(err->message), "%s", what);
    }
}
} // namespace

namespace
{
template <typename executor_handle>
auto create_shared_mutex(executor_handle* executor, gocoro_error* err) -> gocoro_shared_mutex*
{
    try
    {
        // A null executor gives a null executor pointer: libcoro's constructor throws, reported as EINVAL.
        std::shared_ptr<gocoro::pool_executor> e;
        if (executor != nullptr)
        {
            e = std::make_shared<gocoro::pool_executor>(executor);
        }
        return new gocoro_shared_mutex(std::move(e));
    }
    catch (const std::bad_alloc&)
    {
        report_error(err, GOCORO_ENOMEM, "out of memory");
    }
    catch (const std::exception& ex)
    {
        report_error(err, GOCORO_EINVAL, ex.what());
    }
    return nullptr;
}
} // namespace

extern "C" gocoro_shared_mutex* gocoro_shared_mutex_create(gocoro_thread_pool* tp, gocoro_error* err)
{
    return create_shared_mutex(tp, err);
}

extern "C" gocoro_shared_mutex* gocoro_shared_mutex_create_io(gocoro_io_scheduler* s, gocoro_error* err)
{
    return create_shared_mutex(s, err);
}

extern "C" void gocoro_shared_mutex_destroy(gocoro_shared_mutex* sm)
{
    delete sm;
}

extern "C" int gocoro_shared_mutex_try_lock(gocoro_shared_mutex* sm, int exclusive)
{
    return (exclusive ? sm->mutex.try_lock() : sm->mutex.try_lock_shared()) ? 1 : 0;
}

extern "C" gocoro_step* gocoro_shared_mutex_unlock(gocoro_shared_mutex* sm, int exclusive)
{
    gocoro::host_call scope;
    if (exclusive)
    {
        sm->mutex.unlock();
    }
    else
    {
        sm->mutex.unlock_shared();
    }
    return scope.take();
}

extern "C" void gocoro_shared_mutex_detach_executor(gocoro_shared_mutex* sm)
{
    sm->executor->detach();
}

extern "C" void gocoro_shared_mutex_lock_async(gocoro_shared_mutex* sm, int exclusive, uintptr_t handle)
{
    auto waiter = coro::detail::make_task_self_deleting(post_when_locked(sm, exclusive != 0, handle));
    waiter.handle().resume();
}

/// request.arg: 1 exclusive, 0 shared.
auto gocoro::shared_mutex_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    return emplace_await(
        storage, [&] { return lock_held(static_cast<gocoro_shared_mutex*>(request.target), request.arg != 0); });
}
