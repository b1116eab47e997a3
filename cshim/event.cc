#include "cshim/event.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/io_scheduler.hpp"
#include "cshim/io_scheduler.hpp"
#include "cshim/thread_pool.hpp"

#include <coro/event.hpp>

#include <new>

struct gocoro_event
{
    explicit gocoro_event(bool initially_set) : event(initially_set) {}
    coro::event event;
};

extern "C" gocoro_event* gocoro_event_create(int initially_set)
{
    return new (std::nothrow) gocoro_event(initially_set != 0);
}

extern "C" void gocoro_event_destroy(gocoro_event* e)
{
    if (e != nullptr)
    {
        e->event.set();
        delete e;
    }
}

extern "C" gocoro_step* gocoro_event_set(gocoro_event* e, int fifo)
{
    gocoro::host_call scope;
    e->event.set(fifo ? coro::resume_order_policy::fifo : coro::resume_order_policy::lifo);
    return scope.take();
}

extern "C" gocoro_step* gocoro_event_set_on(gocoro_event* e, gocoro_thread_pool* tp, int fifo)
{
    gocoro::host_call scope; // a waiter the pool refuses (it shut down) is resumed inline
    e->event.set(tp->pool, fifo ? coro::resume_order_policy::fifo : coro::resume_order_policy::lifo);
    return scope.take();
}

extern "C" gocoro_step* gocoro_event_set_on_io(gocoro_event* e, gocoro_io_scheduler* s, int fifo)
{
    gocoro::host_call scope;
    auto&& executor = gocoro::compat::resume_executor(*s->scheduler); // upstream drops waiters after shutdown
    e->event.set(executor, fifo ? coro::resume_order_policy::fifo : coro::resume_order_policy::lifo);
    return scope.take();
}

extern "C" void gocoro_event_reset(gocoro_event* e)
{
    e->event.reset();
}

auto gocoro::event_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    coro::event& event = static_cast<gocoro_event*>(request.target)->event;
    return emplace_await(storage, [&]() -> coro::event& { return event; });
}
