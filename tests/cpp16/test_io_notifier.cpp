#include "catch_extensions.hpp"

#include <coro/detail/pipe.hpp>
#include <coro/io_notifier.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

// coro::io_notifier and detail::timer_handle (libcoro v0.16): upstream has no test of its own for them; these
// check upstream's behaviour as COMPATIBILITY.md states it (coro::io_notifier) (gocoro's scheduler does not run on io_notifier, see COMPATIBILITY.md).

namespace
{
using namespace std::chrono_literals;
using event_list = std::vector<std::pair<coro::detail::poll_info*, coro::poll_status>>;

/// next_events until something is reported or `limit` has passed (a loaded machine may be slow to fire).
auto wait_events(coro::io_notifier& n, std::chrono::milliseconds limit = 5000ms) -> event_list
{
    event_list out;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (out.empty() && std::chrono::steady_clock::now() < until)
    {
        n.next_events(out, 100ms);
    }
    return out;
}

/// What one non-waiting look reports.
auto peek(coro::io_notifier& n, std::chrono::milliseconds wait = 0ms) -> event_list
{
    event_list out;
    n.next_events(out, wait);
    return out;
}

auto tag_of(void* p) -> coro::detail::poll_info*
{
    return static_cast<coro::detail::poll_info*>(p);
}

auto write_byte(coro::detail::pipe_t& p) -> void
{
    const char c{'x'};
    REQUIRE(p.write(&c, 1) == 1);
}
} // namespace

TEST_CASE("io_notifier timer fires once after its duration", "[io_notifier]")
{
    coro::io_notifier          n{};
    int                        tag{0};
    coro::detail::timer_handle timer{&tag, n};
    REQUIRE(timer.get_fd() >= 0);
    REQUIRE(timer.get_inner() == &tag);

    const auto start = std::chrono::steady_clock::now();
    REQUIRE(n.watch_timer(timer, 30ms));
    auto events = wait_events(n);
    REQUIRE(std::chrono::steady_clock::now() - start >= 30ms); // never early
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == tag_of(&tag));
    REQUIRE(events[0].second == coro::poll_status::read);
    REQUIRE(peek(n, 50ms).empty()); // one expiry, one event

    SECTION("re-arming fires again (edge-triggered, the timerfd is never read)")
    {
        REQUIRE(n.watch_timer(timer, 1ms));
        events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == tag_of(&tag));
    }
}

TEST_CASE("io_notifier timer with a non-positive duration fires", "[io_notifier]")
{
    coro::io_notifier          n{};
    int                        tag{0};
    coro::detail::timer_handle timer{&tag, n};
    for (auto d : {std::chrono::nanoseconds{0}, std::chrono::nanoseconds{-5'000'000}})
    {
        REQUIRE(n.watch_timer(timer, d));
        auto events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == tag_of(&tag));
    }
}

TEST_CASE("io_notifier unwatch_timer disarms a pending timer", "[io_notifier]")
{
    coro::io_notifier          n{};
    int                        tag{0};
    coro::detail::timer_handle timer{&tag, n};
    REQUIRE(n.watch_timer(timer, 20ms));
    REQUIRE(n.unwatch_timer(timer));
    REQUIRE(peek(n, 150ms).empty());
    // Already expired but not yet collected: disarming drops the event too.
    REQUIRE(n.watch_timer(timer, 0ns));
    std::this_thread::sleep_for(20ms);
    REQUIRE(n.unwatch_timer(timer));
    REQUIRE(peek(n).empty());
    // The handle stays registered: the next arming fires.
    REQUIRE(n.watch_timer(timer, 1ms));
    REQUIRE(wait_events(n).size() == 1);
}

TEST_CASE("io_notifier two timers report their own tags", "[io_notifier]")
{
    coro::io_notifier          n{};
    int                        a{0};
    int                        b{0};
    coro::detail::timer_handle ta{&a, n};
    coro::detail::timer_handle tb{&b, n};
    REQUIRE(n.watch_timer(tb, 1ms));
    auto events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == tag_of(&b));
    REQUIRE(n.watch_timer(ta, 1ms));
    events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == tag_of(&a));
}

TEST_CASE("io_notifier fd readable and writable", "[io_notifier]")
{
    coro::io_notifier    n{};
    coro::detail::pipe_t p{};
    int                  rtag{0};
    int                  wtag{0};

    REQUIRE(n.watch(p.read_fd(), coro::poll_op::read, &rtag));
    REQUIRE(peek(n).empty()); // nothing to read yet
    write_byte(p);
    auto events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == tag_of(&rtag));
    REQUIRE(events[0].second == coro::poll_status::read);

    REQUIRE(n.watch(p.write_fd(), coro::poll_op::write, &wtag));
    events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == tag_of(&wtag));
    REQUIRE(events[0].second == coro::poll_status::write);
}

TEST_CASE("io_notifier one-shot watch reports once until watched again", "[io_notifier]")
{
    coro::io_notifier    n{};
    coro::detail::pipe_t p{};
    int                  tag{0};
    REQUIRE(n.watch(p.read_fd(), coro::poll_op::read, &tag));
    write_byte(p);
    REQUIRE(wait_events(n).size() == 1);
    write_byte(p);
    REQUIRE(peek(n, 50ms).empty()); // disarmed
    // Watching again re-arms the registration left behind; the unread bytes are reported (level, not edge).
    REQUIRE(n.watch(p.read_fd(), coro::poll_op::read, &tag));
    REQUIRE(wait_events(n).size() == 1);
}

