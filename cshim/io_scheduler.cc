#include "cshim/io_scheduler.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/io_scheduler.hpp"
#include "cshim/completion.h"
#include "cshim/io_scheduler.hpp"

#include <coro/detail/task_self_deleting.hpp>

#include <atomic>
#include <exception>
#include <new>
#include <optional>

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

#if GOCORO_CORE_EXTENSIONS
struct gocoro_poll_stop
{
    gocoro_io_scheduler*   s;
    coro::poll_stop_source source;
};

namespace
{
/// scheduler::poll with `stop`'s token, as the host's result (gocoro_io_scheduler_poll_stop).
auto poll_cancellable(gocoro_poll_stop& stop, int fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<int64_t>
{
    coro::v16::poll_status status{};
    try
    {
        // The awaits stay out of switch conditions and call arguments: g++ 12 miscompiled this coroutine with them
        // there (the poll never completed).
        status = co_await stop.s->face->poll(fd, op, timeout, stop.source.get_token());
    }
    catch (...)
    {
        // poll throws once the scheduler has shut down.
        co_return -GOCORO_ESHUTDOWN;
    }
    switch (status)
    {
        case coro::v16::poll_status::read:
        case coro::v16::poll_status::write:
            co_return static_cast<int64_t>(coro::v14::poll_status::event);
        case coro::v16::poll_status::timeout:
            co_return static_cast<int64_t>(coro::v14::poll_status::timeout);
        case coro::v16::poll_status::closed:
            co_return static_cast<int64_t>(coro::v14::poll_status::closed);
        case coro::v16::poll_status::cancelled:
            co_return GOCORO_POLL_CANCELLED;
        case coro::v16::poll_status::error:
            break;
    }
    co_return static_cast<int64_t>(coro::v14::poll_status::error);
}

auto poll_cancellable_for_host(
    gocoro_poll_stop&         stop,
    int                       fd,
    coro::poll_op             op,
    std::chrono::milliseconds timeout,
    uintptr_t                 handle) -> coro::task<void>
{
    const int64_t result = co_await poll_cancellable(stop, fd, op, timeout);
    gocoro_completion_post(handle, result);
}
} // namespace
#else
// Upstream v0.14 has no poll_stop_token: a cancellable poll is compat::poll_until_stopped, which looks at `stopped`
// between its slices (a cancellation takes effect within one slice, 100 ms).
struct gocoro_poll_stop
{
    gocoro_io_scheduler* s;
    std::atomic<bool>    stopped{false};
};

namespace
{
/// The host's result of a compat::poll_until_stopped outcome.
auto stop_result(const std::optional<coro::poll_status>& status) noexcept -> int64_t
{
    return status ? static_cast<int64_t>(*status) : int64_t{GOCORO_POLL_CANCELLED};
}

auto poll_cancellable_for_host(
    gocoro_poll_stop&         stop,
    int                       fd,
    coro::poll_op             op,
    std::chrono::milliseconds timeout,
    uintptr_t                 handle) -> coro::task<void>
{
    int64_t result = -GOCORO_ESHUTDOWN;
    try
    {
        const auto status =
            co_await gocoro::compat::poll_until_stopped(*stop.s->scheduler, fd, op, timeout, stop.stopped);
        result = stop_result(status);
    }
    catch (...)
    {
        // poll throws once the scheduler has shut down; the host learns it from the result.
    }
    gocoro_completion_post(handle, result);
}
} // namespace
#endif

extern "C" gocoro_poll_stop* gocoro_poll_stop_create(gocoro_io_scheduler* s, gocoro_error* err)
{
    try
    {
#if GOCORO_CORE_EXTENSIONS
        return new gocoro_poll_stop{.s = s, .source = {}};
#else
        return new gocoro_poll_stop{.s = s};
#endif
    }
    catch (const std::bad_alloc&)
    {
        gocoro::set_error(err, GOCORO_ENOMEM, "poll_stop_source: out of memory");
    }
    catch (const std::exception& e)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, e.what()); // the pipe: no descriptors left
    }
    return nullptr;
}

