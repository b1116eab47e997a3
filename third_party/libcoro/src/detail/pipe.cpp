#include "coro/detail/pipe.hpp"

#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <utility>

namespace coro::detail
{
namespace
{
auto dup_or_throw(fd_t fd) -> fd_t
{
    if (fd < 0)
    {
        return -1;
    }
    fd_t copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
    {
        throw std::runtime_error("coro::detail::pipe_t: dup failed, errno " + std::to_string(errno));
    }
    return copy;
}
} // namespace

pipe_t::pipe_t()
{
    if (::pipe2(m_fds, O_NONBLOCK | O_CLOEXEC) != 0)
    {
        throw std::runtime_error("coro::detail::pipe_t: pipe failed, errno " + std::to_string(errno));
    }
}

pipe_t::~pipe_t()
{
    close();
}

pipe_t::pipe_t(const pipe_t& other)
{
    m_fds[0] = dup_or_throw(other.m_fds[0]);
    try
    {
        m_fds[1] = dup_or_throw(other.m_fds[1]);
    }
    catch (...)
    {
        close();
        throw;
    }
}

pipe_t::pipe_t(pipe_t&& other) noexcept : m_fds{std::exchange(other.m_fds[0], -1), std::exchange(other.m_fds[1], -1)} {}

auto pipe_t::operator=(const pipe_t& other) -> pipe_t&
{
    if (this != &other)
    {
        pipe_t copy{other};
        *this = std::move(copy);
    }
    return *this;
}

auto pipe_t::operator=(pipe_t&& other) noexcept -> pipe_t&
{
    if (this != &other)
    {
        close();
        m_fds[0] = std::exchange(other.m_fds[0], -1);
        m_fds[1] = std::exchange(other.m_fds[1], -1);
    }
    return *this;
}

auto pipe_t::write(const void* bytes, std::size_t n) -> long
{
    return ::write(m_fds[1], bytes, n);
}

auto pipe_t::read(void* buffer, std::size_t n) -> long
{
    return ::read(m_fds[0], buffer, n);
}

auto pipe_t::close() -> void
{
    for (fd_t& fd : m_fds)
    {
        if (fd >= 0)
        {
            ::close(fd);
            fd = -1;
        }
    }
}
} // namespace coro::detail
