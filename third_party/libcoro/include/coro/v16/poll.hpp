#pragma once

// libcoro v0.16 poll_status (which readiness was seen, plus `cancelled`) and the cancellable-poll pair
// poll_stop_source / poll_stop_token. Included by coro/poll.hpp; with LIBCORO_API_VERSION 1600
// coro::poll_status is coro::v16::poll_status.

#include "coro/api_version.hpp"
#include "coro/detail/pipe.hpp"
#include "coro/fd.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <unistd.h>

namespace coro
{
LIBCORO_INLINE_V16 namespace v16
{
    /// How a v0.16 poll finished. A ready descriptor reports `read` if it is readable, else `write`.
    enum class poll_status
    {
        read,
        write,
        timeout,
        error,
        closed,
        /// The poll's poll_stop_token was triggered first.
        cancelled
    };

    /// "read", "write", "timeout", "error", "closed", "cancelled" or "unknown".
    auto to_string(poll_status status) -> const std::string&;
} // namespace v16

/// Names the descriptor a cancellable poll also waits on: it becomes readable, and stays readable, once the
/// poll_stop_source it came from was signalled. Copies share that source's pipe, which must outlive them.
class poll_stop_token
{
public:
    explicit poll_stop_token(fd_t receiver) noexcept : m_receiver(receiver) {}

    [[nodiscard]] auto native_handle() const noexcept -> fd_t { return m_receiver; }

private:
    fd_t m_receiver;
};

/// Cancels polls: every scheduler::poll() given one of its tokens ends with poll_status::cancelled once
/// signal_stop() was called (at once for polls started afterwards). Move-only; owns a non-blocking pipe.
class poll_stop_source
{
public:
    /// Throws std::runtime_error if the pipe cannot be created.
    poll_stop_source() : m_state(std::make_unique<state>()) {}
    ~poll_stop_source() = default;

    poll_stop_source(const poll_stop_source&)                        = delete;
    poll_stop_source(poll_stop_source&&) noexcept                    = default;
    auto operator=(const poll_stop_source&) -> poll_stop_source&     = delete;
    auto operator=(poll_stop_source&&) noexcept -> poll_stop_source& = default;

    /// A token for the read end of the pipe; -1 for a moved-from source.
    [[nodiscard]] auto get_token() const noexcept -> poll_stop_token
    {
        return poll_stop_token{m_state ? m_state->m_pipe.read_fd() : -1};
    }

    /// Makes the token's descriptor readable for good. Only the first call writes (upstream writes on every call,
    /// which fills the pipe after enough calls); later calls do nothing. Does nothing on a moved-from source.
    auto signal_stop() noexcept -> void;

    /// Whether signal_stop() was called (gocoro extension).
    [[nodiscard]] auto stop_requested() const noexcept -> bool
    {
        return m_state && m_state->m_signalled.load(std::memory_order_acquire);
    }

private:
    /// Heap-held so that moving the source never changes the descriptors its tokens name.
    struct state
    {
        detail::pipe_t    m_pipe{};
        std::atomic<bool> m_signalled{false};
    };
    std::unique_ptr<state> m_state;
};
} // namespace coro
