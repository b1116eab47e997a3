#pragma once

// The resolver calls of the shim (cshim/net/dns.cc) that gocoro's embedded core serves with extensions and
// upstream libcoro v0.14 lacks (see compat/io_scheduler.hpp for the scheme). Fallbacks: a cancel request only
// stops lookups that have not started (the running one ends by its own timeout, then reports the cancellation);
// other DNS servers cannot be set.

#include <coro/io_scheduler.hpp>
#include <coro/net/dns/resolver.hpp>

#include <atomic>
#include <string>

namespace gocoro::compat
{
using resolver = coro::net::dns::resolver<coro::io_scheduler>;

/// A resolver's cancel request.
class resolver_cancel
{
public:
#if GOCORO_CORE_EXTENSIONS
    /// resolver::cancel: the running lookup and every later one fail at once.
    auto request(resolver& r) noexcept -> void { r.cancel(); }
    auto requested(const resolver& r) const noexcept -> bool { return r.cancelled(); }
#else
    auto request(resolver&) noexcept -> void { m_requested.store(true, std::memory_order_release); }
    auto requested(const resolver&) const noexcept -> bool { return m_requested.load(std::memory_order_acquire); }

private:
    std::atomic<bool> m_requested{false};
#endif
};

/// resolver::set_servers ("ip:port,...", throws std::runtime_error on bad input); false if this libcoro cannot.
inline auto set_servers([[maybe_unused]] resolver& r, [[maybe_unused]] const std::string& csv) -> bool
{
#if GOCORO_CORE_EXTENSIONS
    r.set_servers(csv);
    return true;
#else
    return false;
#endif
}
} // namespace gocoro::compat
