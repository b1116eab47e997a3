// io_scheduler's descriptor polls: the fd registry (one slot per fd number, kept epoll registrations), arming
// and claiming polls, wakes, and cancelling the pending polls at shutdown.
#include "coro/detail/io_scheduler_internal.hpp"
#include "coro/io_scheduler.hpp"
#if GOCORO_CORE_EXTENSIONS
    #include "coro/detail/fd_close_serial.hpp"
#endif

#include <cerrno>
#include <new>
#include <poll.h>
#include <sys/epoll.h>

namespace coro
{
namespace
{
/// epoll data for a tracked descriptor: (generation, fd, 1). Bit 0 set tells it apart from the pointers used
/// for internal descriptors and untracked polls. A token whose generation is no longer current belongs to a
/// registration that was superseded (its fd number was closed and reused) and is ignored.
auto make_token(fd_t fd, uint32_t gen) noexcept -> uint64_t
{
    return (uint64_t{gen} << 32) | (static_cast<uint64_t>(fd) << 1) | 1U;
}

/// arm_poll() result: the descriptor is ready already; the poll's status is set and it does not wait.
constexpr int ready_now = -1;
/// arm_poll() result: shutdown_cancel_polls() was called; the poll completes at once with poll_status::closed.
constexpr int cancelled_now = -2;

/// Events a waiter always hears about, whatever it polls for.
constexpr uint32_t always_events = EPOLLERR | EPOLLHUP | EPOLLRDHUP;

/// Whether `fd` is ready for `want` (or hung up / failed) right now; a failed check counts as ready, so that the
/// waiter wakes and finds out itself.
auto still_ready(fd_t fd, uint32_t want) noexcept -> bool
{
    pollfd pfd{.fd = fd, .events = static_cast<short>(want | POLLRDHUP), .revents = 0};
    int    n = 0;
    do
    {
        n = ::poll(&pfd, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n != 0;
}
} // namespace

/// Registers the descriptor (and the optional timer) and suspends until the first of them fires.
class io_scheduler::poll_awaiter
{
public:
    poll_awaiter(io_scheduler& s, detail::poll_info& info, poll_op op, int64_t tick, bool socket) noexcept
        : m_scheduler(s), m_info(info), m_op(op), m_tick(tick), m_socket(socket)
    {
    }

    auto await_ready() const noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        m_info.m_awaiting_coroutine = awaiting_coroutine;
        m_info.m_has_timer          = m_tick >= 0;

        if (!m_scheduler.enter_size())
        {
            m_info.m_poll_status = poll_status::closed; // the scheduler stopped: nothing would wake this poll
            return false;
        }
        int err = 0;
        if (m_info.m_has_timer)
        {
            // Holding the timer lock across the registration keeps the timer from firing before the
            // descriptor is registered (the event thread needs the lock to expire or cancel timers).
            std::lock_guard lk{m_scheduler.m_timer_mutex};
            m_scheduler.add_timer_locked(m_info, m_tick);
            err = m_scheduler.arm_poll(m_info, m_op, m_socket);
            if (err != 0)
            {
                m_scheduler.remove_timer_locked(m_info);
            }
        }
        else
        {
            err = m_scheduler.arm_poll(m_info, m_op, m_socket);
        }
        if (err == 0)
        {
            return true; // from here on the frame belongs to the event thread
        }
        m_scheduler.m_size.fetch_sub(1, std::memory_order_release);
        if (err == ready_now)
        {
            return false; // m_poll_status is set
        }
        if (err == cancelled_now)
        {
            m_info.m_poll_status = poll_status::closed;
            return false;
        }
        // epoll refused the descriptor: EPERM means it is always ready (regular file, directory); anything
        // else (EBADF, EEXIST: already polled by another coroutine, ...) is reported as an error right away.
        m_info.m_poll_status = (err == EPERM) ? poll_status::event : poll_status::error;
        return false;
    }
    auto await_resume() const noexcept -> poll_status { return m_info.m_poll_status; }

private:
    io_scheduler&      m_scheduler;
    detail::poll_info& m_info;
    poll_op            m_op;
    int64_t            m_tick;
    bool               m_socket;
};

auto io_scheduler::poll(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? detail::deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, false};
}

auto io_scheduler::poll_socket(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? detail::deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, true};
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::poll_notify(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    info.m_resume_here = true;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? detail::deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, false};
}
#endif

