#include "coro/scheduler.hpp"
#include "coro/detail/v16_poll_status.hpp"

#include <array>
#include <cerrno>
#include <poll.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <unistd.h>

namespace coro::detail
{
/// Owns the private epoll instance of one cancellable scheduler::poll() (named, not file-local: it lives in the
/// coroutine frame, whose type has external linkage).
class scheduler_poll_pair
{
public:
    scheduler_poll_pair() noexcept : m_fd(::epoll_create1(EPOLL_CLOEXEC)) {}
    ~scheduler_poll_pair()
    {
        if (m_fd >= 0)
        {
            ::close(m_fd);
        }
    }
    scheduler_poll_pair(const scheduler_poll_pair&)                    = delete;
    auto operator=(const scheduler_poll_pair&) -> scheduler_poll_pair& = delete;

    [[nodiscard]] auto fd() const noexcept -> fd_t { return m_fd; }

    /// Level-triggered registration, so the instance stays readable while the descriptor is ready. 0 or errno.
    auto add(fd_t fd, uint32_t events, uint32_t tag) noexcept -> int
    {
        epoll_event ev{};
        ev.events   = events;
        ev.data.u32 = tag;
        return ::epoll_ctl(m_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
    }

private:
    fd_t m_fd;
};

namespace
{
/// The v0.16 result for a descriptor found ready by a v0.14 poll (poll_status::event): for read_write, look
/// which readiness is there now (readable wins, as in upstream's mapping of the epoll bits).
auto v16_ready_status(fd_t fd, poll_op op) noexcept -> v16::poll_status
{
    if (op == poll_op::read)
    {
        return v16::poll_status::read;
    }
    if (op == poll_op::write)
    {
        return v16::poll_status::write;
    }
    pollfd pfd{.fd = fd, .events = POLLIN | POLLOUT, .revents = 0};
    if (::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) == 0 && (pfd.revents & POLLOUT) != 0)
    {
        return v16::poll_status::write;
    }
    return v16::poll_status::read; // readable, or the readiness is gone again: a read will tell
}
} // namespace

auto v16_status(fd_t fd, poll_op op, v14::poll_status status) noexcept -> v16::poll_status
{
    switch (status)
    {
        case v14::poll_status::event:
            return v16_ready_status(fd, op);
        case v14::poll_status::timeout:
            return v16::poll_status::timeout;
        case v14::poll_status::error:
            return v16::poll_status::error;
        case v14::poll_status::closed:
            return v16::poll_status::closed;
    }
    return v16::poll_status::error;
}

auto v16_status_for_events(uint32_t events) noexcept -> v16::poll_status
{
    if ((events & EPOLLIN) != 0)
    {
        return v16::poll_status::read;
    }
    if ((events & EPOLLOUT) != 0)
    {
        return v16::poll_status::write;
    }
    if ((events & EPOLLERR) != 0)
    {
        return v16::poll_status::error;
    }
    if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0)
    {
        return v16::poll_status::closed;
    }
    return v16::poll_status::error;
}
} // namespace coro::detail

