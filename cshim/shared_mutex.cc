#include "cshim/shared_mutex.h"
#include "cshim/callback.hpp"
#include "cshim/completion.h"
#include "cshim/shared_mutex.hpp"

#include <coro/detail/task_self_deleting.hpp>

#include <cstdio>
#include <exception>
#include <new>

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
