#include "cshim/latch.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/io_scheduler.hpp"
#include "cshim/completion.h"
#include "cshim/io_scheduler.hpp"
#include "cshim/thread_pool.hpp"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/latch.hpp>

#include <atomic>
#include <cstdint>
#include <limits>
#include <new>

struct gocoro_latch
{
    explicit gocoro_latch(int64_t n) : count(n), latch(n > 0 ? 1 : 0) {}
    std::atomic<int64_t> count;
    coro::latch          latch;
};

namespace
{
auto post_when_ready(const gocoro_latch* l, uintptr_t handle) -> coro::task<void>
{
    co_await l->latch;
    gocoro_completion_post(handle, 0);
}

/// Completes the inner latch (it counts from 1, or starts ready); the counter is left alone.
auto release(gocoro_latch* l) -> void
{
    if (!l->latch.is_ready())
    {
        l->latch.count_down();
    }
}
} // namespace

extern "C" gocoro_latch* gocoro_latch_create(int64_t count)
{
    return new (std::nothrow) gocoro_latch(count);
}

extern "C" void gocoro_latch_destroy(gocoro_latch* l)
{
    if (l != nullptr)
    {
        release(l); // nothing waits any more (see the header): no step can come of it
        delete l;
    }
}

extern "C" int gocoro_latch_is_ready(const gocoro_latch* l)
{
    return l->latch.is_ready() ? 1 : 0;
}

extern "C" int64_t gocoro_latch_remaining(const gocoro_latch* l)
{
    return l->count.load(std::memory_order_acquire);
}

namespace
{
/// Subtracts n (saturating); true if this call brought the counter from above zero to zero or below.
auto count_down_saturating(gocoro_latch* l, int64_t n) -> bool
{
    int64_t old = l->count.load(std::memory_order_relaxed);
    int64_t next{};
    do
    {
        next = old < std::numeric_limits<int64_t>::min() + n ? std::numeric_limits<int64_t>::min() : old - n;
    } while (!l->count.compare_exchange_weak(old, next, std::memory_order_acq_rel, std::memory_order_relaxed));
    return old > 0 && next <= 0;
}

/// Counts down and, if that completes the latch, resumes its waiters through `resume` (inline, or handed to an
/// executor); a host task body reached inline is left in *steps.
template <typename resume_fn>
auto count_down_with(gocoro_latch* l, int64_t n, gocoro_step** steps, resume_fn resume) -> int
{
    *steps = nullptr;
    if (n < 0)
    {
        return GOCORO_EINVAL;
    }
    if (count_down_saturating(l, n))
    {
        gocoro::host_call scope;
        resume();
        *steps = scope.take();
    }
    return GOCORO_OK;
}

} // namespace

extern "C" int gocoro_latch_count_down(gocoro_latch* l, int64_t n, gocoro_step** steps)
{
    return count_down_with(l, n, steps, [l] { l->latch.count_down(); });
}

extern "C" int gocoro_latch_count_down_on(gocoro_latch* l, gocoro_thread_pool* tp, int64_t n, gocoro_step** steps)
{
    return count_down_with(l, n, steps, [l, tp] { l->latch.count_down(tp->pool); });
}

extern "C" int gocoro_latch_count_down_on_io(gocoro_latch* l, gocoro_io_scheduler* s, int64_t n, gocoro_step** steps)
{
    return count_down_with(
        l,
        n,
        steps,
        [l, s]
        {
            auto&& executor = gocoro::compat::resume_executor(*s->scheduler); // upstream drops waiters after shutdown
            l->latch.count_down(executor);
        });
}

extern "C" gocoro_step* gocoro_latch_release_all(gocoro_latch* l)
{
    gocoro::host_call scope;
    release(l);
    return scope.take();
}

extern "C" int gocoro_latch_wait_async(gocoro_latch* l, uintptr_t handle)
{
    if (l->latch.is_ready())
    {
        return 1;
    }
    auto waiter = coro::detail::make_task_self_deleting(post_when_ready(l, handle));
    waiter.handle().resume();
    return 0;
}

auto gocoro::latch_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    coro::latch& latch = static_cast<gocoro_latch*>(request.target)->latch;
    return emplace_await(storage, [&]() -> coro::latch& { return latch; });
}
