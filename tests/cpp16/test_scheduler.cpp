#include "catch_extensions.hpp"

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <stop_token>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace
{
auto sched1() -> std::unique_ptr<coro::scheduler>
{
    return coro::scheduler::make_unique(
        coro::scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}

/// A non-blocking ::pipe() pair closed at scope exit (upstream v0.16 polls the read end of a pipe).
struct test_pipe
{
    test_pipe()
    {
        int fds[2];
        REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        read_fd  = fds[0];
        write_fd = fds[1];
    }
    ~test_pipe()
    {
        ::close(read_fd);
        ::close(write_fd);
    }
    test_pipe(const test_pipe&)                    = delete;
    auto operator=(const test_pipe&) -> test_pipe& = delete;

    int read_fd{-1};
    int write_fd{-1};
};

auto make_pipe() -> test_pipe
{
    return test_pipe{};
}
} // namespace

// ---------------------------------------------------------------------------------------------------------
// Parity scenarios 387-410 (tests/scenarios16.tsv; upstream's test/test_scheduler.cpp).

TEST_CASE("scheduler schedule single task", "[scheduler]")
{
    auto s = sched1();

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        co_await s->schedule();
        co_return 42;
    };

    auto value = coro::sync_wait(make_task());
    REQUIRE(value == 42);
    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler submit mutiple tasks", "[scheduler]")
{
    constexpr std::size_t n = 1000;
    std::atomic<uint64_t> counter{0};
    auto                  s = coro::scheduler::make_unique();

    std::vector<coro::task<void>> tasks;
    tasks.reserve(n);
    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        counter++;
        co_return;
    };
    for (std::size_t i = 0; i < n; ++i)
    {
        tasks.emplace_back(make_task());
    }

    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(counter == n);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler task with multiple events", "[scheduler]")
{
    std::atomic<uint64_t> counter{0};
    auto                  s = sched1();

    coro::event e1;
    coro::event e2;
    coro::event e3;

    auto make_wait_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        co_await e1;
        counter++;
        co_await e2;
        counter++;
        co_await e3;
        counter++;
        co_return;
    };

    auto make_set_task = [&](coro::event& e) -> coro::task<void>
    {
        co_await s->schedule();
        e.set();
    };

    coro::sync_wait(coro::when_all(make_wait_task(), make_set_task(e1), make_set_task(e2), make_set_task(e3)));

    REQUIRE(counter == 3);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler task with read poll", "[scheduler]")
{
    auto trigger = make_pipe();
    auto s       = sched1();

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        auto status = co_await s->poll(trigger.read_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::read);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger.write_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    coro::sync_wait(coro::when_all(make_poll_read_task(), make_poll_write_task()));

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler task with read poll with timeout", "[scheduler]")
{
    auto trigger = make_pipe();
    auto s       = sched1();

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        // Generous timeout so the write arrives first.
        auto status = co_await s->poll(trigger.read_fd, coro::poll_op::read, 50ms);
        REQUIRE(status == coro::poll_status::read);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger.write_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    coro::sync_wait(coro::when_all(make_poll_read_task(), make_poll_write_task()));

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler task with read poll timeout", "[scheduler]")
{
    auto trigger = make_pipe();
    auto s       = sched1();

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        // Nobody writes: the poll must time out.
        auto status = co_await s->poll(trigger.read_fd, coro::poll_op::read, 10ms);
        REQUIRE(status == coro::poll_status::timeout);
        co_return;
    };

    coro::sync_wait(make_task());

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler separate thread resume", "[scheduler]")
{
    auto s1 = sched1();
    auto s2 = sched1();

    coro::event e{};

    auto make_s1_task = [&]() -> coro::task<void>
    {
        co_await s1->schedule();
        auto tid = std::this_thread::get_id();
        co_await e;
        // The event was set from s2's thread, so we continue there.
        REQUIRE(tid != std::this_thread::get_id());
        co_return;
    };

    auto make_s2_task = [&]() -> coro::task<void>
    {
        co_await s2->schedule();
        std::this_thread::sleep_for(10ms);
        e.set();
        co_return;
    };

    coro::sync_wait(coro::when_all(make_s1_task(), make_s2_task()));

    s1->shutdown();
    REQUIRE(s1->empty());
    s2->shutdown();
    REQUIRE(s2->empty());
}

TEST_CASE("scheduler separate thread resume spawned thread", "[scheduler]")
{
    auto s = sched1();

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        coro::event e{};

        auto tid = std::this_thread::get_id();

        std::thread third_party_thread(
            [&e, &s]() -> void
            {
                std::this_thread::sleep_for(50ms);
                e.set(s);
            });
        third_party_thread.detach();

        co_await e;
        // e.set(s) hands us back to the scheduler's single pool thread.
        REQUIRE(tid == std::this_thread::get_id());
    };

    coro::sync_wait(make_task());

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler separate thread resume with return", "[scheduler]")
{
    constexpr uint64_t expected_value{1337};
    auto               s = sched1();

    coro::event           start_service{};
    coro::event           service_done{};
    std::atomic<uint64_t> output;

    std::thread service{
        [&]() -> void
        {
            while (!start_service.is_set())
            {
                std::this_thread::sleep_for(1ms);
            }

            output = expected_value;
            service_done.set(s);
        }};

    auto third_party_service = [&](int multiplier) -> coro::task<uint64_t>
    {
        start_service.set();
        co_await service_done;
        co_return output* multiplier;
    };

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();

        int      multiplier{5};
        uint64_t value = co_await third_party_service(multiplier);
        REQUIRE(value == (expected_value * multiplier));
    };

    coro::sync_wait(make_task());

    service.join();
    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler with basic task", "[scheduler]")
{
    constexpr std::size_t expected_value{5};
    auto                  s = sched1();

    auto add_data = [&](uint64_t val) -> coro::task<int>
    {
        co_await s->schedule();
        co_return val;
    };

    auto func = [&]() -> coro::task<int>
    {
        co_await s->schedule();

        auto output_tasks = co_await coro::when_all(add_data(1), add_data(1), add_data(1), add_data(1), add_data(1));

        int counter{0};
        std::apply([&counter](auto&&... tasks) -> void { ((counter += tasks.return_value()), ...); }, output_tasks);

        co_return counter;
    };

    auto counter = coro::sync_wait(func());

    REQUIRE(counter == expected_value);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler scheduler_after", "[scheduler]")
{
    constexpr std::chrono::milliseconds wait_for{50};
    std::atomic<uint64_t>               counter{0};
    // Atomic (v0.14's test uses a plain thread::id): the worker writes it while other threads may read it.
    std::atomic<std::thread::id> tid;

    auto func = [&](coro::scheduler& s, std::chrono::milliseconds amount) -> coro::task<void>
    {
        co_await s.schedule_after(amount);
        ++counter;
        // Resumed on the scheduler's single pool thread.
        REQUIRE(tid == std::this_thread::get_id());
        co_return;
    };

    {
        auto s     = coro::scheduler::make_unique(coro::scheduler::options{
                .pool = coro::thread_pool::options{
                    .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(*s, 0ms));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 1);
        REQUIRE(duration < wait_for);
        s->shutdown();
        REQUIRE(s->empty());
    }

    {
        auto s = coro::scheduler::make_unique(coro::scheduler::options{
            .pool = coro::thread_pool::options{
                .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});

        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(*s, wait_for));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 2);
        REQUIRE(duration >= wait_for);
        s->shutdown();
        REQUIRE(s->empty());
    }
}

TEST_CASE("scheduler schedule_at", "[scheduler]")
{
    // Because schedule_at() takes its own time internally the wait_for might be off by a bit.
    constexpr std::chrono::milliseconds epsilon{3};
    constexpr std::chrono::milliseconds wait_for{50};
    std::atomic<uint64_t>               counter{0};
    // Atomic (v0.14's test uses a plain thread::id): the worker writes it while other threads may read it.
    std::atomic<std::thread::id> tid;

    auto s = coro::scheduler::make_unique(coro::scheduler::options{
        .pool = coro::thread_pool::options{
            .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});

    auto func = [&](coro::time_point time) -> coro::task<void>
    {
        co_await s->schedule_at(time);
        ++counter;
        REQUIRE(tid == std::this_thread::get_id());
        co_return;
    };

    {
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(std::chrono::steady_clock::now() + wait_for));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 1);
        REQUIRE(duration >= (wait_for - epsilon));
    }

    {
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(std::chrono::steady_clock::now()));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 2);
        // v0.14's bound is 10ms; a loaded CI machine misses that without the scheduler waiting at all. What the
        // case checks is that a time already reached does not wait: anything well under wait_for shows it.
        REQUIRE(duration < wait_for);
    }

    {
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(std::chrono::steady_clock::now() - 1s));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 3);
        REQUIRE(duration < wait_for);
    }
}

