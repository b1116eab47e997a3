#pragma once

// A timer for coro::io_notifier (libcoro v0.16, D24): a non-blocking, close-on-exec timerfd on CLOCK_MONOTONIC,
// registered with one notifier (edge-triggered, for the timer's lifetime) under a caller-chosen tag.

#include "coro/fd.hpp"

namespace coro::detail
{
class io_notifier_epoll;

class timer_handle
{
public:
    /// Creates the timerfd (disarmed) and registers it with `notifier` under `timer_handle_ptr`; arm it with
    /// notifier.watch_timer(). Throws std::runtime_error if either step fails. The notifier must outlive it.
    timer_handle(const void* timer_handle_ptr, io_notifier_epoll& notifier);
    /// Closes the timerfd, which also ends its registration.
    ~timer_handle();

    timer_handle(const timer_handle&)                    = delete;
    timer_handle(timer_handle&&)                         = delete;
    auto operator=(const timer_handle&) -> timer_handle& = delete;
    auto operator=(timer_handle&&) -> timer_handle&      = delete;

    [[nodiscard]] auto get_fd() const noexcept -> fd_t { return m_fd; }
    /// The tag its events are reported under.
    [[nodiscard]] auto get_inner() const noexcept -> const void* { return m_tag; }

private:
    const void* m_tag;
    fd_t        m_fd{-1};
};
} // namespace coro::detail
