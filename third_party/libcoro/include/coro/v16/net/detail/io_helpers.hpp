#pragma once

// Shared by the v0.16 net classes' sources (not part of the public API): deadlines of operations that may poll more
// than once and telling the scheduler that a socket was found drained.

#include "coro/gocoro_extensions.hpp"
#include "coro/net/socket.hpp"
#include "coro/poll.hpp"
#include "coro/scheduler.hpp"

#include <chrono>
#include <optional>

namespace coro::net::detail
{
/// A timeout (0 = none) as one deadline for an operation that may poll several times (read_exact / write_all, and
/// a poll that said ready when the call then would block).
class deadline
{
public:
    explicit deadline(std::chrono::milliseconds timeout)
        : m_has(timeout > std::chrono::milliseconds{0}),
          m_at(m_has ? std::chrono::steady_clock::now() + timeout : std::chrono::steady_clock::time_point{})
    {
    }

    /// What is left for the next poll: nullopt once the deadline passed, 0 (= no timeout) when there is none.
    /// Rounded up, so a step never gives up before the deadline.
    [[nodiscard]] auto left() const -> std::optional<std::chrono::milliseconds>
    {
        if (!m_has)
        {
            return std::chrono::milliseconds{0};
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(m_at - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds{0})
        {
            return std::nullopt;
        }
        return left;
    }

private:
    bool                                  m_has;
    std::chrono::steady_clock::time_point m_at;
};

/// io_scheduler::note_drained for `sock` (a no-op without the core's extensions): the next poll can wait for the
/// kernel's next readiness edge directly.
inline auto note_drained(coro::scheduler& scheduler, const net::socket& sock, coro::poll_op op) noexcept -> void
{
#if GOCORO_CORE_EXTENSIONS
    scheduler.note_drained(sock.native_handle(), op);
#else
    (void)scheduler;
    (void)sock;
    (void)op;
#endif
}
} // namespace coro::net::detail
