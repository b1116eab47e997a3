#pragma once

#include "coro/fd.hpp"

#include <cstddef>

namespace coro::detail
{
/// A non-blocking, close-on-exec ::pipe() pair owned as a value (libcoro v0.16 detail::pipe_t). Copies dup()
/// both ends; a moved-from pipe holds -1 for both.
class pipe_t
{
public:
    /// Throws std::runtime_error if the pipe cannot be created.
    explicit pipe_t();
    ~pipe_t();

    pipe_t(const pipe_t& other);
    pipe_t(pipe_t&& other) noexcept;
    /// Closes this pipe's ends, then dup()s `other`'s (upstream leaks the old ends; closing them is the fix).
    auto operator=(const pipe_t& other) -> pipe_t&;
    auto operator=(pipe_t&& other) noexcept -> pipe_t&;

    [[nodiscard]] auto read_fd() const -> const fd_t& { return m_fds[0]; }
    [[nodiscard]] auto write_fd() const -> const fd_t& { return m_fds[1]; }

    /// ::write() on the write end: bytes written, or -1 with errno set (EAGAIN when the pipe is full).
    [[nodiscard]] auto write(const void* bytes, std::size_t n) -> long;
    /// ::read() on the read end: bytes read, 0 once the write end is closed and drained, or -1 with errno set.
    [[nodiscard]] auto read(void* buffer, std::size_t n) -> long;

    /// Closes both ends (idempotent).
    auto close() -> void;

private:
    fd_t m_fds[2]{-1, -1};
};
} // namespace coro::detail
