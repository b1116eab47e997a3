#include "cshim/event.h"
#include "cshim/callback.hpp"
#include "cshim/event.hpp"
#include "cshim/io_scheduler.hpp"
#include "cshim/thread_pool.hpp"

#include <new>

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

extern "C" int gocoro_event_is_set(const gocoro_event* e)
{
    return e->event.is_set() ? 1 : 0;
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
    e->event.set(*s->scheduler, fifo ? coro::resume_order_policy::fifo : coro::resume_order_policy::lifo);
    return scope.take();
}

extern "C" void gocoro_event_reset(gocoro_event* e)
{
    e->event.reset();
}
