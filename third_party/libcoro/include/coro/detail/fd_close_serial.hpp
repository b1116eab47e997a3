#pragma once

#include <atomic>
#include <cstdint>

namespace coro::detail
{
/// gocoro internals (not in libcoro): a process-wide count, per fd number, of how often net::socket closed it.
///
/// io_scheduler keeps a socket's epoll registration from one poll to the next (no epoll_ctl per poll). The kernel
/// drops a registration by itself when the file is closed, and the number may then be reused by a new socket that
/// was never registered; the scheduler tells the two apart by comparing this serial with the one it saw when it
/// registered. Only descriptors polled through a net::socket are kept registered, because only their closes are
/// counted. Thread-safe; the table covers fd numbers below 2^20 and never shrinks.
class fd_close_serial
{
public:
    /// The counter of `fd`, created on first use; nullptr for a number out of range (or out of memory).
    static auto counter(int fd) noexcept -> std::atomic<uint32_t>*;

    /// Counts a close of `fd` (net::socket::close calls it before and after ::close). No-op for numbers nobody
    /// registered.
    static auto note_close(int fd) noexcept -> void;

private:
    static auto lookup(int fd, bool create) noexcept -> std::atomic<uint32_t>*;
};
} // namespace coro::detail
