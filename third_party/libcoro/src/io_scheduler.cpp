// io_scheduler's lifetime: construction, the spawned event thread, shutdown and destruction, and the count of
// pending work that decides when it may stop. The event loop, scheduling, polls and timers have their own files.
#include "coro/io_scheduler.hpp"
#include "coro/detail/io_scheduler_internal.hpp"

#include <climits>
#include <new>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace coro
{
namespace
{
/// Scheduler whose event thread or pool worker this thread is (nullptr for other threads).
thread_local const io_scheduler* t_owner = nullptr;
/// Set by the destructor when it ran on the scheduler's own event thread, so the event loop knows the
/// object is gone and must return without touching it.
thread_local bool t_destroyed_on_io_thread = false;

constexpr int max_events = 128;

auto add_internal_fd(fd_t epoll_fd, fd_t fd, void* tag) -> void
{
    epoll_event ev{};
    ev.events   = EPOLLIN;
    ev.data.ptr = tag;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
        throw std::runtime_error("coro::io_scheduler: failed to register an internal descriptor with epoll");
    }
}
} // namespace

io_scheduler::io_scheduler(options&& opts, private_constructor) : m_opts(std::move(opts))
{
    m_epoll_fd    = ::epoll_create1(EPOLL_CLOEXEC);
    m_shutdown_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_timer_fd    = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    m_schedule_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll_fd < 0 || m_shutdown_fd < 0 || m_timer_fd < 0 || m_schedule_fd < 0)
    {
        for (fd_t fd : {m_epoll_fd, m_shutdown_fd, m_timer_fd, m_schedule_fd})
        {
            if (fd >= 0)
            {
                ::close(fd);
            }
        }
        throw std::runtime_error("coro::io_scheduler: failed to create epoll/eventfd/timerfd descriptors");
    }
    add_internal_fd(m_epoll_fd, m_shutdown_fd, &m_shutdown_fd);
    add_internal_fd(m_epoll_fd, m_timer_fd, &m_timer_fd);
    add_internal_fd(m_epoll_fd, m_schedule_fd, &m_schedule_fd);

    m_ready.reserve(max_events);
    m_ready_here.reserve(max_events);
    m_fd_pages = std::make_unique<std::atomic<fd_page*>[]>(detail::fd_page_count);

    if (m_opts.execution_strategy == execution_strategy_t::process_tasks_on_thread_pool)
    {
        thread_pool::options pool_opts    = m_opts.pool;
        auto                 user_start   = std::move(pool_opts.on_thread_start_functor);
        pool_opts.on_thread_start_functor = [this, user_start = std::move(user_start)](std::size_t i)
        {
            t_owner = this;
            if (user_start)
            {
                user_start(i);
            }
        };
        m_thread_pool = std::make_unique<thread_pool>(std::move(pool_opts));
    }
}

auto io_scheduler::make_shared(options opts) -> std::shared_ptr<io_scheduler>
{
    auto s = std::make_shared<io_scheduler>(std::move(opts), private_constructor{});
    if (s->m_opts.thread_strategy == thread_strategy_t::spawn)
    {
        s->m_io_thread = std::thread(&io_scheduler::io_thread_main, std::weak_ptr<io_scheduler>(s), s.get());
    }
    return s;
}

auto io_scheduler::io_thread_main(std::weak_ptr<io_scheduler> weak, io_scheduler* raw) -> void
{
    // `raw` is valid for as long as this thread runs: the destructor joins it (or, when the destructor runs
    // on this very thread, it tells us through t_destroyed_on_io_thread).
    t_owner = raw;
    if (raw->m_opts.on_io_thread_start_functor)
    {
        raw->m_opts.on_io_thread_start_functor();
    }

    // The loop never holds a strong reference while blocked in epoll_wait, so dropping the last user
    // reference runs the destructor on the dropping thread (it signals and joins us; `raw` stays valid
    // until we return). While resuming user code we do hold one, so the scheduler cannot die underneath
    // it; if that turns out to be the last reference, the destructor runs here at the release point,
    // drains the remaining work on this thread and detaches it.
    for (;;)
    {
        bool shutting_down{false};
        {
            auto self     = weak.lock();
            shutting_down = raw->m_shutdown_requested.load(std::memory_order_acquire);
            if (raw->m_abandon.load(std::memory_order_acquire) || (shutting_down && raw->seal_if_idle()))
            {
                if (self != nullptr && self.use_count() == 1)
                {
                    self.reset(); // last owner: the destructor finishes everything on this thread
                    return;
                }
                break;
            }
        }
        if (t_destroyed_on_io_thread)
        {
            return;
        }
        // Never block for long while shutting down: size() can drop to zero without any event.
        const int count = shutting_down ? raw->wait_for_events(1) : raw->spin_then_wait_for_events();
        {
            auto self = weak.lock();
            raw->process_ready_events(count);
        }
        if (t_destroyed_on_io_thread)
        {
            return; // the destructor already called the stop functor and detached us
        }
    }

    if (raw->m_opts.on_io_thread_stop_functor)
    {
        raw->m_opts.on_io_thread_stop_functor();
    }
    t_owner = nullptr;
}

auto io_scheduler::on_own_thread() const noexcept -> bool
{
    return t_owner == this;
}

