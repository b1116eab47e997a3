#pragma once

// C++ view of the shim's mutex handle, for other shim sources.

#include "cshim/mutex.h"

#include <coro/mutex.hpp>

#include <coroutine>

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
