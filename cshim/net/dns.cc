// coro::net::dns::resolver behind the flat ABI of dns.h.

#include "cshim/net/dns.h"

#include "cshim/compat/dns.hpp"
#include "cshim/completion.h"
#include "cshim/io_scheduler.hpp"

#include <coro/mutex.hpp>
#include <coro/net/dns/resolver.hpp>
#include <coro/net/hostname.hpp>
#include <coro/task.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>

// Shared by the host's handle and every lookup in flight (external linkage: gocoro_dns_resolver holds it).
struct gocoro_dns_state
{
    gocoro_dns_state(std::shared_ptr<coro::io_scheduler> s, std::chrono::milliseconds t)
        : sched(s), timeout(t), resolver(std::move(s), t)
    {
    }

    std::shared_ptr<coro::io_scheduler>          sched;
    std::chrono::milliseconds                    timeout;
    coro::net::dns::resolver<coro::io_scheduler> resolver;
    gocoro::compat::resolver_cancel              cancel;
    // Lookups queue here rather than inside host_by_name, so each one's clock starts when it actually runs and
    // "the timeout passed" can be told apart from "the name does not exist".
    coro::mutex turn;
};

namespace
{
auto gocoro_dns_alloc(int32_t status, std::size_t count) noexcept -> gocoro_dns_result*
{
    auto* r =
        static_cast<gocoro_dns_result*>(std::calloc(1, sizeof(gocoro_dns_result) + count * sizeof(gocoro_dns_address)));
    if (r != nullptr)
    {
        r->status    = status;
        r->count     = static_cast<int32_t>(count);
        r->addresses = count > 0 ? reinterpret_cast<gocoro_dns_address*>(r + 1) : nullptr;
    }
    return r;
}

auto gocoro_dns_pack(const coro::net::dns::result<coro::io_scheduler>& res, bool expired) noexcept -> gocoro_dns_result*
{
    if (res.status() != coro::net::dns::status::complete)
    {
        return gocoro_dns_alloc(expired ? GOCORO_DNS_TIMEOUT : GOCORO_DNS_NOT_FOUND, 0);
    }
    const auto& ips = res.ip_addresses();
    auto*       out = gocoro_dns_alloc(GOCORO_DNS_COMPLETE, ips.size());
    if (out != nullptr)
    {
        for (std::size_t i = 0; i < ips.size(); ++i)
        {
            out->addresses[i].domain = static_cast<int32_t>(ips[i].domain());
            auto data                = ips[i].data();
            std::memcpy(out->addresses[i].bytes, data.data(), data.size());
        }
    }
    return out;
}

// One lookup, spawned on the scheduler. Its result is posted as the very last step, after the coroutine has let go
// of the resolver: once the host has the result, nothing of the lookup touches the resolver any more.
auto gocoro_dns_run(std::shared_ptr<gocoro_dns_state> st, std::string name, uintptr_t handle) -> coro::task<void>
{
    gocoro_dns_result* out = nullptr;
    try
    {
        co_await st->sched->schedule();
        auto lock = co_await st->turn.lock();
        if (st->cancel.requested(st->resolver))
        {
            out = gocoro_dns_alloc(-ECANCELED, 0);
        }
        else
        {
            const auto start   = std::chrono::steady_clock::now();
            auto       res     = co_await st->resolver.host_by_name(coro::net::hostname{name});
            const bool expired = st->timeout.count() > 0 && std::chrono::steady_clock::now() - start >= st->timeout;
            out = st->cancel.requested(st->resolver) ? gocoro_dns_alloc(-ECANCELED, 0) : gocoro_dns_pack(*res, expired);
        }
    }
    catch (const std::bad_alloc&)
    {
        out = nullptr;
    }
    catch (...)
    {
        out = gocoro_dns_alloc(-EIO, 0);
    }
    st.reset();
    gocoro_completion_post(handle, static_cast<int64_t>(reinterpret_cast<intptr_t>(out)));
}
} // namespace

struct gocoro_dns_resolver
{
    std::shared_ptr<gocoro_dns_state> state;
};

extern "C" {

int gocoro_dns_resolver_create(gocoro_io_scheduler* s, int64_t timeout_ms, gocoro_dns_resolver** out)
{
    if (s == nullptr || out == nullptr || timeout_ms < 0)
    {
        return -EINVAL;
    }
    try
    {
        auto st = std::make_shared<gocoro_dns_state>(s->scheduler, std::chrono::milliseconds{timeout_ms});
        *out    = new gocoro_dns_resolver{std::move(st)};
        return 0;
    }
    catch (const std::bad_alloc&)
    {
        return -ENOMEM;
    }
    catch (const std::exception&)
    {
        return -EIO;
    }
}

void gocoro_dns_resolver_release(gocoro_dns_resolver* r)
{
    if (r != nullptr)
    {
        r->state->cancel.request(r->state->resolver); // the lookups in flight end now, not at their timeout
        delete r;
    }
}

int gocoro_dns_resolver_set_servers(gocoro_dns_resolver* r, const char* csv, size_t len)
{
    if (r == nullptr || csv == nullptr || std::memchr(csv, '\0', len) != nullptr)
    {
        return -EINVAL;
    }
    try
    {
        return gocoro::compat::set_servers(r->state->resolver, std::string{csv, len}) ? 0 : -ENOTSUP;
    }
    catch (const std::bad_alloc&)
    {
        return -ENOMEM;
    }
    catch (const std::exception&)
    {
        return -EINVAL;
    }
}

int gocoro_dns_lookup(gocoro_dns_resolver* r, const char* name, size_t len, uintptr_t handle)
{
    if (r == nullptr || (len > 0 && (name == nullptr || std::memchr(name, '\0', len) != nullptr)))
    {
        return -EINVAL;
    }
    try
    {
        std::string n = len > 0 ? std::string{name, len} : std::string{};
        if (!r->state->sched->spawn(gocoro_dns_run(r->state, std::move(n), handle)))
        {
            return -ESHUTDOWN; // the unstarted coroutine was destroyed: nothing will be posted
        }
        return 0;
    }
    catch (const std::bad_alloc&)
    {
        return -ENOMEM;
    }
}

void gocoro_dns_result_free(gocoro_dns_result* result)
{
    std::free(result);
}

} // extern "C"
