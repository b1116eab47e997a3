#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace
{
auto sched1() -> std::shared_ptr<coro::io_scheduler>
{
    return coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}
} // namespace

// ---------------------------------------------------------------------------------------------------------
// Parity scenarios 84-106 (tests/scenarios.tsv; upstream's test/test_io_scheduler.cpp).

TEST_CASE("io_scheduler schedule single task", "[io_scheduler]")
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

TEST_CASE("io_scheduler submit mutiple tasks", "[io_scheduler]")
{
    constexpr std::size_t n = 1000;
    std::atomic<uint64_t> counter{0};
    auto                  s = coro::io_scheduler::make_shared();

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

TEST_CASE("io_scheduler task with multiple events", "[io_scheduler]")
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

TEST_CASE("io_scheduler task with read poll", "[io_scheduler]")
{
    auto trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto s          = sched1();

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        auto status = co_await s->poll(trigger_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::event);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    coro::sync_wait(coro::when_all(make_poll_read_task(), make_poll_write_task()));

    s->shutdown();
    REQUIRE(s->empty());
    close(trigger_fd);
}

TEST_CASE("io_scheduler task with read poll with timeout", "[io_scheduler]")
{
    auto trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto s          = sched1();

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        // Generous timeout so the write arrives first.
        auto status = co_await s->poll(trigger_fd, coro::poll_op::read, 50ms);
        REQUIRE(status == coro::poll_status::event);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger_fd, &value, sizeof(value));
        (void)unused;
        co_return;
    };

    coro::sync_wait(coro::when_all(make_poll_read_task(), make_poll_write_task()));

    s->shutdown();
    REQUIRE(s->empty());
    close(trigger_fd);
}

TEST_CASE("io_scheduler task with read poll timeout", "[io_scheduler]")
{
    auto trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto s          = sched1();

    auto make_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        // Nobody writes: the poll must time out.
        auto status = co_await s->poll(trigger_fd, coro::poll_op::read, 10ms);
        REQUIRE(status == coro::poll_status::timeout);
        co_return;
    };

    coro::sync_wait(make_task());

    s->shutdown();
    REQUIRE(s->empty());
    close(trigger_fd);
}

TEST_CASE("io_scheduler separate thread resume", "[io_scheduler]")
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

TEST_CASE("io_scheduler separate thread resume spawned thread", "[io_scheduler]")
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
                e.set(*s);
            });
        third_party_thread.detach();

        co_await e;
        // e.set(*s) hands us back to the scheduler's single pool thread.
        REQUIRE(tid == std::this_thread::get_id());
    };

    coro::sync_wait(make_task());

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("io_scheduler separate thread resume with return", "[io_scheduler]")
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
            service_done.set(*s);
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

TEST_CASE("io_scheduler with basic task", "[io_scheduler]")
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

TEST_CASE("io_scheduler scheduler_after", "[io_scheduler]")
{
    constexpr std::chrono::milliseconds wait_for{50};
    std::atomic<uint64_t>               counter{0};
    // Atomic (v0.14's test uses a plain thread::id): the worker writes it while other threads may read it.
    std::atomic<std::thread::id> tid;

    auto func = [&](std::shared_ptr<coro::io_scheduler> s, std::chrono::milliseconds amount) -> coro::task<void>
    {
        co_await s->schedule_after(amount);
        ++counter;
        // Resumed on the scheduler's single pool thread.
        REQUIRE(tid == std::this_thread::get_id());
        co_return;
    };

    {
        auto s     = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                .pool = coro::thread_pool::options{
                    .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(s, 0ms));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 1);
        REQUIRE(duration < wait_for);
        s->shutdown();
        REQUIRE(s->empty());
    }

    {
        auto s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
            .pool = coro::thread_pool::options{
                .thread_count = 1, .on_thread_start_functor = [&](std::size_t) { tid = std::this_thread::get_id(); }}});

        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(s, wait_for));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 2);
        REQUIRE(duration >= wait_for);
        s->shutdown();
        REQUIRE(s->empty());
    }
}