auto io_scheduler::cancel_pending_polls() -> void
{
    // Runs once, on the thread processing events, after m_cancel_polls was set: a poll armed before a slot is
    // visited here is found armed; one that locks the slot afterwards sees the flag and does not wait. A page
    // created after the load below belongs to a poll whose seq_cst check of the flag comes after that page's
    // seq_cst installation, and so after this load, which follows our seq_cst read of the flag: it sees it.
    for (std::size_t p = 0; p < detail::fd_page_count; ++p)
    {
        fd_page* page = m_fd_pages[p].load(std::memory_order_seq_cst);
        if (page == nullptr)
        {
            continue;
        }
        for (std::size_t i = 0; i < detail::fd_page_size; ++i)
        {
            fd_slot&           slot = page->m_slots[i];
            detail::poll_info* info{nullptr};
            slot.lock();
            if (slot.m_armed)
            {
                info         = slot.m_owner;
                slot.m_armed = false;
                slot.m_owner = nullptr;
                if (!slot.m_kept)
                {
                    // A one-shot registration is still armed: remove it, as for a timed-out poll.
                    ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
                    slot.m_registered = false;
                }
            }
            slot.unlock();
            if (info == nullptr)
            {
                continue;
            }
            info->m_processed   = true;
            info->m_poll_status = poll_status::closed;
            if (info->m_has_timer)
            {
                std::lock_guard lk{m_timer_mutex};
                remove_timer_locked(*info);
            }
            make_ready(*info);
        }
    }
    hand_off_ready();
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::wake_poll(fd_t fd) -> void
{
    {
        std::lock_guard lk{m_wake_mutex};
        m_wake_fds.push_back(fd);
    }
    m_wake_requested.store(true, std::memory_order_release);
    detail::signal_fd(m_shutdown_fd); // only wakes epoll_wait; shutdown is a separate flag
}
#endif

auto io_scheduler::complete_wakes() -> void
{
    // On the thread processing events, like the completion of events and timers, so a waiter is never completed
    // twice: whoever disarms the slot under its lock owns the waiter.
    {
        std::lock_guard lk{m_wake_mutex};
        m_waking.swap(m_wake_fds);
    }
    for (fd_t fd : m_waking)
    {
        fd_slot* slot = fd_slot_for(fd, true);
        if (slot == nullptr)
        {
            continue; // untracked descriptors cannot be woken
        }
        detail::poll_info* info{nullptr};
        slot->lock();
        if (slot->m_armed)
        {
            info          = slot->m_owner;
            slot->m_armed = false;
            slot->m_owner = nullptr;
            if (!slot->m_kept)
            {
                ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
                slot->m_registered = false;
            }
        }
        else
        {
            slot->m_woken = true;
        }
        slot->unlock();
        if (info == nullptr)
        {
            continue;
        }
        info->m_processed   = true;
        info->m_poll_status = poll_status::event;
        if (info->m_has_timer)
        {
            std::lock_guard lk{m_timer_mutex};
            remove_timer_locked(*info);
        }
        make_ready(*info);
    }
    m_waking.clear();
}

auto io_scheduler::fd_slot_for(fd_t fd, bool create) noexcept -> fd_slot*
{
    if (fd < 0 || static_cast<std::size_t>(fd) >= detail::fd_table_size)
    {
        return nullptr;
    }
    auto&    entry = m_fd_pages[static_cast<std::size_t>(fd) >> detail::fd_page_bits];
    fd_page* page  = entry.load(std::memory_order_acquire);
    if (page == nullptr)
    {
        if (!create)
        {
            return nullptr;
        }
        auto* fresh = new (std::nothrow) fd_page{};
        if (fresh == nullptr)
        {
            return nullptr; // untracked: falls back to add/remove per poll
        }
        // seq_cst: pairs with cancel_pending_polls(), which must either see this page or be seen by arm_poll's
        // check of m_cancel_polls.
        if (entry.compare_exchange_strong(page, fresh, std::memory_order_seq_cst, std::memory_order_acquire))
        {
            page = fresh;
        }
        else
        {
            delete fresh; // another thread installed it first; `page` holds theirs
        }
    }
    return &page->m_slots[static_cast<std::size_t>(fd) & (detail::fd_page_size - 1)];
}

auto io_scheduler::arm_poll(detail::poll_info& info, poll_op op, bool socket) noexcept -> int
{
    epoll_event ev{};
    ev.events = static_cast<uint32_t>(op) | EPOLLONESHOT | EPOLLRDHUP;

    fd_slot* slot = fd_slot_for(info.m_fd, true);
    if (slot == nullptr)
    {
        // Untracked (invalid or huge fd): register for this poll only; the event thread removes it again. Not
        // cancelled by shutdown_cancel_polls() once registered (only refused after it).
        if (m_cancel_polls.load(std::memory_order_seq_cst))
        {
            return cancelled_now;
        }
        ev.data.ptr = &info;
        return ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, info.m_fd, &ev) == 0 ? 0 : errno;
    }

    slot->lock();
    // Checked under the slot lock, which cancel_pending_polls() also takes: either it finds this poll armed or
    // this poll sees the flag (see cancel_pending_polls for slots on a page it did not find).
    if (m_cancel_polls.load(std::memory_order_seq_cst))
    {
        slot->unlock();
        return cancelled_now;
    }
    if (slot->m_woken)
    {
        slot->m_woken = false;
        slot->unlock();
        info.m_poll_status = poll_status::event;
        return ready_now;
    }
    std::atomic<uint32_t>* close_serial{nullptr};
    if (slot->m_kept || socket)
    {
#if GOCORO_CORE_EXTENSIONS
        close_serial = detail::fd_close_serial::counter(info.m_fd); // created before it is read: see its header
#endif
    }
    if (slot->m_kept)
    {
        if (close_serial != nullptr && close_serial->load(std::memory_order_acquire) == slot->m_close_serial)
        {
            return arm_kept(*slot, info, op); // the same open socket: its registration is still there
        }
        // The socket was closed since: the kernel dropped its registration, and whatever file has the number now
        // was never registered. A waiter left on the old registration (its socket closed under it) can only end by
        // its timeout, as with one-shot registrations below.
        slot->m_kept       = false;
        slot->m_registered = false;
    }

    uint32_t seen_serial = 0;
    if (socket && close_serial != nullptr)
    {
        seen_serial = close_serial->load(std::memory_order_acquire);
        ev.events   = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    }
    else
    {
        socket = false;
    }
    const uint32_t gen = slot->m_gen + 1;
    ev.data.u64        = make_token(info.m_fd, gen);
    info.m_poll_gen    = gen;
    int rc             = 0;
    int err            = 0;
    if (slot->m_armed)
    {
        // Another poll is pending on this fd number. If it is the same open file epoll refuses the ADD with
        // EEXIST (the caller fails fast, as before). If the ADD succeeds, the number was closed and reused
        // for another file while that poll waited: this poll takes the slot over, and the stale
        // registration's token no longer matches (its waiter can only finish by its timeout).
        rc  = ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, info.m_fd, &ev);
        err = errno;
    }
    else
    {
        int ctl = slot->m_registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        rc      = ::epoll_ctl(m_epoll_fd, ctl, info.m_fd, &ev);
        err     = errno;
        if (rc != 0 && ((ctl == EPOLL_CTL_MOD && err == ENOENT) || (ctl == EPOLL_CTL_ADD && err == EEXIST)))
        {
            // The hint was wrong: the file went away (and maybe the number was reused), or a registration
            // left by an earlier file with this number is still there.
            ctl = (ctl == EPOLL_CTL_MOD) ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
            rc  = ::epoll_ctl(m_epoll_fd, ctl, info.m_fd, &ev);
            err = errno;
        }
    }
    if (rc == 0)
    {
        slot->m_gen        = gen;
        slot->m_armed      = true;
        slot->m_registered = true;
        slot->m_owner      = &info;
        slot->m_kept       = socket;
        if (socket)
        {
            // A fresh edge-triggered registration reports the current readiness by itself.
            slot->m_close_serial = seen_serial;
            slot->m_want         = static_cast<uint32_t>(op);
            slot->m_maybe        = 0;
            slot->m_unclaimed    = 0;
        }
    }
    else if (!slot->m_armed)
    {
        slot->m_registered = false;
        slot->m_kept       = false;
    }
    slot->unlock();
    return rc == 0 ? 0 : err;
}