io_scheduler::~io_scheduler()
{
    if (on_own_thread() && m_io_thread.joinable() && m_io_thread.get_id() == std::this_thread::get_id())
    {
        // The event loop released the last reference: finish the pending work right here, then detach.
        m_shutdown_requested.store(true, std::memory_order_release);
        while (!m_abandon.load(std::memory_order_acquire) && !seal_if_idle())
        {
            process_events_execute(1);
        }
        if (m_thread_pool != nullptr)
        {
            m_thread_pool->shutdown();
        }
        if (m_opts.on_io_thread_stop_functor)
        {
            m_opts.on_io_thread_stop_functor();
        }
        t_destroyed_on_io_thread = true;
        t_owner                  = nullptr;
        m_io_thread.detach();
    }
    else if (on_own_thread())
    {
        // Dropped from inside one of our own pool tasks: that task is still running, so nothing can be
        // drained or joined from here. Pending work is abandoned; the pool is torn down by a helper thread
        // once this worker returns.
        m_abandon.store(true, std::memory_order_release);
        m_shutdown_requested.store(true, std::memory_order_release);
        m_sealed.store(true, std::memory_order_seq_cst);
        if (m_io_thread.joinable())
        {
            detail::signal_fd(m_shutdown_fd);
            m_io_thread.join();
        }
        if (m_thread_pool != nullptr)
        {
            std::thread([pool = m_thread_pool.release()]() { delete pool; }).detach();
        }
    }
    else
    {
        shutdown();
    }

    for (fd_t fd : {m_epoll_fd, m_shutdown_fd, m_timer_fd, m_schedule_fd})
    {
        if (fd >= 0)
        {
            ::close(fd);
        }
    }
    // Closing the epoll descriptor dropped every registration; only the bookkeeping is left.
    for (std::size_t i = 0; i < detail::fd_page_count; ++i)
    {
        delete m_fd_pages[i].load(std::memory_order_acquire);
    }
}

auto io_scheduler::throw_if_stopped() const -> void
{
    if (m_stopped.load(std::memory_order_acquire))
    {
        throw_stopped();
    }
}

auto io_scheduler::throw_stopped() -> void
{
    throw std::runtime_error("coro::io_scheduler is shut down, unable to schedule new tasks.");
}

auto io_scheduler::throw_refused() const -> void
{
    if (m_shutdown_requested.load(std::memory_order_acquire) || m_stopped.load(std::memory_order_acquire))
    {
        throw_stopped();
    }
    throw std::bad_alloc();
}

auto io_scheduler::enter_size() noexcept -> bool
{
    m_size.fetch_add(1, std::memory_order_seq_cst);
    if (m_sealed.load(std::memory_order_seq_cst)) [[unlikely]]
    {
        m_size.fetch_sub(1, std::memory_order_release);
        return false;
    }
    return true;
}

auto io_scheduler::seal_if_idle() noexcept -> bool
{
    // The pool's count is read first: a task running there counts its next wait in m_size before the pool stops
    // counting it, so reading in this order never misses both.
    const auto pending = [this]
    {
        const std::size_t pool = m_thread_pool != nullptr ? m_thread_pool->size() : 0;
        return pool + m_size.load(std::memory_order_seq_cst);
    };
    if (pending() != 0)
    {
        return false;
    }
    m_sealed.store(true, std::memory_order_seq_cst);
    // An enter_size() that counted before the flag was set and missed it is seen here: keep processing for it.
    return pending() == 0;
}

auto io_scheduler::size() const noexcept -> std::size_t
{
    std::size_t own = m_size.load(std::memory_order_acquire);
    if (m_thread_pool != nullptr)
    {
        return own + m_thread_pool->size();
    }
    return own;
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::shutdown_cancel_polls() noexcept -> void
{
    m_cancel_polls.store(true, std::memory_order_seq_cst);
    if (m_opts.thread_strategy == thread_strategy_t::manual && !on_own_thread())
    {
        // Nobody else processes events: do one round here (it cancels the pending polls). A process_events()
        // blocked on another thread is woken and leaves, or does the round itself.
        while (m_processing.exchange(true, std::memory_order_acquire))
        {
            detail::signal_fd(m_shutdown_fd);
            std::this_thread::yield();
        }
        process_events_execute(0);
        m_processing.store(false, std::memory_order_release);
    }
    else
    {
        detail::signal_fd(m_shutdown_fd); // the event thread (or the running process_events) cancels them
    }
    shutdown();
}
#endif

auto io_scheduler::shutdown() noexcept -> void
{
    m_shutdown_requested.store(true, std::memory_order_release);
    if (on_own_thread())
    {
        // Called from one of our own tasks: it cannot wait for itself. The request is recorded; the event
        // loop exits once everything has drained, and the destructor finishes the job.
        detail::signal_fd(m_shutdown_fd);
        return;
    }
    std::lock_guard lk{m_shutdown_mutex};
    if (m_stopped.load(std::memory_order_acquire))
    {
        return;
    }
    if (m_io_thread.joinable())
    {
        detail::signal_fd(m_shutdown_fd);
        m_io_thread.join(); // it sealed the scheduler before leaving
    }
    else
    {
        m_sealed.store(true, std::memory_order_seq_cst); // manual mode: nothing processes events from here on
    }
    if (m_thread_pool != nullptr)
    {
        m_thread_pool->shutdown();
    }
    m_stopped.store(true, std::memory_order_release);
}

} // namespace coro
