#include "cshim/mutex.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/completion.h"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/mutex.hpp>

#include <coroutine>
#include <new>

struct gocoro_mutex
{
    coro::mutex mutex;
};

namespace gocoro
{
/// co_await mutex.lock() without the scoped_lock: the lock stays held until the host calls unlock().
struct mutex_lock_held
{
    coro::mutex::lock_operation op;

    auto await_ready() const noexcept -> bool { return op.await_ready(); }
    auto await_suspend(std::coroutine_handle<> h) noexcept -> bool { return op.await_suspend(h); }
    auto await_resume() const noexcept -> void {}
};

inline auto lock_held(gocoro_mutex* m) -> mutex_lock_held
{
    return mutex_lock_held{m->mutex.lock()};
}
} // namespace gocoro

namespace
{
auto post_when_locked(gocoro_mutex* m, uintptr_t handle) -> coro::task<void>
{
    co_await gocoro::lock_held(m);
    gocoro_completion_post(handle, 0);
}
} // namespace

extern "C" gocoro_mutex* gocoro_mutex_create(void)
{
    // Value-initialisation, not gocoro_mutex{}: aggregate init would copy-list-initialise the member, which
    // coro::mutex's explicit default constructor forbids (gcc accepts it anyway; clang rejects it).
    return new (std::nothrow) gocoro_mutex();
}

extern "C" void gocoro_mutex_destroy(gocoro_mutex* m)
{
    delete m;
}

extern "C" int gocoro_mutex_try_lock(gocoro_mutex* m)
{
    return m->mutex.try_lock() ? 1 : 0;
}

extern "C" gocoro_step* gocoro_mutex_unlock(gocoro_mutex* m)
{
    gocoro::host_call scope;
    m->mutex.unlock();
    return scope.take();
}

extern "C" void gocoro_mutex_lock_async(gocoro_mutex* m, uintptr_t handle)
{
    auto waiter = coro::detail::make_task_self_deleting(post_when_locked(m, handle));
    waiter.handle().resume();
}

auto gocoro::mutex_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    return emplace_await(storage, [&] { return lock_held(static_cast<gocoro_mutex*>(request.target)); });
}