TEST_CASE("io_scheduler schedule_at", "[io_scheduler]")
{
    // Because schedule_at() takes its own time internally the wait_for might be off by a bit.
    constexpr std::chrono::milliseconds epsilon{3};
    constexpr std::chrono::milliseconds wait_for{50};
    std::atomic<uint64_t>               counter{0};
    // Atomic (v0.14's test uses a plain thread::id): the worker writes it while other threads may read it.
    std::atomic<std::thread::id> tid;

    auto s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
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

TEST_CASE("io_scheduler yield", "[io_scheduler]")
{
    std::atomic<std::thread::id> tid;
    auto                         s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
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

TEST_CASE("io_scheduler yield_for", "[io_scheduler]")
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

TEST_CASE("io_scheduler yield_until", "[io_scheduler]")
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

TEST_CASE("io_scheduler multipler event waiters", "[io_scheduler]")
{
    const constexpr std::size_t total{10};
    coro::event                 e{};
    auto                        s = coro::io_scheduler::make_shared();

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
        e.set(*s);
    };

    coro::sync_wait(coro::when_all(spawn(), release()));

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE("io_scheduler self generating coroutine (stack overflow check)", "[io_scheduler]")
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

TEST_CASE("io_scheduler manual process events thread pool", "[io_scheduler]")
{
    auto trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto s          = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                 .thread_strategy = coro::io_scheduler::thread_strategy_t::manual,
                 .pool            = coro::thread_pool::options{
                                .thread_count = 1,
        }});

    std::atomic<bool> polling{false};

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        std::cerr << "poll task start s.size() == " << s->size() << "\n";
        co_await s->schedule();
        polling     = true;
        auto status = co_await s->poll(trigger_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::event);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger_fd, &value, sizeof(value));
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
    close(trigger_fd);
}

TEST_CASE("io_scheduler manual process events inline", "[io_scheduler]")
{
    auto trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    auto s          = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                 .thread_strategy    = coro::io_scheduler::thread_strategy_t::manual,
                 .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});

    auto make_poll_read_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        auto status = co_await s->poll(trigger_fd, coro::poll_op::read);
        REQUIRE(status == coro::poll_status::event);
        co_return;
    };

    auto make_poll_write_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        uint64_t value{42};
        auto     unused = write(trigger_fd, &value, sizeof(value));
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
    close(trigger_fd);
}

TEST_CASE("io_scheduler task throws", "[io_scheduler]")
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

TEST_CASE("io_scheduler task throws after resume", "[io_scheduler]")
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

TEST_CASE("coro::io_scheduler::spawn", "[io_scheduler]")
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
        REQUIRE(s->spawn(make_task()));
    }

    s->shutdown();

    REQUIRE(counter == ITERATIONS);
}

TEST_CASE("io_scheduler::schedule(task)", "[thread_pool]")
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

// ---------------------------------------------------------------------------------------------------------
// gocoro's own io_scheduler tests (not parity scenarios): edge cases users hit.

TEST_CASE("gocoro io_scheduler poll on a closed or invalid fd reports error without hanging", "[io_scheduler][gocoro]")
{
    auto s = sched1();

    auto closed_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    close(closed_fd);

    auto poll_task = [&](int fd, std::chrono::milliseconds timeout) -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        co_return co_await s->poll(fd, coro::poll_op::read, timeout);
    };

    REQUIRE(coro::sync_wait(poll_task(closed_fd, 0ms)) == coro::poll_status::error);
    REQUIRE(coro::sync_wait(poll_task(-1, 0ms)) == coro::poll_status::error);
    // With a timeout the paired timer must be cancelled too, or shutdown() would wait for it.
    REQUIRE(coro::sync_wait(poll_task(closed_fd, 10s)) == coro::poll_status::error);

    const auto start = std::chrono::steady_clock::now();
    s->shutdown();
    REQUIRE(std::chrono::steady_clock::now() - start < 5s);
    REQUIRE(s->empty());
}

TEST_CASE("gocoro io_scheduler second concurrent poll on the same fd fails fast", "[io_scheduler][gocoro]")
{
    auto s  = sched1();
    auto fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    coro::event first_polling;

    auto first = [&]() -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        // Published before suspending in poll; the second poller waits a bit more to be sure it is registered.
        first_polling.set();
        co_return co_await s->poll(fd, coro::poll_op::read, 5s);
    };

    auto second = [&]() -> coro::task<coro::poll_status>
    {
        co_await first_polling;
        co_await s->yield_for(20ms);
        auto status = co_await s->poll(fd, coro::poll_op::read, 5s);
        // Now release the first poller.
        uint64_t value{1};
        auto     unused = write(fd, &value, sizeof(value));
        (void)unused;
        co_return status;
    };

    auto [a, b] = coro::sync_wait(coro::when_all(first(), second()));
    REQUIRE(a.return_value() == coro::poll_status::event);
    REQUIRE(b.return_value() == coro::poll_status::error);

    s->shutdown();
    REQUIRE(s->empty());
    close(fd);
}

