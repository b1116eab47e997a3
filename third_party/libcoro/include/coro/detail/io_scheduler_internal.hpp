#pragma once
// What the io_scheduler source files (src/io_scheduler*.cpp) share: not part of the API.

#include "coro/io_scheduler.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <poll.h>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

namespace coro::detail
{
/// Wakes epoll_wait on an eventfd (the shutdown, schedule and wake descriptors).
inline auto signal_fd(fd_t fd) noexcept -> void
{
    uint64_t              value{1};
    [[maybe_unused]] auto n = ::write(fd, &value, sizeof(value));
}

/// Millisecond tick a deadline belongs to, rounded up so a timer never fires early.
inline auto deadline_tick(time_point tp) noexcept -> int64_t
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
    return (ns + 999'999) / 1'000'000;
}

/// What a wait reports for the epoll (or, same bits on Linux, ::poll) events that ended it.
inline auto status_for(uint32_t flags) noexcept -> poll_status
{
    if ((flags & (EPOLLIN | EPOLLOUT)) != 0)
    {
        return poll_status::event;
    }
    if ((flags & EPOLLERR) != 0)
    {
        return poll_status::error;
    }
    if ((flags & (EPOLLRDHUP | EPOLLHUP)) != 0)
    {
        return poll_status::closed;
    }
    return poll_status::error; // POLLNVAL and anything unexpected
}
static_assert(
    POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLERR == EPOLLERR && POLLHUP == EPOLLHUP && POLLRDHUP == EPOLLRDHUP);

// Descriptor table geometry: 1024 pages of 1024 slots cover fd numbers below 2^20 (Linux's default
// fs.nr_open). Larger descriptors fall back to adding and removing the registration on every poll.
inline constexpr std::size_t fd_page_bits  = 10;
inline constexpr std::size_t fd_page_size  = std::size_t{1} << fd_page_bits;
inline constexpr std::size_t fd_page_count = 1024;
inline constexpr std::size_t fd_table_size = fd_page_size * fd_page_count;
} // namespace coro::detail

namespace coro
{
/// Registration state of one fd number. Guarded by its own spin lock, which the polling thread holds across
/// the epoll_ctl call so that the event thread never sees a half-done arm.
struct io_scheduler::fd_slot
{
    std::atomic<bool> m_locked{false};
    /// A poll is pending: its registration is armed and m_owner waits for it.
    bool m_armed{false};
    /// Probably registered with epoll (disarmed by EPOLLONESHOT when not armed). Only a hint: the kernel
    /// drops the registration by itself when the last reference to the open file is closed, and the number
    /// may then be reused by another file, so EPOLL_CTL_MOD may fail with ENOENT (and ADD with EEXIST).
    bool m_registered{false};
    /// Bumped by every registration (every arm of a one-shot one); part of the epoll token.
    uint32_t           m_gen{0};
    detail::poll_info* m_owner{nullptr};

    // Kept registrations (sockets polled through net::socket): registered once, edge-triggered for every event,
    // and valid while the number's close serial (coro/detail/fd_close_serial.hpp) still equals m_close_serial.
    // An edge-triggered registration reports each change once, so the slot remembers readiness that may still be
    // there: m_maybe, directions whose poll completed (the reader may not have drained them; note_drained clears
    // them), and m_unclaimed, events that came with no waiter for them. A poll that finds its bits set checks the
    // descriptor (::poll, timeout 0) before waiting; one that finds them clear waits with no system call at all.
    bool     m_kept{false};
    uint32_t m_close_serial{0};
    /// wake_poll() found no poll pending: the next one completes at once.
    bool     m_woken{false};
    uint32_t m_want{0};
    uint32_t m_maybe{0};
    uint32_t m_unclaimed{0};
    /// Events handled for this slot; tells a poll whether an edge came in while it was checking the descriptor.
    uint32_t m_handled{0};
    /// io_scheduler::m_event_batch when the pending kept poll armed.
    uint32_t m_armed_batch{0};

    auto lock() noexcept -> void
    {
        while (m_locked.exchange(true, std::memory_order_acquire))
        {
            // Only contended when two threads touch the same fd at once; the holder is inside one syscall.
            for (int spins = 0; m_locked.load(std::memory_order_relaxed); ++spins)
            {
                if (spins >= 64)
                {
                    std::this_thread::yield();
                    spins = 0;
                }
            }
        }
    }
    auto unlock() noexcept -> void { m_locked.store(false, std::memory_order_release); }
};

struct io_scheduler::fd_page
{
    std::array<fd_slot, detail::fd_page_size> m_slots{};
};

} // namespace coro
