// io_scheduler's event loop: waiting in epoll_wait and dispatching what it reports (descriptor polls, timers, the
// inline run queue, wakes and cancellation), then resuming or handing off the waiters that became ready.
#include "coro/detail/io_scheduler_internal.hpp"
#include "coro/io_scheduler.hpp"

#include <algorithm>
#include <climits>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace coro
{
namespace
{
/// Event-thread yield before blocking (see spin_then_wait_for_events): a yield longer than slow_yield
/// switches yielding off for a back-off time between the two bounds.
constexpr auto slow_yield        = std::chrono::microseconds{1000};
constexpr auto min_yield_backoff = std::chrono::microseconds{1000};
constexpr auto max_yield_backoff = std::chrono::microseconds{1'000'000};

auto drain_fd(fd_t fd) noexcept -> void
{
    uint64_t              value{0};
    [[maybe_unused]] auto n = ::read(fd, &value, sizeof(value));
}
} // namespace

auto io_scheduler::process_events(std::chrono::milliseconds timeout) -> std::size_t
{
    if (m_opts.thread_strategy != thread_strategy_t::manual || m_processing.exchange(true, std::memory_order_acquire))
    {
        return size();
    }
    int timeout_ms = -1;
    if (timeout.count() >= 0)
    {
        timeout_ms = static_cast<int>(std::min<int64_t>(timeout.count(), INT_MAX));
    }
    process_events_execute(timeout_ms);
    m_processing.store(false, std::memory_order_release);
    return size();
}

auto io_scheduler::process_events_execute(int timeout_ms) -> void
{
    process_ready_events(wait_for_events(timeout_ms));
}

auto io_scheduler::spin_then_wait_for_events() -> int
{
    // Pool mode: when nothing is ready, first let the other runnable threads on this CPU (typically the pool
    // worker we just handed work to, or a connection's peer) run, then look again before blocking. Events
    // then arrive in larger batches and the event thread is not woken (a costly cross-CPU wake-up) for each.
    // A yield that takes over slow_yield means another busy process got the CPU for a whole time slice; then
    // yielding only slows us down, so it is switched off for a back-off that doubles while that keeps
    // happening. Inline mode gained nothing from yielding (measured), so it just blocks.
    if (m_thread_pool == nullptr)
    {
        return wait_for_events(-1);
    }
    const int count = wait_for_events(0);
    if (count > 0)
    {
        return count;
    }
    const auto now = clock::now();
    if (now >= m_yield_off_until)
    {
        std::this_thread::yield();
        const auto after = clock::now();
        if (after - now > slow_yield)
        {
            m_yield_backoff   = std::clamp(m_yield_backoff * 2, min_yield_backoff, max_yield_backoff);
            m_yield_off_until = after + m_yield_backoff;
            m_last_slow_yield = after;
        }
        else if (after - m_last_slow_yield > 16 * m_yield_backoff)
        {
            m_yield_backoff = std::chrono::microseconds{0}; // no slow yield for a long while
        }
        // Look again without blocking: a blocking wait costs one more system call here (see wait_for_events).
        const int later = wait_for_events(0);
        if (later > 0)
        {
            return later;
        }
    }
    return wait_for_events(-1);
}

auto io_scheduler::wait_for_events(int timeout_ms) -> int
{
    // Each batch is stamped before epoll_wait fetches it, so that claim_poll can tell which kept polls armed after
    // the fetch (their edge may be older than their own read: see claim_poll). In pool mode polls arm from other
    // threads at any time, so the thread blocks first without fetching (poll(2) on the epoll descriptor) and then
    // stamps and fetches; otherwise every poll that armed while it slept would look suspect. An inline scheduler's
    // own coroutines arm only between batches, so it blocks in epoll_wait directly.
    if (timeout_ms != 0 && m_thread_pool != nullptr)
    {
        pollfd pfd{.fd = m_epoll_fd, .events = POLLIN, .revents = 0};
        if (::poll(&pfd, 1, timeout_ms) <= 0)
        {
            return 0;
        }
        timeout_ms = 0;
    }
    // Only this thread writes it; seq_cst so that a poll arming after this store sees the new batch.
    m_event_batch.store(m_event_batch.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
    const int count = ::epoll_wait(m_epoll_fd, m_events.data(), static_cast<int>(m_events.size()), timeout_ms);
    return count > 0 ? count : 0;
}

auto io_scheduler::process_ready_events(int count) -> void
{
    epoll_event* events       = m_events.data();
    bool         timers_due   = false;
    bool         inline_queue = false;
    const auto   batch        = m_event_batch.load(std::memory_order_relaxed);
    for (int i = 0; i < count; ++i)
    {
        void* tag = events[i].data.ptr;
        if (tag == &m_timer_fd)
        {
            drain_fd(m_timer_fd);
            timers_due = true;
        }
        else if (tag == &m_schedule_fd)
        {
            drain_fd(m_schedule_fd);
            inline_queue = true;
        }
        else if (tag == &m_shutdown_fd)
        {
            drain_fd(m_shutdown_fd);
        }
        else
        {
            detail::poll_info* info{nullptr};
            const uint64_t     token = events[i].data.u64;
            uint32_t           flags = events[i].events;
            if ((token & 1U) != 0)
            {
                info = claim_poll(token, flags, batch);
                if (info == nullptr)
                {
                    continue; // a superseded registration
                }
            }
            else
            {
                info = static_cast<detail::poll_info*>(tag);
                if (info->m_processed)
                {
                    continue; // its timer already won in this round
                }
                ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
            }
            info->m_processed   = true;
            info->m_poll_status = detail::status_for(flags);
            if (info->m_has_timer)
            {
                std::lock_guard lk{m_timer_mutex};
                remove_timer_locked(*info);
            }
            make_ready(*info);
        }
    }

    if (timers_due)
    {
        collect_expired_timers();
    }
    if (m_wake_requested.exchange(false, std::memory_order_acq_rel))
    {
        complete_wakes();
    }
    hand_off_ready();
    if (inline_queue)
    {
        run_inline_queue();
    }
    if (!m_polls_cancelled && m_cancel_polls.load(std::memory_order_seq_cst))
    {
        m_polls_cancelled = true;
        cancel_pending_polls();
        cancel_pending_timers();
    }
}

auto io_scheduler::make_ready(detail::poll_info& info) -> void
{
    if (info.m_resume_here && m_thread_pool != nullptr)
    {
        m_ready_here.push_back(info.m_awaiting_coroutine);
        return;
    }
    m_ready.push_back(info.m_awaiting_coroutine);
}

auto io_scheduler::hand_off_ready() -> void
{
    // Resumed only after the whole round was collected: a resumed waiter's frame (holding its poll_info) may go.
    for (std::size_t i = 0; i < m_ready_here.size(); ++i)
    {
        m_ready_here[i].resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_ready_here.clear();
    const std::size_t count = m_ready.size();
    if (count == 0)
    {
        return;
    }
    if (m_thread_pool != nullptr)
    {
        // One locked batch into the pool; counted there before we stop counting it here.
        m_thread_pool->resume(m_ready);
        m_ready.clear();
        m_size.fetch_sub(count, std::memory_order_release);
        return;
    }
    for (std::size_t i = 0; i < count; ++i)
    {
        m_ready[i].resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_ready.clear();
}

} // namespace coro