TEST_CASE("scheduler yield", "[scheduler]")
{
    std::atomic<std::thread::id> tid;
    auto                         s = coro::scheduler::make_unique(coro::scheduler::options{
                                .pool = coro::thread_pool::options{
                                    .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});

    auto func = [&]() -> coro::task<void>
    {
        REQUIRE(tid != std::this_thread::get_id());
        co_await s->schedule();
        REQUIRE(tid == std::this_thread::get_id());
        co_await s->yield(); // this is really a thread pool function but /shrug
        REQUIRE(tid == std::this_thread::get_id());
        co_return;
    };

    coro::sync_wait(func());

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler yield_for", "[scheduler]")
{
    auto s = sched1();

    const std::chrono::milliseconds wait_for{50};

    auto make_task = [&]() -> coro::task<std::chrono::milliseconds>
    {
        co_await s->schedule();
        auto start = std::chrono::steady_clock::now();
        co_await s->yield_for(wait_for);
        co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    };

    auto duration = coro::sync_wait(make_task());
    REQUIRE(duration >= wait_for);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler yield_until", "[scheduler]")
{
    auto s = sched1();

    // Because yield_until() takes its own time internally the wait_for might be off by a bit.
    const std::chrono::milliseconds epsilon{3};
    const std::chrono::milliseconds wait_for{50};

    auto make_task = [&]() -> coro::task<std::chrono::milliseconds>
    {
        co_await s->schedule();
        auto start = std::chrono::steady_clock::now();
        co_await s->yield_until(start + wait_for);
        co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    };

    auto duration = coro::sync_wait(make_task());
    REQUIRE(duration >= (wait_for - epsilon));

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler multipler event waiters", "[scheduler]")
{
    const constexpr std::size_t total{10};
    coro::event                 e{};
    auto                        s = coro::scheduler::make_unique();

    auto func = [&]() -> coro::task<uint64_t>
    {
        co_await e;
        co_return 1;
    };

    auto spawn = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        std::vector<coro::task<uint64_t>> tasks;
        for (size_t i = 0; i < total; ++i)
        {
            tasks.emplace_back(func());
        }

        auto results = co_await coro::when_all(std::move(tasks));

        uint64_t counter{0};
        for (const auto& task : results)
        {
            counter += task.return_value();
        }
        REQUIRE(counter == total);
    };

    auto release = [&]() -> coro::task<void>
    {
        co_await s->schedule_after(10ms);
        e.set(s);
    };

    coro::sync_wait(coro::when_all(spawn(), release()));

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler self generating coroutine (stack overflow check)", "[scheduler]")
{
    const constexpr std::size_t total{1'000'000};
    uint64_t                    counter{0};
    // Published after each emplace_back so the main thread can wait without racing on the vector.
    std::atomic<std::size_t> created{0};
    auto                     s = sched1();

    std::vector<coro::task<void>> tasks;
    tasks.reserve(total);

    // The closure is taken by reference (v0.14's test copies it into each frame, so every coroutine reads its
    // captures through its parent's frame, which may already be gone).
    auto func = [&](auto& f) -> coro::task<void>
    {
        co_await s->schedule();
        ++counter;

        if (counter % total == 0)
        {
            co_return;
        }

        // co_await f(f) _will_ stack overflow since each coroutine links to its parent, by storing each
        // new invocation into the vector they are not linked, but we can make sure the scheduler doesn't
        // choke on this many tasks being scheduled.
        tasks.emplace_back(f(f));
        created.fetch_add(1, std::memory_order_release);
        tasks.back().resume();
        co_return;
    };

    coro::sync_wait(func(func));

    while (created.load(std::memory_order_acquire) < total - 1)
    {
        std::this_thread::sleep_for(1ms);
    }

    REQUIRE(tasks.size() == total - 1);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler manual process events thread pool", "[scheduler]")
{
    auto trigger = make_pipe();
    auto s       = coro::scheduler::make_unique(coro::scheduler::options{
              .thread_strategy = coro::scheduler::thread_strategy_t::manual,
              .pool            = coro::thread_pool::options{
                             .thread_count = 1,
        }});

    std::atomic<bool> polling{false};

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        std::cerr << "poll task start s.size() == " << s->size() << "\n";
        co_await s->schedule();
        polling     = true;
        auto status = co_await s->poll(trigger.read_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::read);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger.write_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    auto poll_task  = make_poll_read_task();
    auto write_task = make_poll_write_task();

    poll_task.resume(); // get to co_await s.poll();
    while (!polling)
    {
        std::this_thread::sleep_for(10ms);
    }

    write_task.resume();

    while (s->process_events(100ms) > 0)
        ;

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler manual process events inline", "[scheduler]")
{
    auto trigger = make_pipe();
    auto s       = coro::scheduler::make_unique(coro::scheduler::options{
              .thread_strategy    = coro::scheduler::thread_strategy_t::manual,
              .execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_inline});

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        auto status = co_await s->poll(trigger.read_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::read);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger.write_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    auto poll_task  = make_poll_read_task();
    auto write_task = make_poll_write_task();

    // Start the tasks by scheduling them into the io scheduler.
    poll_task.resume();
    write_task.resume();

    // Now process them to completion.
    while (true)
    {
        auto remaining = s->process_events(100ms);
        std::cerr << "remaining " << remaining << "\n";
        if (remaining == 0)
        {
            break;
        }
    };

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("scheduler task throws", "[scheduler]")
{
    auto s = sched1();

    auto func = [&]() -> coro::task<uint64_t>
    {
        co_await s->schedule();
        throw std::runtime_error{"I always throw."};
        co_return 42;
    };

    REQUIRE_THROWS(coro::sync_wait(func()));
}

TEST_CASE("scheduler task throws after resume", "[scheduler]")
{
    auto s = sched1();

    auto make_thrower = [&]() -> coro::task<bool>
    {
        co_await s->schedule();
        std::cerr << "Throwing task is doing some work...\n";
        co_await s->yield();
        throw std::runtime_error{"I always throw."};
        co_return true;
    };

    REQUIRE_THROWS(coro::sync_wait(make_thrower()));
}

TEST_CASE("coro::scheduler::spawn", "[scheduler]")
{
    const constexpr std::size_t ITERATIONS = 200'000;
    auto                        s          = sched1();

    std::atomic<uint64_t> counter{0};

    auto make_task = [&]() -> coro::task<void>
    {
        counter++;
        co_return;
    };

    for (std::size_t i = 0; i < ITERATIONS; ++i)
    {
        REQUIRE(s->spawn_detached(make_task()));
    }

    s->shutdown();

    REQUIRE(counter == ITERATIONS);
}

TEST_CASE("scheduler::schedule(task)", "[scheduler]")
{
    auto       s        = sched1();
    const auto main_tid = std::this_thread::get_id();

    auto make_task = [](uint64_t value, std::thread::id tid) -> coro::task<uint64_t>
    {
        REQUIRE(tid != std::this_thread::get_id());
        co_return value;
    };

    auto result = coro::sync_wait(s->schedule(make_task(53, main_tid)));
    REQUIRE(result == 53);
}

TEST_CASE("scheduler shutdown with background yielding task", "[scheduler]")
{
    auto s = sched1();

    auto make_task = [](coro::scheduler* scheduler) -> coro::task<void>
    {
        co_await scheduler->yield_for(20ms);
        co_return;
    };

    REQUIRE(s->spawn_detached(make_task(s.get())));
    // Must return: the event loop finishes the pending timer before the pool is shut down (D16).
    s->shutdown();
    REQUIRE(s->empty());
}

// ---------------------------------------------------------------------------------------------------------
// HEAD-only scenario 446 (tests/scenarios16.tsv).

TEST_CASE("scheduler schedule with <= 0ms timeout", "[scheduler]")
{
    auto s = coro::scheduler::make_unique(
        coro::scheduler::options{.execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_inline});

    auto make_task = [](int value) -> coro::task<int> { co_return value; };

    auto result = coro::sync_wait(s->schedule(std::stop_source{}, make_task(1), 0ms));
    REQUIRE(result == 1);
    result = coro::sync_wait(s->schedule(std::stop_source{}, make_task(2), -1ms));
    REQUIRE(result == 2);

    s->shutdown();
    REQUIRE(s->empty());
}

// ---------------------------------------------------------------------------------------------------------
// gocoro's own coro::scheduler tests (not parity scenarios): D15/D16 behaviour the upstream suite leaves open.

static_assert(coro::concepts::executor<coro::scheduler>);
static_assert(coro::concepts::io_executor<coro::scheduler>);
static_assert(!coro::concepts::v14::executor<coro::scheduler>, "v0.16's scheduler has no spawn()");
static_assert(std::is_same_v<coro::poll_status, coro::v16::poll_status>);

TEST_CASE("gocoro scheduler poll_status to_string", "[scheduler][gocoro]")
{
    REQUIRE(coro::to_string(coro::poll_status::read) == "read");
    REQUIRE(coro::to_string(coro::poll_status::write) == "write");
    REQUIRE(coro::to_string(coro::poll_status::timeout) == "timeout");
    REQUIRE(coro::to_string(coro::poll_status::error) == "error");
    REQUIRE(coro::to_string(coro::poll_status::closed) == "closed");
    // D38.9 fixed: upstream prints "unknown" for cancelled.
    REQUIRE(coro::to_string(coro::poll_status::cancelled) == "cancelled");
    REQUIRE(coro::v14::to_string(coro::v14::poll_status::event) == "event");
}

TEST_CASE("gocoro scheduler poll reports write and closed", "[scheduler][gocoro]")
{
    auto trigger = make_pipe();
    auto s       = sched1();

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        // Results are taken out before asserting: a Catch2 assertion must not span a co_await.
        coro::poll_status status{};
        // An empty pipe's write end is writable; read_write on it reports write (nothing to read).
        status = co_await s->poll(trigger.write_fd, coro::poll_op::write);
        REQUIRE(status == coro::poll_status::write);
        status = co_await s->poll(trigger.write_fd, coro::poll_op::read_write);
        REQUIRE(status == coro::poll_status::write);
        uint64_t value{42};
        REQUIRE(::write(trigger.write_fd, &value, sizeof(value)) == sizeof(value));
        status = co_await s->poll(trigger.read_fd, coro::poll_op::read_write, 1s);
        REQUIRE(status == coro::poll_status::read);
        REQUIRE(::read(trigger.read_fd, &value, sizeof(value)) == sizeof(value));
        // The write end goes away: the reader sees the hang-up.
        ::close(trigger.write_fd);
        trigger.write_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC); // keeps the destructor's close harmless
        status           = co_await s->poll(trigger.read_fd, coro::poll_op::read, 1s);
        REQUIRE(status == coro::poll_status::closed);
    };

    coro::sync_wait(make_task());
    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("gocoro scheduler cancellable poll", "[scheduler][gocoro]")
{
    auto trigger = make_pipe();
    auto s       = sched1();

    SECTION("signal_stop during the poll cancels it")
    {
        coro::poll_stop_source source{};
        coro::event            polling{};

        auto make_poll_task = [&]() -> coro::task<coro::poll_status>
        {
            co_await s->schedule();
            polling.set();
            co_return co_await s->poll(trigger.read_fd, coro::poll_op::read, 0ms, source.get_token());
        };
        auto make_stop_task = [&]() -> coro::task<void>
        {
            co_await polling;
            co_await s->yield_for(10ms);
            source.signal_stop();
        };

        auto [status, unused] = coro::sync_wait(coro::when_all(make_poll_task(), make_stop_task()));
        REQUIRE(status.return_value() == coro::poll_status::cancelled);
        REQUIRE(source.stop_requested());
    }

    SECTION("a token signalled earlier cancels every later poll, even of a ready descriptor")
    {
        coro::poll_stop_source source{};
        source.signal_stop();
        source.signal_stop(); // idempotent

        uint64_t value{42};
        REQUIRE(::write(trigger.write_fd, &value, sizeof(value)) == sizeof(value));
        auto make_poll_task = [&]() -> coro::task<void>
        {
            co_await s->schedule();
            coro::poll_status status{};
            for (int i = 0; i < 3; ++i)
            {
                status = co_await s->poll(trigger.read_fd, coro::poll_op::read, 1s, source.get_token());
                REQUIRE_THREAD_SAFE(status == coro::poll_status::cancelled);
            }
        };
        coro::sync_wait(make_poll_task());
    }

    SECTION("readiness and timeout still win over a token nobody signals")
    {
        coro::poll_stop_source source{};
        auto                   other          = make_pipe();
        auto                   make_poll_task = [&]() -> coro::task<void>
        {
            co_await s->schedule();
            coro::poll_status status{};
            status = co_await s->poll(trigger.read_fd, coro::poll_op::read, 10ms, source.get_token());
            REQUIRE_THREAD_SAFE(status == coro::poll_status::timeout);
            status = co_await s->poll(trigger.write_fd, coro::poll_op::write, 1s, source.get_token());
            REQUIRE_THREAD_SAFE(status == coro::poll_status::write);
            uint64_t value{7};
            REQUIRE_THREAD_SAFE(::write(other.write_fd, &value, sizeof(value)) == sizeof(value));
            status = co_await s->poll(other.read_fd, coro::poll_op::read, 1s, source.get_token());
            REQUIRE_THREAD_SAFE(status == coro::poll_status::read);
        };
        coro::sync_wait(make_poll_task());
    }

    SECTION("several polls share one token")
    {
        coro::poll_stop_source source{};
        auto                   other = make_pipe();
        coro::latch            polling{2};

        auto make_poll_task = [&](int fd) -> coro::task<coro::poll_status>
        {
            co_await s->schedule();
            polling.count_down();
            co_return co_await s->poll(fd, coro::poll_op::read, 0ms, source.get_token());
        };
        auto make_stop_task = [&]() -> coro::task<void>
        {
            co_await polling;
            co_await s->yield_for(10ms);
            source.signal_stop();
        };

        auto [a, b, unused] = coro::sync_wait(
            coro::when_all(make_poll_task(trigger.read_fd), make_poll_task(other.read_fd), make_stop_task()));
        REQUIRE(a.return_value() == coro::poll_status::cancelled);
        REQUIRE(b.return_value() == coro::poll_status::cancelled);
    }

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("gocoro scheduler schedule(task<void>, timeout)", "[scheduler][gocoro]")
{
    auto             s = sched1();
    std::atomic<int> ran{0};

    auto make_task = [&](std::chrono::milliseconds d) -> coro::task<void>
    {
        co_await s->yield_for(d);
        ran++;
    };

    auto won = coro::sync_wait(s->schedule(make_task(1ms), 1s));
    REQUIRE(won.has_value());
    auto lost = coro::sync_wait(s->schedule(make_task(200ms), 10ms));
    REQUIRE_FALSE(lost.has_value());
    REQUIRE(lost.error() == coro::timeout_status::timeout);
    // D38.2 fixed (HEAD): a void task with a timeout <= 0 is run too.
    auto zero = coro::sync_wait(s->schedule(std::stop_source{}, make_task(0ms), 0ms));
    REQUIRE(zero.has_value());

    s->shutdown(); // waits for the loser
    REQUIRE(ran == 3);
    REQUIRE(s->empty());
}

TEST_CASE("gocoro scheduler yield_for any duration", "[scheduler][gocoro]")
{
    auto s = sched1();

    auto make_task = [&]() -> coro::task<std::chrono::nanoseconds>
    {
        co_await s->schedule();
        auto start = std::chrono::steady_clock::now();
        co_await s->yield_for(std::chrono::microseconds{1500});
        co_await s->schedule_after(std::chrono::nanoseconds{-5});
        co_return std::chrono::steady_clock::now() - start;
    };

    // Never earlier than asked, though timers have millisecond resolution.
    REQUIRE(coro::sync_wait(make_task()) >= std::chrono::microseconds{1500});
    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("gocoro scheduler spawn_joinable, task_group and shutdown state", "[scheduler][gocoro]")
{
    auto             s = sched1();
    std::atomic<int> counter{0};

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->yield_for(5ms);
        counter++;
    };

    auto joined = s->spawn_joinable(make_task());
    coro::sync_wait(joined);
    REQUIRE(counter == 1);

    {
        coro::task_group<coro::scheduler> group{s};
        for (int i = 0; i < 10; ++i)
        {
            REQUIRE(group.start(make_task()));
        }
        coro::sync_wait(group);
    }
    REQUIRE(counter == 11);

    REQUIRE_FALSE(s->is_shutdown());
    s->shutdown();
    REQUIRE(s->is_shutdown());
    // D38.5 fixed: a refused spawn leaves size() alone.
    REQUIRE_FALSE(s->spawn_detached(make_task()));
    REQUIRE(s->empty());
    REQUIRE_FALSE(s->resume(std::noop_coroutine()));
}

TEST_CASE("gocoro scheduler dropped without shutdown finishes its timers", "[scheduler][gocoro]")
{
    std::atomic<int> counter{0};
    {
        auto s         = coro::scheduler::make_unique(coro::scheduler::options{
                    .execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_inline});
        auto make_task = [&](coro::scheduler& scheduler) -> coro::task<void>
        {
            co_await scheduler.yield_for(20ms);
            counter++;
        };
        for (int i = 0; i < 5; ++i)
        {
            REQUIRE(s->spawn_detached(make_task(*s)));
        }
    }
    REQUIRE(counter == 5);
}

TEST_CASE("gocoro default_executor io_executor and perfect", "[scheduler][default_executor][gocoro]")
{
    coro::default_executor::set_io_executor_options(
        coro::scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    auto& a = coro::default_executor::io_executor();
    auto& b = coro::default_executor::io_executor();
    REQUIRE(&a == &b);
    REQUIRE(a != nullptr);
    // perfect<T>() is io_executor() in a networking build (the core always is one).
    REQUIRE(&coro::default_executor::perfect<std::unique_ptr<coro::scheduler>>() == &a);
    static_assert(coro::concepts::io_executor<coro::scheduler>);

    auto make_task = []() -> coro::task<int>
    {
        auto& s = coro::default_executor::io_executor();
        co_await s->schedule();
        co_await s->yield_for(std::chrono::milliseconds{1});
        co_return 7;
    };
    REQUIRE(coro::sync_wait(make_task()) == 7);
}
