#include "coro/net/dns/resolver.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace coro::net::dns::detail
{
namespace
{
std::mutex g_ares_mutex;
uint64_t   g_ares_count{0};

auto library_acquire() -> void
{
    std::lock_guard lk{g_ares_mutex};
    if (g_ares_count == 0)
    {
        int rc = ares_library_init(ARES_LIB_INIT_ALL);
        if (rc != ARES_SUCCESS)
        {
            throw std::runtime_error{
                std::string{"coro::net::dns::resolver: ares_library_init failed: "} + ares_strerror(rc)};
        }
    }
    ++g_ares_count;
}

auto library_release() -> void
{
    std::lock_guard lk{g_ares_mutex};
    if (--g_ares_count == 0)
    {
        ares_library_cleanup();
    }
}

auto on_host(void* arg, int status, int /*timeouts*/, hostent* host) -> void
{
    auto* state = static_cast<lookup_state*>(arg);
    if (status == ARES_SUCCESS && host != nullptr && host->h_addr_list != nullptr)
    {
        const auto domain = (host->h_addrtype == AF_INET6) ? domain_t::ipv6 : domain_t::ipv4;
        const auto len    = static_cast<std::size_t>(host->h_length);
        for (char** a = host->h_addr_list; *a != nullptr; ++a)
        {
            state->m_ip_addresses.emplace_back(
                std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(*a), len}, domain);
            state->m_any_success = true;
        }
    }
    --state->m_pending;
}
} // namespace

ares_channel_driver::ares_channel_driver(std::chrono::milliseconds timeout)
{
    library_acquire();
    m_epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll_fd < 0)
    {
        library_release();
        throw std::runtime_error{"coro::net::dns::resolver: epoll_create1 failed"};
    }
    m_wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event wake{};
    wake.events  = EPOLLIN;
    wake.data.fd = m_wake_fd;
    if (m_wake_fd < 0 || ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, m_wake_fd, &wake) != 0)
    {
        if (m_wake_fd >= 0)
        {
            ::close(m_wake_fd);
        }
        ::close(m_epoll_fd);
        library_release();
        throw std::runtime_error{"coro::net::dns::resolver: eventfd failed"};
    }
    ares_options opts{};
    int          mask       = ARES_OPT_SOCK_STATE_CB;
    opts.sock_state_cb      = &ares_channel_driver::on_socket_state;
    opts.sock_state_cb_data = this;
    if (timeout > std::chrono::milliseconds{0})
    {
        // One server round trip may use the whole budget; host_by_name() enforces the total.
        opts.timeout = static_cast<int>(std::min<int64_t>(timeout.count(), 1'000'000));
        mask |= ARES_OPT_TIMEOUTMS;
    }
    int rc = ares_init_options(&m_channel, &opts, mask);
    if (rc != ARES_SUCCESS)
    {
        ::close(m_wake_fd);
        ::close(m_epoll_fd);
        library_release();
        throw std::runtime_error{
            std::string{"coro::net::dns::resolver: ares_init_options failed: "} + ares_strerror(rc)};
    }
}

ares_channel_driver::~ares_channel_driver()
{
    ares_destroy(m_channel);
    ::close(m_wake_fd);
    ::close(m_epoll_fd);
    library_release();
}

auto ares_channel_driver::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) -> void
{
    auto*       self = static_cast<ares_channel_driver*>(data);
    epoll_event ev{};
    ev.events  = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (ev.events == 0)
    {
        ::epoll_ctl(self->m_epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
        return;
    }
    if (::epoll_ctl(self->m_epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
    {
        ::epoll_ctl(self->m_epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    }
}

auto ares_channel_driver::start(const std::string& name, lookup_state& state) -> void
{
    ares_gethostbyname(m_channel, name.c_str(), AF_INET, &on_host, &state);
    ares_gethostbyname(m_channel, name.c_str(), AF_INET6, &on_host, &state);
}

auto ares_channel_driver::next_wait(std::chrono::milliseconds cap) -> std::chrono::milliseconds
{
    timeval max{};
    max.tv_sec  = static_cast<time_t>(cap.count() / 1000);
    max.tv_usec = static_cast<suseconds_t>((cap.count() % 1000) * 1000);
    timeval  tv{};
    timeval* next = ares_timeout(m_channel, &max, &tv);
    int64_t  ms   = (next != nullptr) ? (int64_t{next->tv_sec} * 1000 + (next->tv_usec + 999) / 1000) : cap.count();
    return std::chrono::milliseconds{std::max<int64_t>(ms, 1)};
}

auto ares_channel_driver::process() -> void
{
    std::array<epoll_event, 16> events{};
    int                         n = ::epoll_wait(m_epoll_fd, events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < n; ++i)
    {
        const auto flags = events[i].events;
        const auto fd    = static_cast<ares_socket_t>(events[i].data.fd);
        if (fd == m_wake_fd)
        {
            continue; // stays readable: the resolver is being cancelled
        }
        ares_process_fd(
            m_channel,
            (flags & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 ? fd : ARES_SOCKET_BAD,
            (flags & EPOLLOUT) != 0 ? fd : ARES_SOCKET_BAD);
    }
    // Expired timeouts (retries, giving up on a silent server).
    ares_process_fd(m_channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

auto ares_channel_driver::cancel() -> void
{
    ares_cancel(m_channel);
}

auto ares_channel_driver::wake() noexcept -> void
{
    const uint64_t        one{1};
    [[maybe_unused]] auto n = ::write(m_wake_fd, &one, sizeof(one));
}

#if GOCORO_CORE_EXTENSIONS
auto ares_channel_driver::set_servers(const std::string& csv) -> void
{
    const int rc = ares_set_servers_ports_csv(m_channel, csv.c_str());
    if (rc != ARES_SUCCESS)
    {
        throw std::runtime_error{std::string{"coro::net::dns::resolver: bad server list: "} + ares_strerror(rc)};
    }
}
#endif

} // namespace coro::net::dns::detail
