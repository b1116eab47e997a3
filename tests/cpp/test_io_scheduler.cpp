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
    return coro::io_scheduler::make_shared(coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}
} // namespace

// ---------------------------------------------------------------------------------------------------------
// Parity scenarios 84-106 (parity-scenarios.md, test/test_io_scheduler.cpp).

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

    std::thread service{[&]() -> void
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
        co_return output * multiplier;
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

        auto output_tasks =
            co_await coro::when_all(add_data(1), add_data(1), add_data(1), add_data(1), add_data(1));

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
    std::thread::id                     tid;

    auto func = [&](std::shared_ptr<coro::io_scheduler> s, std::chrono::milliseconds amount) -> coro::task<void>
    {
        co_await s->schedule_after(amount);
        ++counter;
        // Resumed on the scheduler's single pool thread.
        REQUIRE(tid == std::this_thread::get_id());
        co_return;
    };

    {
        auto s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
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
    std::thread::id                     tid;

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
        REQUIRE(duration <= 10ms);
    }

    {
        auto start = std::chrono::steady_clock::now();
        coro::sync_wait(func(std::chrono::steady_clock::now() - 1s));
        auto stop     = std::chrono::steady_clock::now();
        auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(stop - start);

        REQUIRE(counter == 3);
        REQUIRE(duration <= 10ms);
    }
}

TEST_CASE("io_scheduler yield", "[io_scheduler]")
{
    std::thread::id tid;
    auto            s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
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
    auto                        s = sched1();

    std::vector<coro::task<void>> tasks;
    tasks.reserve(total);

    auto func = [&](auto f) -> coro::task<void>
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
    auto                  s = sched1();
    const auto main_tid     = std::this_thread::get_id();

    auto make_task = [](uint64_t value, std::thread::id tid) -> coro::task<uint64_t>
    {
        REQUIRE(tid != std::this_thread::get_id());
        co_return value;
    };

    auto result = coro::sync_wait(s->schedule(make_task(53, main_tid)));
    REQUIRE(result == 53);
}
