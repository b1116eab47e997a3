// Connection handlers written against libcoro v0.16 (its Read/Write API: read_some / write_all with net::io_status),
// served by net/server through the same C ABI table as the v0.14 handlers in linecount.cc, in the same program.
// The version is chosen per translation unit, before the first libcoro include (third_party/libcoro/COMPATIBILITY.md).
#include "v16_handlers.h"

// The v0.16 API is gocoro's embedded libcoro's; a user's upstream libcoro v0.14 (the libcoro_external build) has
// only v0.14's, so there the handlers are absent and the functions below return NULL.
#if __has_include(<coro/gocoro_extensions.hpp>)
    #define LIBCORO_API_VERSION 1600

    #include "cshim/net/server_handler.hpp"

    #include <array>
    #include <cctype>
    #include <chrono>

static_assert(LIBCORO_API_VERSION == 1600);

namespace
{
auto upper(gocoro::server::connection conn) -> coro::task<void>
{
    std::array<char, 4096> buf{};
    while (true)
    {
        auto [rstatus, got] = co_await conn.read_some(buf); // counted in the server's BytesRead
        if (!rstatus.is_ok())
        {
            co_return; // closed, reset, or the server is stopping
        }
        for (auto& ch : got)
        {
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        }
        auto [wstatus, unsent] = co_await conn.write_all(got, std::chrono::seconds{30}); // counted in BytesWritten
        if (!wstatus.is_ok())
        {
            co_return;
        }
        conn.add_requests(1);
    }
}

/// Code written for libcoro v0.16's own tcp::server, unchanged: the handler takes a v0.16 coro::net::tcp::client.
auto libcoro16_echo(coro::net::tcp::client client) -> coro::task<void>
{
    std::array<char, 4096> buf{};
    while (true)
    {
        auto [rstatus, got] = co_await client.read_some(buf);
        if (!rstatus.is_ok())
        {
            co_return;
        }
        auto [wstatus, unsent] = co_await client.write_all(got);
        if (!wstatus.is_ok())
        {
            co_return;
        }
    }
}
} // namespace

extern "C" {

const gocoro_server_handler* upper16_handler(void)
{
    static const gocoro_server_handler table = gocoro::server::make_handler<upper>("upper16");
    return &table;
}

const gocoro_server_handler* libcoro16_echo_handler(void)
{
    static const gocoro_server_handler table = gocoro::server::make_handler<libcoro16_echo>("libcoro16_echo");
    return &table;
}

} // extern "C"
#else
extern "C" {
const gocoro_server_handler* upper16_handler(void)
{
    return nullptr;
}
const gocoro_server_handler* libcoro16_echo_handler(void)
{
    return nullptr;
}
} // extern "C"
#endif
