#include "cshim/semaphore.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/completion.h"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/semaphore.hpp>
#include <coro/task.hpp>

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <new>

struct gocoro_semaphore
{
    gocoro_semaphore(int64_t max, int64_t initial, bool clamp) : sem(max, initial), clamp(clamp) {}
    coro::semaphore sem;
    const bool      clamp;
    /// Serialises the releases of a clamping semaphore, so that checking the counter against max and releasing
    /// are one step (acquires only lower the counter meanwhile, which keeps the check true).
    std::mutex clamp_mutex;
    /// gocoro_semaphore_release calls between their overflow check and their increment (see there).
    std::atomic<int64_t> releasing{0};
};

namespace gocoro
{
/// co_await sem.acquire() as a gocoro_acquire_result.
inline auto acquire(gocoro_semaphore* s) -> coro::task<int64_t>
{
    const auto r = co_await s->sem.acquire();
    co_return r == coro::semaphore::acquire_result::acquired ? GOCORO_ACQUIRED : GOCORO_SEMAPHORE_STOPPED;
}
} // namespace gocoro

namespace
{
auto post_when_acquired(gocoro_semaphore* s, uintptr_t handle) -> coro::task<void>
{
    const int64_t r = co_await gocoro::acquire(s);
    gocoro_completion_post(handle, r);
}
} // namespace

extern "C" gocoro_semaphore* gocoro_semaphore_create(int64_t max, int64_t initial, int clamp)
{
    return new (std::nothrow) gocoro_semaphore(max, initial, clamp != 0);
}

extern "C" void gocoro_semaphore_destroy(gocoro_semaphore* s)
{
    delete s;
}

extern "C" int gocoro_semaphore_try_acquire(gocoro_semaphore* s)
{
    return s->sem.try_acquire() ? 1 : 0;
}

extern "C" int gocoro_semaphore_release(gocoro_semaphore* s, gocoro_step** steps)
{
    gocoro::host_call scope;
    if (s->clamp)
    {
        // A waiter exists only while the counter is 0 < max, so a unit owed to a waiter always fits. Resuming a
        // waiter under the lock is safe: host task bodies become steps run after the call, and the shim's native
        // waiters only post a completion.
        std::unique_lock lk{s->clamp_mutex};
        const bool       fits = static_cast<int64_t>(s->sem.value()) < static_cast<int64_t>(s->sem.max());
        if (fits)
        {
            s->sem.release();
        }
        lk.unlock();
        *steps = scope.take();
        return fits ? GOCORO_OK : GOCORO_EINVAL;
    }
    // Each release first counts itself in `releasing` and then checks counter + releasing (itself and every
    // release registered before it) against the limit. Of two concurrent releases the later one to register
    // counts the earlier one, whether or not the earlier one has incremented yet, so together they never pass it.
    const int64_t ahead = s->releasing.fetch_add(1, std::memory_order_seq_cst);
    const int64_t value = static_cast<int64_t>(s->sem.value());
    const bool    fits  = value <= std::numeric_limits<int64_t>::max() - ahead - 1;
    if (fits)
    {
        s->sem.release();
    }
    s->releasing.fetch_sub(1, std::memory_order_seq_cst);
    *steps = scope.take();
    return fits ? GOCORO_OK : GOCORO_EINVAL;
}

extern "C" int64_t gocoro_semaphore_value(const gocoro_semaphore* s)
{
    return static_cast<int64_t>(s->sem.value());
}

extern "C" gocoro_step* gocoro_semaphore_notify_waiters(gocoro_semaphore* s)
{
    gocoro::host_call scope;
    s->sem.notify_waiters();
    return scope.take();
}

extern "C" void gocoro_semaphore_acquire_async(gocoro_semaphore* s, uintptr_t handle)
{
    auto waiter = coro::detail::make_task_self_deleting(post_when_acquired(s, handle));
    waiter.handle().resume();
}

/// The result is a gocoro_acquire_result.
auto gocoro::semaphore_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    return emplace_await(
        storage,
        [&] { return static_cast<gocoro_semaphore*>(request.target)->sem.acquire(); },
        [](coro::semaphore::acquire_result r) -> int64_t
        { return r == coro::semaphore::acquire_result::acquired ? GOCORO_ACQUIRED : GOCORO_SEMAPHORE_STOPPED; });
}
