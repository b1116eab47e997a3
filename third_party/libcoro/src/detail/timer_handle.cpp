#include "coro/detail/timer_handle.hpp"
#include "coro/detail/io_notifier_epoll.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <sys/timerfd.h>
#include <unistd.h>

namespace coro::detail
{
timer_handle::timer_handle(const void* timer_handle_ptr, io_notifier_epoll& notifier)
    : m_tag(timer_handle_ptr), m_fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC))
{
    if (m_fd < 0)
    {
        throw std::runtime_error("coro::detail::timer_handle: timerfd_create failed, errno " + std::to_string(errno));
    }
    // Kept and edge-triggered: each expiry is one edge (re-arming resets the timerfd's count), never drained.
    if (!notifier.watch(m_fd, coro::poll_op::read, const_cast<void*>(timer_handle_ptr), true))
    {
        const int err = errno;
        ::close(m_fd);
        throw std::runtime_error("coro::detail::timer_handle: registration failed, errno " + std::to_string(err));
    }
}

timer_handle::~timer_handle()
{
    ::close(m_fd);
}
} // namespace coro::detail