auto io_scheduler::arm_kept(fd_slot& slot, detail::poll_info& info, poll_op op) noexcept -> int
{
    // Called with slot locked; unlocks it.
    const uint32_t want     = static_cast<uint32_t>(op);
    const uint32_t relevant = want | always_events;
    for (;;)
    {
        if (m_cancel_polls.load(std::memory_order_seq_cst))
        {
            slot.unlock(); // checked under the lock each round: see arm_poll
            return cancelled_now;
        }
        if (slot.m_armed)
        {
            slot.unlock();
            return EEXIST; // another coroutine is polling this socket (as epoll would say for a second ADD)
        }
        if (((slot.m_maybe | slot.m_unclaimed) & relevant) == 0)
        {
            // Nothing pending that the registration has not reported: the next edge completes this wait.
            slot.m_armed       = true;
            slot.m_owner       = &info;
            slot.m_want        = want;
            slot.m_armed_batch = m_event_batch.load(std::memory_order_seq_cst);
            info.m_poll_gen    = slot.m_gen;
            slot.unlock();
            return 0;
        }
        const uint32_t handled = slot.m_handled;
        slot.unlock();
        pollfd    pfd{.fd = info.m_fd, .events = static_cast<short>(want | POLLRDHUP), .revents = 0};
        const int n = ::poll(&pfd, 1, 0);
        if (n > 0)
        {
            info.m_poll_status = detail::status_for(static_cast<uint16_t>(pfd.revents));
            return ready_now; // the bits stay: after this read there may still be more
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != ENOMEM)
        {
            info.m_poll_status = poll_status::error;
            return ready_now;
        }
        slot.lock();
        if (n == 0 && slot.m_handled == handled)
        {
            slot.m_maybe &= ~relevant;
            slot.m_unclaimed &= ~relevant;
        }
        // Otherwise an edge came in while we looked (or the check failed for a moment): look again.
    }
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::note_drained(fd_t fd, coro::poll_op op) noexcept -> void
{
    fd_slot* slot = fd_slot_for(fd, false);
    if (slot == nullptr)
    {
        return;
    }
    slot->lock();
    if (slot->m_kept)
    {
        // Only m_maybe: an edge that came with no waiter (m_unclaimed) may be newer than the caller's look.
        slot->m_maybe &= ~static_cast<uint32_t>(op);
    }
    slot->unlock();
}
#endif

auto io_scheduler::claim_poll(uint64_t token, uint32_t& flags, uint32_t batch) noexcept -> detail::poll_info*
{
    const auto         fd   = static_cast<fd_t>((token & 0xffff'ffffU) >> 1);
    const auto         gen  = static_cast<uint32_t>(token >> 32);
    fd_slot*           slot = fd_slot_for(fd, false);
    detail::poll_info* info{nullptr};
    if (slot == nullptr)
    {
        return nullptr;
    }
    slot->lock();
    if (slot->m_gen != gen)
    {
        // A superseded registration.
    }
    else if (slot->m_kept)
    {
        ++slot->m_handled;
        uint32_t relevant = slot->m_armed ? flags & (slot->m_want | always_events) : 0;
        if (relevant != 0 && slot->m_armed_batch == batch && !still_ready(fd, slot->m_want))
        {
            // The waiter armed after this batch was stamped, so maybe after it was fetched: the edge may stand
            // for data its own read took before it armed. Nothing is there now, so it waits for the next edge.
            slot->m_unclaimed |= flags & ~relevant;
            relevant = 0;
        }
        else if (relevant != 0)
        {
            info          = slot->m_owner;
            slot->m_armed = false;
            slot->m_owner = nullptr;
            slot->m_maybe |= relevant;
            slot->m_unclaimed |= flags & ~relevant;
            flags = relevant;
        }
        else
        {
            slot->m_unclaimed |= flags; // nobody waits for this: the next poll for it checks first
        }
    }
    else if (slot->m_armed)
    {
        // EPOLLONESHOT disarmed the registration; it stays in epoll for the next poll's EPOLL_CTL_MOD.
        info          = slot->m_owner;
        slot->m_armed = false;
        slot->m_owner = nullptr;
    }
    slot->unlock();
    return info;
}

auto io_scheduler::disarm_timed_out_poll(detail::poll_info& info) noexcept -> void
{
    fd_slot* slot = fd_slot_for(info.m_fd, false);
    if (slot == nullptr)
    {
        ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info.m_fd, nullptr);
        return;
    }
    slot->lock();
    if (slot->m_armed && slot->m_gen == info.m_poll_gen && slot->m_owner == &info)
    {
        if (slot->m_kept)
        {
            // The registration stays; only the waiter leaves.
            slot->m_armed = false;
            slot->m_owner = nullptr;
        }
        else
        {
            // Still armed: remove it (a MOD to no events would still report EPOLLERR/EPOLLHUP).
            ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info.m_fd, nullptr);
            slot->m_armed      = false;
            slot->m_registered = false;
            slot->m_owner      = nullptr;
        }
    }
    // Otherwise the slot was taken over by a poll on a reused fd number; that registration is not ours.
    slot->unlock();
}

} // namespace coro