namespace coro
{
namespace
{
constexpr uint32_t poll_pair_main  = 0;
constexpr uint32_t poll_pair_token = 1;
} // namespace

scheduler::scheduler(options&& opts, private_constructor)
    : m_io(io_scheduler::make_shared(io_scheduler::options{
          .thread_strategy            = opts.thread_strategy,
          .on_io_thread_start_functor = std::move(opts.on_io_thread_start_functor),
          .on_io_thread_stop_functor  = std::move(opts.on_io_thread_stop_functor),
          .pool                       = std::move(opts.pool),
          .execution_strategy         = opts.execution_strategy}))
{
}

auto scheduler::make_unique() -> std::unique_ptr<scheduler>
{
    return make_unique(options{});
}

auto scheduler::make_unique(options opts) -> std::unique_ptr<scheduler>
{
    return std::make_unique<scheduler>(std::move(opts), private_constructor{});
}

#if GOCORO_CORE_EXTENSIONS
scheduler::scheduler(std::shared_ptr<io_scheduler> io, private_constructor) : m_io(std::move(io)), m_borrowed(true)
{
    if (m_io == nullptr)
    {
        throw std::runtime_error{"coro::scheduler::adopt: io_scheduler cannot be nullptr"};
    }
}

auto scheduler::adopt(std::shared_ptr<io_scheduler> io) -> std::unique_ptr<scheduler>
{
    return std::make_unique<scheduler>(std::move(io), private_constructor{});
}
#endif

scheduler::~scheduler()
{
    // Synchronously, while this object is alive: tasks still running may refer to it. The io_scheduler itself
    // goes when the last reference does (its event thread may briefly hold one). A borrowed one is its owner's.
    if (!m_borrowed)
    {
        shutdown();
    }
}

auto scheduler::process_events(std::chrono::milliseconds timeout) -> std::size_t
{
    return m_io->process_events(timeout);
}

auto scheduler::shutdown() noexcept -> void
{
    m_shutdown_requested.store(true, std::memory_order_release);
    m_io->shutdown();
}

auto scheduler::yield_for_ns(std::chrono::nanoseconds amount) -> coro::task<void>
{
    if (amount <= std::chrono::nanoseconds{0})
    {
        co_await schedule();
        co_return;
    }
    // Rounded up: never earlier than asked.
    co_await m_io->yield_for(std::chrono::ceil<std::chrono::milliseconds>(amount));
}

auto scheduler::poll(
    fd_t                           fd,
    coro::poll_op                  op,
    std::chrono::milliseconds      timeout,
    std::optional<poll_stop_token> cancel_trigger) -> coro::task<coro::v16::poll_status>
{
    if (!cancel_trigger.has_value())
    {
        co_return detail::v16_status(fd, op, co_await m_io->poll(fd, op, timeout));
    }

    // Waiting for the descriptor or the token: both go into a private epoll instance, and the scheduler polls
    // that instance like any descriptor (epoll instances nest). So the one event loop does the waiting, the
    // registration of `fd` ends with this poll whichever side wins, and any number of polls can share a token.
    detail::scheduler_poll_pair pair{};
    if (pair.fd() < 0)
    {
        co_return v16::poll_status::error;
    }
    if (pair.add(cancel_trigger->native_handle(), EPOLLIN, poll_pair_token) != 0)
    {
        co_return v16::poll_status::error;
    }
    if (int err = pair.add(fd, static_cast<uint32_t>(op) | EPOLLRDHUP, poll_pair_main); err != 0)
    {
        // EPERM: a regular file or directory, always ready (as io_scheduler::poll reports it).
        co_return err == EPERM ? (poll_op_readable(op) ? v16::poll_status::read : v16::poll_status::write)
                               : v16::poll_status::error;
    }

    const bool has_deadline = timeout > std::chrono::milliseconds{0};
    const auto deadline     = clock::now() + timeout;
    while (true)
    {
        auto remaining = std::chrono::milliseconds{0};
        if (has_deadline)
        {
            remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            if (remaining <= std::chrono::milliseconds{0})
            {
                co_return v16::poll_status::timeout;
            }
        }
        const auto status = co_await m_io->poll(pair.fd(), poll_op::read, remaining);
        if (status == v14::poll_status::timeout)
        {
            co_return v16::poll_status::timeout;
        }
        if (status != v14::poll_status::event)
        {
            co_return v16::poll_status::error;
        }

        std::array<epoll_event, 2>      events{};
        const int                       n = ::epoll_wait(pair.fd(), events.data(), static_cast<int>(events.size()), 0);
        std::optional<v16::poll_status> result;
        for (int i = 0; i < n; ++i)
        {
            if (events[i].data.u32 == poll_pair_token)
            {
                // A stop request wins over readiness: the token stays triggered, so a loop that polls until it
                // is cancelled ends even while data keeps arriving.
                co_return v16::poll_status::cancelled;
            }
            result = detail::v16_status_for_events(events[i].events);
        }
        if (result.has_value())
        {
            co_return *result;
        }
        // The readiness went away before we looked (another reader drained it): wait again.
    }
}

} // namespace coro
