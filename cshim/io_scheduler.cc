#include "cshim/io_scheduler.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/io_scheduler.hpp"
#include "cshim/completion.h"
#include "cshim/io_scheduler.hpp"

#include <coro/detail/task_self_deleting.hpp>

#include <exception>
#include <new>

namespace
{
auto run_host_on_scheduler(uintptr_t handle) -> coro::task<void>
{
    gocoro::run_host(handle);
    co_return;
}
// Polls on behalf of a host waiter and posts the outcome (from the event thread: poll_notify); it owns nothing but
// a reference to the scheduler.
auto poll_for_host(coro::io_scheduler& s, int fd, coro::poll_op op, std::chrono::milliseconds timeout, uintptr_t handle)
    -> coro::task<void>
{
    int64_t result = -GOCORO_ESHUTDOWN;
    try
    {
        result = static_cast<int64_t>(co_await gocoro::compat::poll_notify(s, fd, op, timeout));
    }
    catch (...)
    {
        // poll throws once the scheduler has shut down; the host learns it from the result.
    }
    gocoro_completion_post(handle, result);
}
} // namespace

extern "C" gocoro_io_scheduler* gocoro_io_scheduler_create(const gocoro_io_scheduler_options* opts, gocoro_error* err)
{
    if (opts == nullptr)
    {
        gocoro::set_error(err, GOCORO_EINVAL, "io_scheduler: no options");
        return nullptr;
    }
    try
    {
        using sched = coro::io_scheduler;
        coro::thread_pool::options pool{};
        if (opts->pool_thread_count != 0)
        {
            pool.thread_count = opts->pool_thread_count;
        }
        else
        {
            const auto hw     = std::thread::hardware_concurrency();
            pool.thread_count = hw > 1 ? hw - 1 : 1;
        }
        // The wrapper exists first so that every thread of the scheduler can mark itself as its own.
        auto wrapper                 = std::make_unique<gocoro_io_scheduler>(nullptr);
        pool.on_thread_start_functor = gocoro::mark_start(wrapper.get(), opts->pool_thread_event_handle);
        pool.on_thread_stop_functor  = gocoro::mark_stop(opts->pool_thread_event_handle);
        auto io_start      = [start = gocoro::mark_start(wrapper.get(), opts->io_thread_event_handle)] { start(0); };
        auto io_stop       = [stop = gocoro::mark_stop(opts->io_thread_event_handle)] { stop(0); };
        wrapper->scheduler = sched::make_shared(sched::options{
            .thread_strategy =
                opts->thread_strategy == 1 ? sched::thread_strategy_t::manual : sched::thread_strategy_t::spawn,
            .on_io_thread_start_functor = std::move(io_start),
            .on_io_thread_stop_functor  = std::move(io_stop),
            .pool                       = std::move(pool),
            .execution_strategy         = opts->execution_strategy == 1
                                              ? sched::execution_strategy_t::process_tasks_inline
                                              : sched::execution_strategy_t::process_tasks_on_thread_pool});
        return wrapper.release();
    }
    catch (const std::bad_alloc&)
    {
        gocoro::set_error(err, GOCORO_ENOMEM, "io_scheduler: out of memory");
    }
    catch (const std::exception& e)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, e.what());
    }
    catch (...)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, "io_scheduler: unknown exception");
    }
    return nullptr;
}

extern "C" int gocoro_io_scheduler_spawn(gocoro_io_scheduler* s, uintptr_t handle)
{
    try
    {
        return s->scheduler->spawn(run_host_on_scheduler(handle)) ? GOCORO_OK : GOCORO_ESHUTDOWN;
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
    catch (...)
    {
        return GOCORO_ESHUTDOWN;
    }
}

extern "C" int gocoro_io_scheduler_poll(gocoro_io_scheduler* s, int fd, int op, int64_t timeout_ms, uintptr_t handle)
{
    try
    {
        auto waiter = coro::detail::make_task_self_deleting(
            poll_for_host(*s->scheduler, fd, static_cast<coro::poll_op>(op), gocoro::wait_ms(timeout_ms), handle));
        // Runs until the poll suspends (registered with epoll) or finishes; the frame frees itself afterwards.
        waiter.handle().resume();
        return GOCORO_OK;
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
}

extern "C" size_t gocoro_io_scheduler_process_events(gocoro_io_scheduler* s, int64_t timeout_ms)
{
    const gocoro::executor_thread_scope mark{s}; // tasks run right here, on the caller's thread
    return s->scheduler->process_events(std::chrono::milliseconds{timeout_ms});
}

extern "C" size_t gocoro_io_scheduler_size(const gocoro_io_scheduler* s)
{
    return s->scheduler->size();
}

extern "C" int gocoro_io_scheduler_on_own_thread(const gocoro_io_scheduler* s)
{
    return s != nullptr && gocoro::owning_executor() == s ? 1 : 0;
}

extern "C" void gocoro_io_scheduler_shutdown(gocoro_io_scheduler* s)
{
    gocoro::compat::shutdown_cancel_polls(*s->scheduler);
}

extern "C" void gocoro_io_scheduler_destroy(gocoro_io_scheduler* s)
{
    if (s != nullptr)
    {
        s->scheduler->shutdown();
        delete s;
    }
}

/// GOCORO_OP_IO_SCHEDULE, GOCORO_OP_IO_YIELD, GOCORO_OP_IO_YIELD_FOR and GOCORO_OP_IO_POLL (its result: the
/// coro::poll_status).
auto gocoro::io_scheduler_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    coro::io_scheduler& s = *static_cast<gocoro_io_scheduler*>(request.target)->scheduler;
    switch (request.kind)
    {
        case GOCORO_OP_IO_YIELD:
            return emplace_await(storage, [&] { return s.yield(); });
        case GOCORO_OP_IO_YIELD_FOR:
            // Through compat: under libcoro_external, Close must be able to end the timer (cshim/compat/io_scheduler.hpp).
            return emplace_await(storage, [&] { return compat::yield_for(s, wait_ms(request.arg)); });
        case GOCORO_OP_IO_POLL:
        {
            const auto events = static_cast<coro::poll_op>(request.arg2 & 0xff);
            return emplace_await(
                storage,
                [&]
                { return compat::poll(s, static_cast<coro::fd_t>(request.arg), events, wait_ms(request.arg2 >> 8)); },
                [](coro::poll_status status) { return static_cast<int64_t>(status); });
        }
        default:
            return emplace_await(storage, [&] { return s.schedule(); });
    }
}
