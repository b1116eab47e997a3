// io_scheduler's timers: schedule_after/at and yield_for/until, the timer map of per-millisecond buckets behind
// one timerfd, expiring them and cancelling them at shutdown.
#include "coro/detail/io_scheduler_internal.hpp"
#include "coro/io_scheduler.hpp"

#include <climits>
#include <sys/timerfd.h>

namespace coro
{
namespace
{
constexpr std::size_t max_free_buckets = 64;

/// Where cancel_timer() moves a timer: a tick that is always due and that no real deadline has.
constexpr int64_t cancelled_tick = 0;

/// The tick that has fully started at `tp` (rounded down).
auto current_tick(time_point tp) noexcept -> int64_t
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
    return ns / 1'000'000;
}
} // namespace

/// Suspends until its timer fires. The wait record lives inside the awaiter (in the coroutine frame).
class io_scheduler::timer_awaiter
{
public:
    timer_awaiter(io_scheduler& s, int64_t tick, detail::timer_cancel* cancel = nullptr) noexcept
        : m_scheduler(s), m_tick(tick), m_cancel(cancel)
    {
    }

    auto await_ready() const noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        m_info.m_awaiting_coroutine = awaiting_coroutine;
        m_info.m_has_timer          = true;
        if (!m_scheduler.enter_size())
        {
            m_info.m_poll_status = poll_status::closed; // the scheduler stopped: await_resume throws
            return false;
        }
        std::lock_guard lk{m_scheduler.m_timer_mutex};
        // Checked under the timer lock, which cancel_pending_timers() takes after reading the flag: either it
        // finds this timer or this timer sees the flag.
        if (m_scheduler.m_cancel_polls.load(std::memory_order_seq_cst))
        {
            m_scheduler.m_size.fetch_sub(1, std::memory_order_release);
            m_info.m_poll_status = poll_status::closed;
            return false;
        }
        if (m_cancel != nullptr)
        {
            if (m_cancel->m_cancelled)
            {
                m_scheduler.m_size.fetch_sub(1, std::memory_order_release);
                return false; // cancel_timer() came first: continue at once
            }
            m_cancel->m_info = &m_info;
            m_cancel->m_tick = m_tick;
        }
        m_scheduler.add_timer_locked(m_info, m_tick);
        return true; // the event thread may resume (and free) our frame as soon as the lock is released
    }
    /// A timer cancelled by shutdown_cancel_polls() (or refused after shutdown) throws; one that fired (or was
    /// cancelled through cancel_timer()) returns.
    auto await_resume() const -> void
    {
        if (m_cancel != nullptr)
        {
            // Before the frame can go: cancel_timer() must not find this wait any more.
            std::lock_guard lk{m_scheduler.m_timer_mutex};
            m_cancel->m_info = nullptr;
        }
        if (m_info.m_poll_status == poll_status::closed)
        {
            throw_stopped();
        }
    }

private:
    io_scheduler&         m_scheduler;
    int64_t               m_tick;
    detail::timer_cancel* m_cancel;
    detail::poll_info     m_info{};
};

auto io_scheduler::schedule_after(std::chrono::milliseconds amount) -> coro::task<void>
{
    return yield_for(amount);
}

auto io_scheduler::schedule_at(time_point time) -> coro::task<void>
{
    return yield_until(time);
}

