#include "coro/detail/io_notifier_epoll.hpp"
#include "coro/detail/timer_handle.hpp"
#include "coro/detail/v16_poll_status.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace coro::detail
{
namespace
{
// The epoll user data is the tag pointer with three flags in its top bits, which user-space pointers never use on
// Linux (the address space ends far below 2^61): no alignment is asked of tags.
constexpr uint64_t flag_keep   = uint64_t{1} << 63;
constexpr uint64_t flag_cancel = uint64_t{1} << 62;
constexpr uint64_t flag_paired = uint64_t{1} << 61; // registered by watch(poll_info&)
constexpr uint64_t flag_mask   = flag_keep | flag_cancel | flag_paired;

auto pack(const void* tag, uint64_t flags) noexcept -> uint64_t
{
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(tag)) | flags;
}

auto tag_of(uint64_t data) noexcept -> void*
{
    return reinterpret_cast<void*>(static_cast<uintptr_t>(data & ~flag_mask));
}

/// ADD, or MOD when the descriptor is still registered from an earlier one-shot watch (disarmed, not removed).
auto add_or_rearm(fd_t epoll_fd, fd_t fd, uint32_t events, uint64_t data) noexcept -> bool
{
    epoll_event ev{};
    ev.events   = events;
    ev.data.u64 = data;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0)
    {
        return true;
    }
    return errno == EEXIST && ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev) == 0;
}

auto add_only(fd_t epoll_fd, fd_t fd, uint32_t events, uint64_t data) noexcept -> bool
{
    epoll_event ev{};
    ev.events   = events;
    ev.data.u64 = data;
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

auto remove(fd_t epoll_fd, fd_t fd) noexcept -> bool
{
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr) == 0;
}

/// One-shot unless kept (then edge-triggered); peer hang-up is always asked for.
auto events_for(coro::poll_op op, bool keep) noexcept -> uint32_t
{
    return static_cast<uint32_t>(op) | EPOLLRDHUP | (keep ? EPOLLET : EPOLLONESHOT);
}

auto arm(fd_t timer_fd, std::chrono::nanoseconds duration) noexcept -> bool
{
    // A zero it_value disarms a timerfd: a due (or overdue) timer fires after 1 ns instead.
    const auto        ns = std::max(duration.count(), std::chrono::nanoseconds::rep{1});
    itimerspec        spec{};
    constexpr int64_t per_second = 1'000'000'000;
    spec.it_value.tv_sec         = static_cast<time_t>(ns / per_second);
    spec.it_value.tv_nsec        = static_cast<long>(ns % per_second);
    return ::timerfd_settime(timer_fd, 0, &spec, nullptr) == 0;
}
} // namespace

io_notifier_epoll::io_notifier_epoll() : m_fd(::epoll_create1(EPOLL_CLOEXEC))
{
    if (m_fd < 0)
    {
        throw std::runtime_error("coro::io_notifier: epoll_create1 failed, errno " + std::to_string(errno));
    }
}

io_notifier_epoll::~io_notifier_epoll()
{
    ::close(m_fd);
}

auto io_notifier_epoll::watch_timer(const timer_handle& timer, std::chrono::nanoseconds duration) -> bool
{
    return arm(timer.get_fd(), duration);
}

auto io_notifier_epoll::watch(fd_t fd, coro::poll_op op, void* data, bool keep, bool is_cancel_event) -> bool
{
    if ((reinterpret_cast<uintptr_t>(data) & flag_mask) != 0)
    {
        errno = EINVAL;
        return false;
    }
    const uint64_t flags = (keep ? flag_keep : 0) | (is_cancel_event ? flag_cancel : 0);
    return add_or_rearm(m_fd, fd, events_for(op, keep), pack(data, flags));
}

auto io_notifier_epoll::watch(poll_info& pi) -> bool
{
    // Plain ADD: next_events removes both registrations of a reported poll_info, so an EEXIST here means the
    // descriptor (or the token) is being watched by another poll, which must not be overwritten.
    if (!add_only(m_fd, pi.m_fd, events_for(pi.m_op, false), pack(&pi, flag_paired)))
    {
        return false;
    }
    if (pi.m_cancel_trigger.has_value() && !add_only(
                                               m_fd,
                                               pi.m_cancel_trigger->native_handle(),
                                               events_for(coro::poll_op::read, false),
                                               pack(&pi, flag_paired | flag_cancel)))
    {
        const int err = errno;
        remove(m_fd, pi.m_fd);
        errno = err;
        return false;
    }
    return true;
}

auto io_notifier_epoll::unwatch(fd_t fd, coro::poll_op /*op*/) -> bool
{
    return remove(m_fd, fd);
}

auto io_notifier_epoll::unwatch(poll_info& pi) -> bool
{
    const bool removed = remove(m_fd, pi.m_fd);
    if (pi.m_cancel_trigger.has_value())
    {
        remove(m_fd, pi.m_cancel_trigger->native_handle());
    }
    return removed;
}

auto io_notifier_epoll::unwatch_timer(const timer_handle& timer) -> bool
{
    const itimerspec disarm{};
    return ::timerfd_settime(timer.get_fd(), 0, &disarm, nullptr) == 0;
}

auto io_notifier_epoll::next_events(
    std::vector<std::pair<poll_info*, coro::v16::poll_status>>& out,
    std::chrono::milliseconds                                   timeout) -> void
{
    std::array<epoll_event, max_events> events{};
    const auto                          wait_ms = timeout.count() < 0 ? -1
                                                                      : static_cast<int>(std::min<std::chrono::milliseconds::rep>(
                                                   timeout.count(), std::numeric_limits<int>::max()));
    const int                           n       = ::epoll_wait(m_fd, events.data(), max_events, wait_ms);
    // poll_infos reported in this round: their other registration may have fired in the same round.
    std::array<poll_info*, max_events> reported{};
    std::size_t                        reported_count = 0;
    for (int i = 0; i < n; ++i)
    {
        const uint64_t data = events[i].data.u64;
        auto*          tag  = static_cast<poll_info*>(tag_of(data));
        const auto     status =
            (data & flag_cancel) != 0 ? coro::v16::poll_status::cancelled : v16_status_for_events(events[i].events);
        if ((data & flag_paired) != 0)
        {
            const auto end = reported.begin() + static_cast<std::ptrdiff_t>(reported_count);
            if (std::find(reported.begin(), end, tag) != end)
            {
                continue;
            }
            reported[reported_count++] = tag;
            // Both registrations go before the caller sees the poll_info (which may then end): a later event of the
            // other one would name a dead poll_info.
            remove(m_fd, tag->m_fd);
            if (tag->m_cancel_trigger.has_value())
            {
                remove(m_fd, tag->m_cancel_trigger->native_handle());
            }
        }
        out.emplace_back(tag, status);
    }
}
} // namespace coro::detail