TEST_CASE("gocoro io_scheduler poll reports closed when the peer hangs up", "[io_scheduler][gocoro]")
{
    // A pipe whose write end is closed reports only a hang-up (a socket would also report readable/EOF,
    // which - as in v0.14 - takes precedence and yields poll_status::event).
    auto s = sched1();
    int  fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);

    auto reader = [&]() -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        co_return co_await s->poll(fds[0], coro::poll_op::read, 5s);
    };
    auto closer = [&]() -> coro::task<void>
    {
        co_await s->yield_for(10ms);
        close(fds[1]);
    };

    auto [status, unused] = coro::sync_wait(coro::when_all(reader(), closer()));
    REQUIRE(status.return_value() == coro::poll_status::closed);

    s->shutdown();
    REQUIRE(s->empty());
    close(fds[0]);
}

TEST_CASE("gocoro io_scheduler schedule after shutdown", "[io_scheduler][gocoro]")
{
    auto s = sched1();
    s->shutdown();
    s->shutdown(); // idempotent

    // Unlike v0.14 (which silently drops the coroutine) the call throws, like thread_pool::schedule().
    REQUIRE_THROWS_AS(s->schedule(), std::runtime_error);

    auto task = []() -> coro::task<void> { co_return; };
    REQUIRE_FALSE(s->spawn(task()));
    REQUIRE(s->empty()); // v0.14 leaves size() incremented here

    auto t = task();
    REQUIRE_FALSE(s->resume(t.handle()));

    auto timer = [&]() -> coro::task<void> { co_await s->yield_for(10ms); };
    REQUIRE_THROWS_AS(coro::sync_wait(timer()), std::runtime_error);
    auto poller = [&]() -> coro::task<coro::poll_status> { co_return co_await s->poll(0, coro::poll_op::read); };
    REQUIRE_THROWS_AS(coro::sync_wait(poller()), std::runtime_error);
    REQUIRE(s->empty());
}

TEST_CASE("gocoro io_scheduler shutdown waits for pending timers", "[io_scheduler][gocoro]")
{
    // Timers pending at shutdown() are not cancelled: shutdown() drains them (they fire at their deadline,
    // their coroutines run), then returns.
    constexpr uint64_t    n = 100;
    std::atomic<uint64_t> fired{0};
    auto                  s = sched1();

    auto make_task = [](std::shared_ptr<coro::io_scheduler> s,
                        std::atomic<uint64_t>&              fired,
                        std::chrono::milliseconds           d) -> coro::task<void>
    {
        co_await s->yield_for(d);
        fired.fetch_add(1, std::memory_order_relaxed);
    };

    const auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < n; ++i)
    {
        REQUIRE(s->spawn(make_task(s, fired, std::chrono::milliseconds{20 + static_cast<int>(i % 30)})));
    }
    REQUIRE(s->size() > 0);
    s->shutdown();
    const auto elapsed = std::chrono::steady_clock::now() - start;

    REQUIRE(fired == n);
    REQUIRE(elapsed >= 49ms);
    REQUIRE(s->empty());
}

TEST_CASE("gocoro io_scheduler many concurrent timers fire in deadline order", "[io_scheduler][gocoro]")
{
    // Inline mode: completions are resumed on the event thread in expiry order.
    constexpr int n = 40;
    auto          s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                 .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});

    std::vector<int> order; // only touched on the event thread
    order.reserve(n);

    auto make_task = [&](int i) -> coro::task<void>
    {
        // Registered in reverse deadline order, 3 ms apart.
        co_await s->yield_for(std::chrono::milliseconds{5 + 3 * (n - i)});
        order.push_back(n - i);
    };

    std::vector<coro::task<void>> tasks;
    for (int i = 0; i < n; ++i)
    {
        tasks.emplace_back(make_task(i));
    }
    coro::sync_wait(coro::when_all(std::move(tasks)));
    s->shutdown();

    REQUIRE(order.size() == n);
    REQUIRE(std::is_sorted(order.begin(), order.end()));
    REQUIRE(s->empty());
}