extern "C" void gocoro_poll_stop_signal(gocoro_poll_stop* stop)
{
#if GOCORO_CORE_EXTENSIONS
    stop->source.signal_stop();
#else
    stop->stopped.store(true, std::memory_order_release);
#endif
}

extern "C" void gocoro_poll_stop_destroy(gocoro_poll_stop* stop)
{
    delete stop;
}

extern "C" int
gocoro_io_scheduler_poll_stop(gocoro_poll_stop* stop, int fd, int op, int64_t timeout_ms, uintptr_t handle)
{
    try
    {
        auto waiter = coro::detail::make_task_self_deleting(
            poll_cancellable_for_host(*stop, fd, static_cast<coro::poll_op>(op), gocoro::wait_ms(timeout_ms), handle));
        // Runs until the poll suspends or finishes; the frame frees itself afterwards.
        waiter.handle().resume();
        return GOCORO_OK;
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
}

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
        auto       io_start = [start = gocoro::mark_start(wrapper.get(), opts->io_thread_event_handle)] { start(0); };
        auto       io_stop  = [stop = gocoro::mark_stop(opts->io_thread_event_handle)] { stop(0); };
        const auto thread_strategy =
            opts->thread_strategy == 1 ? sched::thread_strategy_t::manual : sched::thread_strategy_t::spawn;
        const auto execution_strategy = opts->execution_strategy == 1
                                            ? sched::execution_strategy_t::process_tasks_inline
                                            : sched::execution_strategy_t::process_tasks_on_thread_pool;
#if GOCORO_CORE_EXTENSIONS
        // Made through the v0.16 face, which owns the io_scheduler and adds the cancellable poll.
        wrapper->owned_face = coro::scheduler::make_unique(coro::scheduler::options{
            .thread_strategy            = thread_strategy,
            .on_io_thread_start_functor = std::move(io_start),
            .on_io_thread_stop_functor  = std::move(io_stop),
            .pool                       = std::move(pool),
            .execution_strategy         = execution_strategy});
        wrapper->face       = wrapper->owned_face.get();
        wrapper->scheduler  = wrapper->face->io();
#else
        wrapper->scheduler = sched::make_shared(sched::options{
            .thread_strategy            = thread_strategy,
            .on_io_thread_start_functor = std::move(io_start),
            .on_io_thread_stop_functor  = std::move(io_stop),
            .pool                       = std::move(pool),
            .execution_strategy         = execution_strategy});
#endif
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

/// GOCORO_OP_IO_SCHEDULE, GOCORO_OP_IO_YIELD, GOCORO_OP_IO_YIELD_FOR, GOCORO_OP_IO_POLL (its result: the
/// coro::poll_status) and GOCORO_OP_IO_POLL_STOP (see gocoro_io_scheduler_poll_stop).
auto gocoro::io_scheduler_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    if (request.kind == GOCORO_OP_IO_POLL_STOP)
    {
#if GOCORO_CORE_EXTENSIONS
        auto&      stop   = *static_cast<gocoro_poll_stop*>(request.target);
        const auto events = static_cast<coro::poll_op>(request.arg2 & 0xff);
        return emplace_await(
            storage,
            [&] { return poll_cancellable(stop, static_cast<int>(request.arg), events, wait_ms(request.arg2 >> 8)); },
            [](int64_t result) { return result; });
#else
        auto&      stop   = *static_cast<gocoro_poll_stop*>(request.target);
        const auto events = static_cast<coro::poll_op>(request.arg2 & 0xff);
        return emplace_await(
            storage,
            [&]
            {
                return compat::poll_until_stopped(
                    *stop.s->scheduler,
                    static_cast<int>(request.arg),
                    events,
                    wait_ms(request.arg2 >> 8),
                    stop.stopped);
            },
            stop_result);
#endif
    }
    coro::io_scheduler& s = *static_cast<gocoro_io_scheduler*>(request.target)->scheduler;
    switch (request.kind)
    {
        case GOCORO_OP_IO_YIELD:
            // Through compat: under libcoro_external, upstream drops a coroutine scheduled after shutdown.
            return emplace_await(storage, [&] { return compat::yield(s); });
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
            return emplace_await(storage, [&] { return compat::schedule(s); });
    }
}