TEST_CASE("io_notifier kept watch reports every new edge", "[io_notifier]")
{
    coro::io_notifier    n{};
    coro::detail::pipe_t p{};
    int                  tag{0};
    REQUIRE(n.watch(p.read_fd(), coro::poll_op::read, &tag, true));
    for (int i = 0; i < 3; ++i)
    {
        write_byte(p); // never read: each write is a new edge
        auto events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == tag_of(&tag));
        REQUIRE(events[0].second == coro::poll_status::read);
        REQUIRE(peek(n).empty()); // edge-triggered: the data still there is not reported again
    }
}

TEST_CASE("io_notifier unwatch removes a registration", "[io_notifier]")
{
    coro::io_notifier    n{};
    coro::detail::pipe_t p{};
    int                  tag{0};
    REQUIRE(n.watch(p.read_fd(), coro::poll_op::read, &tag, true));
    REQUIRE(n.unwatch(p.read_fd(), coro::poll_op::read));
    write_byte(p);
    REQUIRE(peek(n, 50ms).empty());
    REQUIRE_FALSE(n.unwatch(p.read_fd(), coro::poll_op::read)); // nothing left to remove
}

TEST_CASE("io_notifier error when the pipe's reader is gone", "[io_notifier]")
{
    coro::io_notifier n{};
    int               fds[2]{-1, -1};
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    // Fill the pipe so that it is not writable, then close the read end: only the error remains.
    char block[4096]{};
    while (::write(fds[1], block, sizeof(block)) > 0)
    {
    }
    ::close(fds[0]);
    int tag{0};
    REQUIRE(n.watch(fds[1], coro::poll_op::write, &tag));
    auto events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].second == coro::poll_status::error);
    ::close(fds[1]);
}

TEST_CASE("io_notifier poll_info with a cancel token", "[io_notifier]")
{
    coro::io_notifier       n{};
    coro::detail::pipe_t    p{};
    coro::poll_stop_source  source{};
    coro::detail::poll_info pi{p.read_fd(), coro::poll_op::read, source.get_token()};
    REQUIRE(pi.m_op == coro::poll_op::read);
    REQUIRE(pi.m_cancel_trigger.has_value());

    SECTION("the token's event maps to cancelled and removes the descriptor's registration")
    {
        REQUIRE(n.watch(pi));
        REQUIRE(peek(n).empty());
        source.signal_stop();
        auto events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == &pi);
        REQUIRE(events[0].second == coro::poll_status::cancelled);
        write_byte(p);
        REQUIRE(peek(n, 50ms).empty());
        // The token stays signalled: watching with it again (the pipe drained) is cancelled at once.
        char c{};
        REQUIRE(p.read(&c, 1) == 1);
        REQUIRE(n.watch(pi));
        events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].second == coro::poll_status::cancelled);
    }

    SECTION("the descriptor's event wins and removes the token's registration")
    {
        REQUIRE(n.watch(pi));
        write_byte(p);
        auto events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == &pi);
        REQUIRE(events[0].second == coro::poll_status::read);
        source.signal_stop();
        REQUIRE(peek(n, 50ms).empty());
    }

    SECTION("both ready in one round: reported once")
    {
        write_byte(p);
        source.signal_stop();
        REQUIRE(n.watch(pi));
        event_list events;
        n.next_events(events, 1000ms);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == &pi);
        REQUIRE(peek(n, 50ms).empty());
    }

    SECTION("unwatch removes both registrations")
    {
        REQUIRE(n.watch(pi));
        REQUIRE(n.unwatch(pi));
        write_byte(p);
        source.signal_stop();
        REQUIRE(peek(n, 50ms).empty());
        REQUIRE_FALSE(n.unwatch(pi));
    }

    SECTION("a second pending watch of the descriptor is refused, not overwritten")
    {
        coro::detail::poll_info other{p.read_fd(), coro::poll_op::read};
        REQUIRE(n.watch(pi));
        REQUIRE_FALSE(n.watch(other));
        write_byte(p);
        auto events = wait_events(n);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].first == &pi);
    }
}

TEST_CASE("io_notifier poll_info without a token", "[io_notifier]")
{
    coro::io_notifier       n{};
    coro::detail::pipe_t    p{};
    coro::detail::poll_info pi{p.write_fd(), coro::poll_op::write};
    REQUIRE_FALSE(pi.m_cancel_trigger.has_value());
    REQUIRE(n.watch(pi));
    auto events = wait_events(n);
    REQUIRE(events.size() == 1);
    REQUIRE(events[0].first == &pi);
    REQUIRE(events[0].second == coro::poll_status::write);
    REQUIRE(n.watch(pi)); // the reported registration is gone: watching again is a fresh one
    REQUIRE(wait_events(n).size() == 1);
}

TEST_CASE("io_notifier refuses bad registrations", "[io_notifier]")
{
    coro::io_notifier n{};
    int               tag{0};
    REQUIRE_FALSE(n.watch(-1, coro::poll_op::read, &tag));
    REQUIRE(errno == EBADF);

    coro::detail::pipe_t p{};
    auto*                flagged = reinterpret_cast<void*>(uintptr_t{1} << 63);
    REQUIRE_FALSE(n.watch(p.read_fd(), coro::poll_op::read, flagged));
    REQUIRE(errno == EINVAL);

    // A regular file cannot be watched by epoll.
    const int file = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    REQUIRE(file >= 0);
    coro::detail::poll_info pi{file, coro::poll_op::read};
    REQUIRE_FALSE(n.watch(pi));
    ::close(file);

    // A moved-from poll_stop_source's token names no descriptor: the descriptor's registration is undone too.
    coro::poll_stop_source  source{};
    coro::poll_stop_source  taken{std::move(source)};
    coro::detail::poll_info cancellable{p.read_fd(), coro::poll_op::read, source.get_token()};
    REQUIRE_FALSE(n.watch(cancellable));
    coro::detail::poll_info plain{p.read_fd(), coro::poll_op::read};
    REQUIRE(n.watch(plain));
}