auto io_scheduler::yield_for(std::chrono::milliseconds amount) -> coro::task<void>
{
    if (amount <= std::chrono::milliseconds{0})
    {
        co_await schedule();
        co_return;
    }
    throw_if_stopped();
    co_await timer_awaiter{*this, detail::deadline_tick(clock::now() + amount)};
    co_return;
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::yield_for_cancellable(std::chrono::milliseconds amount, detail::timer_cancel& cancel)
    -> coro::task<void>
{
    if (amount <= std::chrono::milliseconds{0})
    {
        co_await schedule();
        co_return;
    }
    throw_if_stopped();
    co_await timer_awaiter{*this, detail::deadline_tick(clock::now() + amount), &cancel};
    co_return;
}

auto io_scheduler::cancel_timer(detail::timer_cancel& cancel) noexcept -> void
{
    std::lock_guard lk{m_timer_mutex};
    if (cancel.m_cancelled)
    {
        return;
    }
    cancel.m_cancelled = true;
    if (cancel.m_info == nullptr)
    {
        return; // not registered yet (it will not wait), or already resumed
    }
    // Only a bucket still in the map may be touched: the event thread walks the buckets it took out (due, or all of
    // them at shutdown) without the lock. A bucket of the timer's tick in the map is the timer's own: once a tick's
    // bucket is taken out as due, every later timer gets a later tick, and cancelled timers move to tick 0 only.
    auto it = m_timers.find(cancel.m_tick);
    if (it == m_timers.end() || cancel.m_tick == cancelled_tick)
    {
        return; // firing right now anyway
    }
    remove_timer_locked(*cancel.m_info);
    cancel.m_tick = cancelled_tick;
    add_timer_locked(*cancel.m_info, cancelled_tick); // long due: the timerfd fires at once
}
#endif

auto io_scheduler::yield_until(time_point time) -> coro::task<void>
{
    if (time <= clock::now())
    {
        co_await schedule();
        co_return;
    }
    throw_if_stopped();
    co_await timer_awaiter{*this, detail::deadline_tick(time)};
    co_return;
}

auto io_scheduler::cancel_pending_timers() -> void
{
    // Runs once, after cancel_pending_polls() (which already took the timers of the polls it found). A timer
    // registered later sees m_cancel_polls under the timer lock (timer_awaiter, arm_poll) and does not wait.
    std::vector<timer_map::node_type> buckets;
    {
        std::lock_guard lk{m_timer_mutex};
        while (!m_timers.empty())
        {
            buckets.push_back(m_timers.extract(m_timers.begin()));
        }
    }
    for (auto& node : buckets)
    {
        for (detail::poll_info* info = node.mapped().m_head; info != nullptr;)
        {
            detail::poll_info* next = info->m_timer_next;
            info->m_timer_bucket    = nullptr;
            info->m_timer_prev      = nullptr;
            info->m_timer_next      = nullptr;
            info->m_processed       = true;
            info->m_poll_status     = poll_status::closed;
            if (info->m_fd != -1)
            {
                disarm_timed_out_poll(*info); // a poll with a timeout whose descriptor is not in the table
            }
            make_ready(*info);
            info = next;
        }
    }
    hand_off_ready();
}

auto io_scheduler::add_timer_locked(detail::poll_info& info, int64_t tick) -> void
{
    detail::timer_bucket* bucket{nullptr};
    if (!m_timers.empty() && m_timers.rbegin()->first == tick)
    {
        bucket = &m_timers.rbegin()->second; // the common case: same tick as the latest timer
    }
    else if (auto it = m_timers.find(tick); it != m_timers.end())
    {
        bucket = &it->second;
    }
    else if (!m_free_buckets.empty())
    {
        auto node = std::move(m_free_buckets.back());
        m_free_buckets.pop_back();
        node.key()    = tick;
        node.mapped() = detail::timer_bucket{.m_tick = tick};
        bucket        = &m_timers.insert(std::move(node)).position->second;
    }
    else
    {
        bucket = &m_timers.emplace(tick, detail::timer_bucket{.m_tick = tick}).first->second;
    }

    info.m_timer_bucket = bucket;
    info.m_timer_next   = nullptr;
    info.m_timer_prev   = bucket->m_tail;
    if (bucket->m_tail != nullptr)
    {
        bucket->m_tail->m_timer_next = &info;
    }
    else
    {
        bucket->m_head = &info;
    }
    bucket->m_tail = &info;

    if (tick < m_armed_tick)
    {
        arm_timer_locked(tick);
    }
}

auto io_scheduler::remove_timer_locked(detail::poll_info& info) noexcept -> void
{
    detail::timer_bucket* bucket = info.m_timer_bucket;
    if (bucket == nullptr)
    {
        return;
    }
    if (info.m_timer_prev != nullptr)
    {
        info.m_timer_prev->m_timer_next = info.m_timer_next;
    }
    else
    {
        bucket->m_head = info.m_timer_next;
    }
    if (info.m_timer_next != nullptr)
    {
        info.m_timer_next->m_timer_prev = info.m_timer_prev;
    }
    else
    {
        bucket->m_tail = info.m_timer_prev;
    }
    info.m_timer_bucket = nullptr;
    info.m_timer_prev   = nullptr;
    info.m_timer_next   = nullptr;

    if (bucket->m_head == nullptr)
    {
        // Empty bucket: recycle its map node. The timerfd may stay armed for it; that only costs one
        // spurious wake-up.
        if (auto it = m_timers.find(bucket->m_tick); it != m_timers.end() && &it->second == bucket)
        {
            auto node = m_timers.extract(it);
            if (m_free_buckets.size() < max_free_buckets)
            {
                m_free_buckets.push_back(std::move(node));
            }
        }
    }
}

auto io_scheduler::arm_timer_locked(int64_t tick) noexcept -> void
{
    itimerspec spec{};
    spec.it_value.tv_sec  = static_cast<time_t>(tick / 1000);
    spec.it_value.tv_nsec = static_cast<long>((tick % 1000) * 1'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
    {
        spec.it_value.tv_nsec = 1; // all-zero would disarm
    }
    ::timerfd_settime(m_timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
    m_armed_tick = tick;
}

auto io_scheduler::collect_expired_timers() -> void
{
    const int64_t now = current_tick(clock::now());
    {
        // Only unhook the due buckets under the lock; walking them (one cache miss per waiting frame) happens
        // outside it so registering threads are not held up. Nobody else can touch an unhooked bucket: its
        // entries are only ever cancelled by this (the event-processing) thread.
        std::lock_guard lk{m_timer_mutex};
        for (auto& node : m_due_buckets)
        {
            if (m_free_buckets.size() < max_free_buckets)
            {
                m_free_buckets.push_back(std::move(node));
            }
        }
        m_due_buckets.clear();
        while (!m_timers.empty() && m_timers.begin()->first <= now)
        {
            m_due_buckets.push_back(m_timers.extract(m_timers.begin()));
        }
        // The timerfd fired (it is one-shot), so nothing is armed any more.
        m_armed_tick = INT64_MAX;
        if (!m_timers.empty())
        {
            arm_timer_locked(m_timers.begin()->first);
        }
    }

    for (auto& node : m_due_buckets)
    {
        detail::timer_bucket& bucket = node.mapped();
        for (detail::poll_info* info = bucket.m_head; info != nullptr;)
        {
            detail::poll_info* next = info->m_timer_next;
            info->m_timer_bucket    = nullptr;
            info->m_timer_prev      = nullptr;
            info->m_timer_next      = nullptr;
            info->m_processed       = true;
            info->m_poll_status     = poll_status::timeout;
            if (info->m_fd != -1)
            {
                disarm_timed_out_poll(*info);
            }
            make_ready(*info);
            info = next;
        }
        bucket = detail::timer_bucket{};
    }
}

} // namespace coro