TEST_CASE("gocoro io_scheduler timers with equal deadlines fire in registration order", "[io_scheduler][gocoro]")
{
    auto s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
        .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});

    std::vector<int> order;
    const auto       deadline  = coro::clock::now() + 30ms;
    auto             make_task = [&](int i) -> coro::task<void>
    {
        co_await s->yield_until(deadline);
        order.push_back(i);
    };
    std::vector<coro::task<void>> tasks;
    for (int i = 0; i < 20; ++i)
    {
        tasks.emplace_back(make_task(i));
    }
    coro::sync_wait(coro::when_all(std::move(tasks)));
    s->shutdown();

    REQUIRE(order.size() == 20);
    REQUIRE(std::is_sorted(order.begin(), order.end()));
}

TEST_CASE("gocoro io_scheduler process_events from several threads at once", "[io_scheduler][gocoro]")
{
    // Manual + inline: only one caller processes at a time; every timer and poll completes exactly once.
    constexpr uint64_t n = 200;
    auto               s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                      .thread_strategy    = coro::io_scheduler::thread_strategy_t::manual,
                      .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});

    std::atomic<uint64_t> completed{0};
    auto                  fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    auto timer_task =
        [](std::shared_ptr<coro::io_scheduler> s, std::atomic<uint64_t>& completed, int i) -> coro::task<void>
    {
        co_await s->schedule();
        co_await s->yield_for(std::chrono::milliseconds{1 + i % 7});
        completed.fetch_add(1, std::memory_order_relaxed);
    };
    auto poll_task =
        [](std::shared_ptr<coro::io_scheduler> s, std::atomic<uint64_t>& completed, int fd) -> coro::task<void>
    {
        co_await s->schedule();
        auto status = co_await s->poll(fd, coro::poll_op::read, 10s);
        if (status == coro::poll_status::event)
        {
            completed.fetch_add(1, std::memory_order_relaxed);
        }
    };

    for (uint64_t i = 0; i < n; ++i)
    {
        REQUIRE(s->spawn(timer_task(s, completed, static_cast<int>(i))));
    }
    REQUIRE(s->spawn(poll_task(s, completed, fd)));

    std::atomic<bool> stop{false};
    auto              driver = [&]()
    {
        while (!stop.load(std::memory_order_acquire))
        {
            s->process_events(1ms);
        }
    };
    std::thread t1{driver};
    std::thread t2{driver};
    std::thread t3{driver};

    std::this_thread::sleep_for(20ms);
    uint64_t value{1};
    auto     unused = write(fd, &value, sizeof(value));
    (void)unused;

    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (completed.load() < n + 1 && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(1ms);
    }
    while (!s->empty() && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(1ms);
    }
    stop = true;
    t1.join();
    t2.join();
    t3.join();

    REQUIRE(completed == n + 1);
    REQUIRE(s->empty());
    s->shutdown();
    close(fd);
}

TEST_CASE("gocoro io_scheduler dropped without shutdown drains and does not leak", "[io_scheduler][gocoro]")
{
    std::atomic<bool> done{false};
    auto              task = [](coro::io_scheduler* s, std::atomic<bool>& done) -> coro::task<void>
    {
        co_await s->yield_for(20ms);
        done = true;
    };
    {
        auto s = sched1();
        REQUIRE(s->spawn(task(s.get(), done)));
        // s goes out of scope here: the destructor shuts down, draining the pending timer.
    }
    REQUIRE(done);
}

TEST_CASE("gocoro io_scheduler last reference dropped by its own task", "[io_scheduler][gocoro]")
{
    using strategy = coro::io_scheduler::execution_strategy_t;
    for (auto execution : {strategy::process_tasks_inline, strategy::process_tasks_on_thread_pool})
    {
        std::atomic<bool> done{false};
        {
            auto s    = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                   .pool = coro::thread_pool::options{.thread_count = 1}, .execution_strategy = execution});
            auto task = [](std::shared_ptr<coro::io_scheduler> s, std::atomic<bool>& done) -> coro::task<void>
            {
                co_await s->yield_for(10ms);
                done = true;
                // The frame (and with it the last reference) dies on one of the scheduler's own threads.
            };
            REQUIRE(s->spawn(task(s, done)));
        }
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!done && std::chrono::steady_clock::now() < deadline)
        {
            std::this_thread::sleep_for(1ms);
        }
        REQUIRE(done);
        // Give the detached teardown a moment to finish before the next round / process exit.
        std::this_thread::sleep_for(50ms);
    }
}
