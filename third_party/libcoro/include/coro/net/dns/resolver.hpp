#pragma once

#include "coro/concepts/executor.hpp"
#include "coro/event.hpp"
#include "coro/fd.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/mutex.hpp"
#include "coro/net/hostname.hpp"
#include "coro/net/ip_address.hpp"
#include "coro/poll.hpp"
#include "coro/task.hpp"

#include <ares.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace coro::net::dns
{
/// What a resolver can run on: a v0.14 io executor (io_scheduler, held by shared_ptr) or a v0.16 one
/// (coro::scheduler, held by the caller's unique_ptr). One resolver template serves both API versions (D33).
template <typename executor_type>
concept resolver_executor = concepts::io_exceutor<executor_type> || concepts::io_executor<executor_type>;

template <resolver_executor executor_type>
class resolver;

enum class status
{
    /// At least one lookup produced addresses.
    complete,
    /// No lookup produced an address (unknown name, no reachable server, timeout).
    error
};

namespace detail
{
/// What the c-ares callbacks fill in for one host_by_name() call.
struct lookup_state
{
    uint64_t                           m_pending{0};
    bool                               m_any_success{false};
    std::vector<coro::net::ip_address> m_ip_addresses{};
};

/// The non-template part of a resolver: one c-ares channel whose sockets are collected in a private epoll
/// descriptor, so the executor only ever polls that single descriptor. c-ares library initialisation is
/// reference counted across all resolvers. Not thread-safe; resolver serialises its use.
class ares_channel_driver
{
public:
    explicit ares_channel_driver(std::chrono::milliseconds timeout);
    ares_channel_driver(const ares_channel_driver&)                    = delete;
    ares_channel_driver(ares_channel_driver&&)                         = delete;
    auto operator=(const ares_channel_driver&) -> ares_channel_driver& = delete;
    auto operator=(ares_channel_driver&&) -> ares_channel_driver&      = delete;
    ~ares_channel_driver();

    /// Starts the IPv4 and IPv6 lookups (answers from /etc/hosts may complete before this returns).
    auto start(const std::string& name, lookup_state& state) -> void;
    /// How long to wait for socket activity before c-ares needs to handle a timeout (at least 1 ms).
    auto next_wait(std::chrono::milliseconds cap) -> std::chrono::milliseconds;
    /// Lets c-ares read/write whatever is ready and handle expired timeouts.
    auto process() -> void;
    /// Fails every outstanding lookup (their callbacks run before this returns).
    auto cancel() -> void;
    /// Makes poll_fd() readable for good, from any thread (wakes a lookup waiting on it).
    auto wake() noexcept -> void;
#if GOCORO_CORE_EXTENSIONS
    /// Uses these servers ("host:port,..." as ares_set_servers_ports_csv) instead of /etc/resolv.conf's.
    auto set_servers(const std::string& csv) -> void;
#endif
    /// Readable whenever one of the c-ares sockets is ready, or after wake().
    auto poll_fd() const -> fd_t { return m_epoll_fd; }

private:
    static auto on_socket_state(void* data, ares_socket_t fd, int readable, int writable) -> void;

    ares_channel m_channel{nullptr};
    fd_t         m_epoll_fd{-1};
    fd_t         m_wake_fd{-1};
};
} // namespace detail

/// Outcome of one host_by_name() call.
template <resolver_executor executor_type>
class result
{
public:
    result(executor_type& executor, coro::event& resume, uint64_t pending_dns_requests)
        : m_executor(executor), m_resume(resume)
    {
        m_state.m_pending = pending_dns_requests;
    }
    /// v0.16 spelling (D33). std::runtime_error for a null executor.
    result(std::unique_ptr<executor_type>& executor, coro::event& resume, uint64_t pending_dns_requests)
        : result(checked(executor), resume, pending_dns_requests)
    {
    }
    ~result() = default;

    /// complete if any lookup produced an address (libcoro v0.14 reported the last callback's outcome).
    auto status() const -> dns::status { return m_state.m_any_success ? dns::status::complete : dns::status::error; }
    /// IPv4 addresses first (when both lookups succeed), then IPv6, in the order c-ares returned them.
    auto ip_addresses() const -> const std::vector<coro::net::ip_address>& { return m_state.m_ip_addresses; }

private:
    static auto checked(std::unique_ptr<executor_type>& executor) -> executor_type&
    {
        if (executor == nullptr)
        {
            throw std::runtime_error{"coro::net::dns::result: executor cannot be nullptr"};
        }
        return *executor;
    }

    friend resolver<executor_type>;
    executor_type&       m_executor;
    coro::event&         m_resume;
    detail::lookup_state m_state{};
};

/// Asynchronous host name resolution over c-ares, driven by an io executor's poll(). Lookups on one
/// resolver are serialised; use several resolvers for parallel lookups.
template <resolver_executor executor_type>
class resolver
{
public:
    /// Each lookup gives up after `timeout` in total. Throws std::runtime_error for a null executor or if
    /// c-ares cannot be initialised.
    explicit resolver(std::shared_ptr<executor_type> executor, std::chrono::milliseconds timeout)
        : m_owner(std::move(executor)), m_executor(m_owner.get()), m_timeout(timeout)
    {
        init();
    }
    /// v0.16 (D33): the executor stays owned by the caller's unique_ptr and must outlive the resolver.
    explicit resolver(std::unique_ptr<executor_type>& executor, std::chrono::milliseconds timeout)
        : m_executor(executor.get()), m_timeout(timeout)
    {
        init();
    }
    resolver(const resolver&)                    = delete;
    resolver(resolver&&)                         = delete;
    auto operator=(const resolver&) -> resolver& = delete;
    auto operator=(resolver&&) -> resolver&      = delete;
    ~resolver()                                  = default;

    /// Resolves `hn` to its IPv4 and IPv6 addresses (hosts file first, then DNS).
    auto host_by_name(const net::hostname& hn) -> coro::task<std::unique_ptr<result<executor_type>>>
    {
        auto        name = hn.data(); // the hostname may be a temporary of the caller
        auto        lock = co_await m_mutex.lock();
        coro::event resume{};
        auto        r     = std::make_unique<result<executor_type>>(*m_executor, resume, 2);
        const auto  start = std::chrono::steady_clock::now();

        if (m_cancelled.load(std::memory_order_acquire))
        {
            co_return r; // status error, no address
        }
        m_driver->start(name, r->m_state);
        while (r->m_state.m_pending > 0)
        {
            if (m_cancelled.load(std::memory_order_acquire))
            {
                m_driver->cancel();
                break;
            }
            const auto elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            if (m_timeout > std::chrono::milliseconds{0} && elapsed >= m_timeout)
            {
                m_driver->cancel();
                break;
            }
            auto cap =
                (m_timeout > std::chrono::milliseconds{0}) ? m_timeout - elapsed : std::chrono::milliseconds{1000};
            auto       wait   = m_driver->next_wait(cap);
            const auto status = co_await m_executor->poll(m_driver->poll_fd(), coro::poll_op::read, wait);
            if (poll_failed(status))
            {
                // An epoll descriptor never hangs up: the executor is shutting down and cancelled the poll (or
                // refused it); waiting again would only spin until the timeout.
                m_driver->cancel();
                break;
            }
            m_driver->process();
        }
        co_return r;
    }

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): fails the lookup in progress and every queued and later one at once
    /// (status error, no address), for a resolver about to go away. Thread-safe, idempotent.
    auto cancel() noexcept -> void
    {
        m_cancelled.store(true, std::memory_order_release);
        m_driver->wake();
    }
    auto cancelled() const noexcept -> bool { return m_cancelled.load(std::memory_order_acquire); }

    /// gocoro extension (not in libcoro): queries these servers ("ip:port,...", ares_set_servers_ports_csv)
    /// instead of /etc/resolv.conf's. Call before the first lookup. Throws std::runtime_error on bad input.
    auto set_servers(const std::string& csv) -> void { m_driver->set_servers(csv); }
#endif

private:
    auto init() -> void
    {
        if (m_executor == nullptr)
        {
            throw std::runtime_error{"coro::net::dns::resolver: executor cannot be nullptr"};
        }
        m_driver = std::make_unique<detail::ares_channel_driver>(m_timeout);
    }

    /// The poll ended without readiness or timeout: the executor is shutting down and cancelled it (or refused
    /// it). The v0.16 statuses add `cancelled`, which no lookup asks for but is just as final.
    static auto poll_failed(coro::v14::poll_status status) -> bool
    {
        return status == coro::v14::poll_status::closed || status == coro::v14::poll_status::error;
    }
    static auto poll_failed(coro::v16::poll_status status) -> bool
    {
        return status == coro::v16::poll_status::closed || status == coro::v16::poll_status::error ||
               status == coro::v16::poll_status::cancelled;
    }

    /// Set only by the v0.14 constructor (shared ownership); m_executor is what every lookup uses.
    std::shared_ptr<executor_type>               m_owner{nullptr};
    executor_type*                               m_executor{nullptr};
    std::chrono::milliseconds                    m_timeout;
    std::unique_ptr<detail::ares_channel_driver> m_driver{nullptr};
    coro::v14::mutex                             m_mutex{};
    std::atomic<bool>                            m_cancelled{false};
};

} // namespace coro::net::dns
