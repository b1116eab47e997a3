#include "cshim/queue.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/queue.hpp"
#include "cshim/pending.hpp"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/sync_wait.hpp>
#include <coro/task.hpp>

#include <cstdint>
#include <new>
#include <utility>

struct gocoro_queue
{
    gocoro::compat::queue queue;
};

namespace
{
using gocoro::compat::queue_consume_result;
using gocoro::compat::queue_produce_result;
using pop_result = coro::expected<uint64_t, queue_consume_result>;

/// An op's result for a pop: the id, or -1 when stopped.
auto pop_value(const pop_result& r) noexcept -> int64_t
{
    return r ? static_cast<int64_t>(*r) : -1;
}

auto finish_pop(gocoro::compat::queue& q, gocoro_pending* p) -> coro::task<void>
{
    auto r = co_await q.pop();
    p->complete(pop_value(r));
}
} // namespace

extern "C" gocoro_queue* gocoro_queue_create(void)
{
    return new (std::nothrow) gocoro_queue{};
}

extern "C" void gocoro_queue_destroy(gocoro_queue* q)
{
    delete q;
}

extern "C" size_t gocoro_queue_size(const gocoro_queue* q)
{
    return q->queue.size();
}

extern "C" int gocoro_queue_push(gocoro_queue* q, uint64_t id, gocoro_step** steps)
{
    gocoro::host_call scope;
    const auto        r = coro::sync_wait(q->queue.push(id));
    *steps              = scope.take();
    return r == queue_produce_result::produced ? GOCORO_QUEUE_DONE : GOCORO_QUEUE_STOPPED;
}

extern "C" int gocoro_queue_try_pop(gocoro_queue* q, uint64_t* id)
{
    auto r = q->queue.try_pop();
    if (r)
    {
        *id = *r;
        return GOCORO_QUEUE_DONE;
    }
    switch (r.error())
    {
        case queue_consume_result::stopped:
            return GOCORO_QUEUE_STOPPED;
        case queue_consume_result::try_lock_failure:
            return GOCORO_QUEUE_BUSY;
        default:
            return GOCORO_QUEUE_EMPTY;
    }
}

extern "C" int gocoro_queue_pop(gocoro_queue* q, uint64_t* id, gocoro_pending** pending)
{
    const int rc = gocoro_queue_try_pop(q, id);
    if (rc == GOCORO_QUEUE_DONE || rc == GOCORO_QUEUE_STOPPED)
    {
        return rc;
    }
    // Empty (or contended): a native pop waits in the queue; it may also finish at once, which bind then reports.
    auto* p      = new gocoro_pending{};
    auto  waiter = coro::detail::make_task_self_deleting(finish_pop(q->queue, p));
    waiter.handle().resume();
    *pending = p;
    return GOCORO_QUEUE_PENDING;
}

extern "C" gocoro_step* gocoro_queue_shutdown(gocoro_queue* q)
{
    gocoro::host_call scope;
    coro::sync_wait(q->queue.shutdown());
    return scope.take();
}

/// GOCORO_OP_QUEUE_POP: the id, or -1 when stopped.
auto gocoro::queue_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    auto& q = static_cast<gocoro_queue*>(request.target)->queue;
    return emplace_await(storage, [&] { return q.pop(); }, [](pop_result r) { return pop_value(r); });
}
