#include "cshim/latch.h"
#include "cshim/completion.h"
#include "cshim/latch.hpp"
#include "cshim/thread_pool.hpp"

#include <coro/detail/task_self_deleting.hpp>

#include <limits>
#include <new>

namespace
{
auto post_when_ready(const gocoro_latch* l, uintptr_t handle) -> coro::task<void>
{
    co_await l->latch;
    gocoro_completion_post(handle, 0);
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
        gocoro_latch_release_all(l);
        delete l;
    }
}

extern "C" int gocoro_latch_is_ready(const gocoro_latch* l)
{
    return l->latch.is_ready() ? 1 : 0;
}

extern "C" int64_t gocoro_latch_remaining(const gocoro_latch* l)
{
    return static_cast<int64_t>(l->latch.remaining());
}

extern "C" void gocoro_latch_count_down(gocoro_latch* l, int64_t n)
{
    l->latch.count_down(n);
}

extern "C" void gocoro_latch_count_down_on(gocoro_latch* l, gocoro_thread_pool* tp, int64_t n)
{
    l->latch.count_down(tp->pool, n);
}

extern "C" void gocoro_latch_release_all(gocoro_latch* l)
{
    if (!l->latch.is_ready())
    {
        // fetch_sub(max) always satisfies "previous <= n"; atomic signed arithmetic wraps, so this is defined.
        l->latch.count_down(std::numeric_limits<int64_t>::max());
    }
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
