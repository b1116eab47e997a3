#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <chrono>

TEST_CASE("ring_buffer single element", "[ring_buffer]")
{
    const size_t                   iterations = 10;
    coro::ring_buffer<uint64_t, 1> rb{};

    std::vector<uint64_t> output{};

    auto make_producer_task = [&]() -> coro::task<void>
    {
        for (size_t i = 1; i <= iterations; ++i)
        {
            std::cerr << "produce: " << i << "\n";
            co_await rb.produce(i);
        }
        co_return;
    };

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        for (size_t i = 1; i <= iterations; ++i)
        {
            auto expected = co_await rb.consume();
            auto value    = std::move(*expected);

            std::cerr << "consume: " << value << "\n";
            output.emplace_back(std::move(value));
        }
        co_return;
    };

    coro::sync_wait(coro::when_all(make_producer_task(), make_consumer_task()));

    for (size_t i = 1; i <= iterations; ++i)
    {
        REQUIRE(output[i - 1] == i);
    }

    REQUIRE(rb.empty());
}

TEST_CASE("ring_buffer many elements many producers many consumers", "[ring_buffer]")
{
    const size_t iterations = 1'000'000;
    const size_t consumers  = 100;
    const size_t producers  = 100;

    coro::thread_pool               tp{coro::thread_pool::options{.thread_count = 4}};
    coro::ring_buffer<uint64_t, 64> rb{};
    std::atomic<uint64_t>           consumed{0}; // reported only: the first finished producer stops the buffer

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        co_await tp.schedule();

        while (true)
        {
            auto expected = co_await rb.consume();
            if (!expected)
            {
                break;
            }

            auto item = std::move(*expected);
            (void)item;
            consumed.fetch_add(1, std::memory_order_relaxed);

            co_await tp.yield(); // mimic some work
        }

        co_return;
    };

    auto make_producer_task = [&]() -> coro::task<void>
    {
        co_await tp.schedule();

        for (size_t i = 1; i <= iterations / producers; ++i)
        {
            co_await rb.produce(i);
        }

        // Wait for all the values to be consumed prior to shutting down the ring buffer.
        while (!rb.empty())
        {
            co_await tp.yield();
        }

        rb.notify_waiters(); // Only the first producer to get here stops the buffer; later calls do nothing.
        co_return;
    };

    std::vector<coro::task<void>> tasks{};
    tasks.reserve(consumers + producers);
    for (size_t i = 0; i < consumers; ++i)
    {
        tasks.emplace_back(make_consumer_task());
    }
    for (size_t i = 0; i < producers; ++i)
    {
        tasks.emplace_back(make_producer_task());
    }

    coro::sync_wait(coro::when_all(std::move(tasks)));
    std::cerr << "ring_buffer many elements many producers many consumers: consumed " << consumed.load() << " of "
              << iterations << "\n";

    REQUIRE(rb.empty());
}

TEST_CASE("ring_buffer producer consumer separate threads", "[ring_buffer]")
{
    // Tests two independent threads producing and consuming from the ring buffer (issue #120).
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer slows every atomic and lock ~10-50x; 10M hand-offs would take many minutes. The races this
    // test targets show up within far fewer iterations.
    const size_t iterations = 200'000;
#else
    const size_t iterations = 10'000'000;
#endif
    coro::thread_pool              producer_tp{coro::thread_pool::options{.thread_count = 1}};
    coro::thread_pool              consumer_tp{coro::thread_pool::options{.thread_count = 1}};
    coro::ring_buffer<uint64_t, 2> rb{};

    auto make_producer_task = [&]() -> coro::task<void>
    {
        for (size_t i = 0; i < iterations; ++i)
        {
            co_await producer_tp.schedule();
            co_await rb.produce(i);
        }

        while (!rb.empty())
        {
            co_await producer_tp.yield();
        }

        rb.notify_waiters(); // ignore return value
        co_return;
    };

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        while (true)
        {
            co_await consumer_tp.schedule();
            auto expected = co_await rb.consume();
            if (!expected)
            {
                break;
            }

            auto item = std::move(*expected);
            (void)item;

            co_await consumer_tp.yield(); // mimic some work
        }
        co_return;
    };

    auto start = std::chrono::steady_clock::now();
    coro::sync_wait(coro::when_all(make_producer_task(), make_consumer_task()));
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::cerr << "ring_buffer producer consumer separate threads: " << iterations << " hand-offs in " << elapsed.count()
              << " ms\n";

    REQUIRE(rb.empty());
}

namespace
{
struct message_242
{
    message_242(uint32_t i, std::string t) : id(i), text(std::move(t)) {}
    message_242(const message_242&)                              = delete;
    message_242(message_242&& other) noexcept                    = default;
    auto operator=(const message_242&) -> message_242&           = delete;
    auto operator=(message_242&& other) noexcept -> message_242& = default;
    ~message_242() { id = 0; }

    uint32_t    id;
    std::string text;
};

struct example_242
{
    example_242() { std::cerr << "example ctor\n"; }
    example_242(const example_242&) = delete;
    example_242(example_242&& other) noexcept : msg(std::move(other.msg))
    {
        std::cerr << "example(example&&)\n";
        other.msg = std::nullopt;
    }
    auto operator=(const example_242&) -> example_242& = delete;
    auto operator=(example_242&& other) noexcept -> example_242&
    {
        std::cerr << "example& operator=(example&&)\n";
        if (std::addressof(other) != this)
        {
            msg = std::exchange(other.msg, std::nullopt);
        }
        return *this;
    }
    ~example_242() { std::cerr << "~example()\n"; }

    std::optional<message_242> msg{std::nullopt};
};
} // namespace

TEST_CASE("ring_buffer issue-242 default constructed complex objects on consume", "[ring_buffer]")
{
    coro::ring_buffer<example_242, 1> buffer;

    const auto produce = [&buffer]() -> coro::task<void>
    {
        std::cerr << "enter produce coroutine\n";
        example_242 data{};
        data.msg = {message_242{1, "Hello World!"}};
        std::cerr << "ID: " << data.msg.value().id << "\n";
        std::cerr << "Text: " << data.msg.value().text << "\n";
        std::cerr << "produce()\n";
        auto result = co_await buffer.produce(std::move(data));
        REQUIRE(result == coro::rb::produce_result::produced);
        std::cerr << "exit produce coroutine\n";
        co_return;
    };

    coro::sync_wait(produce());
    std::cerr << "enter sync_wait\n";
    auto result = coro::sync_wait(buffer.consume());
    std::cerr << "exit sync_wait\n";
    REQUIRE(result);

    auto& data = result.value();
    REQUIRE(data.msg.has_value());
    REQUIRE(data.msg.value().id == 1);
    REQUIRE(data.msg.value().text == "Hello World!");
    std::cerr << "Id:   " << data.msg.value().id << "\n";
    std::cerr << "Text: " << data.msg.value().text << "\n";
}

namespace
{
struct message_242_aggregate
{
    uint32_t    id;
    std::string text;
};

struct example_242_aggregate
{
    example_242_aggregate() {}
    example_242_aggregate(const example_242_aggregate&) = delete;
    example_242_aggregate(example_242_aggregate&& other) noexcept : msg(std::exchange(other.msg, std::nullopt)) {}
    auto operator=(const example_242_aggregate&) -> example_242_aggregate& = delete;
    auto operator=(example_242_aggregate&& other) noexcept -> example_242_aggregate&
    {
        if (std::addressof(other) != this)
        {
            msg = std::exchange(other.msg, std::nullopt);
        }
        return *this;
    }

    std::optional<message_242_aggregate> msg{std::nullopt};
};
} // namespace

TEST_CASE("ring_buffer issue-242 default constructed complex objects on consume in coroutines", "[ring_buffer]")
{
    coro::ring_buffer<example_242_aggregate, 1> buffer;

    const auto produce = [&buffer]() -> coro::task<void>
    {
        example_242_aggregate data{};
        data.msg    = {.id = 1, .text = "Hello World!"};
        auto result = co_await buffer.produce(std::move(data));
        REQUIRE(result == coro::rb::produce_result::produced);
        co_return;
    };

    const auto consume = [&buffer]() -> coro::task<example_242_aggregate>
    {
        auto result = co_await buffer.consume();
        REQUIRE(result.has_value());

        example_242_aggregate data = std::move(result.value());
        co_return std::move(data);
    };

    coro::sync_wait(produce());
    auto data = coro::sync_wait(consume());

    REQUIRE(data.msg.has_value());
    REQUIRE(data.msg.value().id == 1);
    REQUIRE(data.msg.value().text == "Hello World!");
}

TEST_CASE("ring_buffer issue-242 basic type", "[ring_buffer]")
{
    coro::ring_buffer<uint32_t, 1> buffer;

    const auto foo = [&buffer]() -> coro::task<void>
    {
        co_await buffer.produce(1);
        co_return;
    };

    coro::sync_wait(foo());
    auto result = coro::sync_wait(buffer.consume());
    REQUIRE(result);
    REQUIRE(*result == 1);
}

// ---- Not parity scenarios ------------------------------------------------------------------------------------

TEST_CASE("ring_buffer notify_waiters wakes waiting producers then consumers", "[ring_buffer]")
{
    std::vector<std::string> log;

    {
        // Full buffer with two producers waiting.
        coro::ring_buffer<int, 1> rb;
        REQUIRE(coro::sync_wait(rb.produce(0)) == coro::rb::produce_result::produced);

        auto producer = [&](int v) -> coro::task<coro::rb::produce_result>
        {
            auto r = co_await rb.produce(v);
            log.emplace_back("producer " + std::to_string(v));
            co_return r;
        };
        auto p1 = producer(1);
        auto p2 = producer(2);
        p1.resume();
        p2.resume();
        REQUIRE_FALSE(p1.is_ready());
        REQUIRE_FALSE(p2.is_ready());
        REQUIRE(rb.size() == 1);

        rb.notify_waiters();
        REQUIRE(p1.is_ready());
        REQUIRE(p2.is_ready());
        REQUIRE(p1.promise().result() == coro::rb::produce_result::ring_buffer_stopped);
        REQUIRE(p2.promise().result() == coro::rb::produce_result::ring_buffer_stopped);
        REQUIRE(log == std::vector<std::string>{"producer 2", "producer 1"}); // most recent first

        // After the stop, the stored element can still be consumed (drain); then consume reports stopped.
        auto first = coro::sync_wait(rb.consume());
        REQUIRE(first.has_value());
        REQUIRE(*first == 0);
        auto none = coro::sync_wait(rb.consume());
        REQUIRE_FALSE(none.has_value());
        REQUIRE(none.error() == coro::rb::consume_result::ring_buffer_stopped);
        // A stopped buffer accepts nothing new, even with free space (libcoro v0.14 still stored it; changed so a
        // producer cannot refill the buffer after every consumer has left - see COMPATIBILITY.md).
        REQUIRE(coro::sync_wait(rb.produce(7)) == coro::rb::produce_result::ring_buffer_stopped);
        REQUIRE(rb.empty());
    }

    log.clear();
    {
        // Empty buffer with two consumers waiting.
        coro::ring_buffer<int, 4> rb;
        auto                      consumer = [&](int id) -> coro::task<bool>
        {
            auto r = co_await rb.consume();
            log.emplace_back("consumer " + std::to_string(id));
            co_return r.has_value();
        };
        auto c1 = consumer(1);
        auto c2 = consumer(2);
        c1.resume();
        c2.resume();
        REQUIRE_FALSE(c1.is_ready());

        rb.notify_waiters();
        REQUIRE(c1.is_ready());
        REQUIRE(c2.is_ready());
        REQUIRE_FALSE(c1.promise().result());
        REQUIRE_FALSE(c2.promise().result());
        REQUIRE(log == std::vector<std::string>{"consumer 2", "consumer 1"});

        rb.notify_waiters(); // second call does nothing
    }
}

TEST_CASE("ring_buffer direct hand-off to a waiting consumer and from a waiting producer", "[ring_buffer]")
{
    coro::ring_buffer<std::unique_ptr<int>, 1> rb;

    // Named lambdas: a coroutine lambda's captures live in the closure object, which must outlive the task.
    auto make_consumer = [&]() -> coro::task<int>
    {
        auto r = co_await rb.consume();
        co_return **r;
    };
    auto consumer = make_consumer();
    consumer.resume();
    REQUIRE_FALSE(consumer.is_ready());

    // The producer completes without suspending and resumes the consumer inline.
    REQUIRE(coro::sync_wait(rb.produce(std::make_unique<int>(5))) == coro::rb::produce_result::produced);
    REQUIRE(consumer.is_ready());
    REQUIRE(consumer.promise().result() == 5);
    REQUIRE(rb.empty());

    REQUIRE(coro::sync_wait(rb.produce(std::make_unique<int>(1))) == coro::rb::produce_result::produced);
    auto make_producer = [&]() -> coro::task<coro::rb::produce_result>
    { co_return co_await rb.produce(std::make_unique<int>(2)); };
    auto producer = make_producer();
    producer.resume();
    REQUIRE_FALSE(producer.is_ready());

    // Consuming frees the slot: the waiting producer's element moves in and the producer resumes inline.
    auto one = coro::sync_wait(rb.consume());
    REQUIRE(**one == 1);
    REQUIRE(producer.is_ready());
    REQUIRE(producer.promise().result() == coro::rb::produce_result::produced);
    REQUIRE(rb.size() == 1);
    auto two = coro::sync_wait(rb.consume());
    REQUIRE(**two == 2);
    REQUIRE(rb.empty());
}

TEST_CASE("ring_buffer notify_waiters stops producers blocked on a full buffer across threads", "[ring_buffer]")
{
    coro::thread_pool         tp{coro::thread_pool::options{.thread_count = 2}};
    coro::ring_buffer<int, 2> rb;
    std::atomic<int>          produced{0};
    std::atomic<int>          consumed{0};
    std::atomic<int>          stopped_producers{0};
    std::atomic<int>          stopped_consumers{0};
    coro::latch               consumers_done{8};

    auto producer = [&]() -> coro::task<void>
    {
        co_await tp.schedule();
        while (true)
        {
            if (co_await rb.produce(1) == coro::rb::produce_result::ring_buffer_stopped)
            {
                stopped_producers.fetch_add(1);
                co_return;
            }
            produced.fetch_add(1);
        }
    };
    auto consumer = [&]() -> coro::task<void>
    {
        co_await tp.schedule();
        while (true)
        {
            auto r = co_await rb.consume();
            if (!r)
            {
                stopped_consumers.fetch_add(1);
                consumers_done.count_down();
                co_return;
            }
            consumed.fetch_add(1);
            if (consumed.load() >= 20'000)
            {
                // Stop consuming on the main path: let producers pile up on the full buffer.
                consumers_done.count_down();
                co_return;
            }
        }
    };
    auto stopper = [&]() -> coro::task<void>
    {
        co_await consumers_done;
        // Every consumer is gone; wait until the producers have filled the buffer and block on it.
        while (rb.size() < 2)
        {
            co_await tp.yield();
        }
        rb.notify_waiters();
    };

    std::vector<coro::task<void>> tasks;
    for (int i = 0; i < 4; ++i)
    {
        tasks.emplace_back(producer());
    }
    for (int i = 0; i < 8; ++i)
    {
        tasks.emplace_back(consumer());
    }
    tasks.emplace_back(stopper());
    coro::sync_wait(coro::when_all(std::move(tasks)));

    REQUIRE(stopped_producers.load() == 4);
    REQUIRE(produced.load() == consumed.load() + static_cast<int>(rb.size()));
}

// gocoro extension: v0.16's notify_producers()/notify_consumers() on the v0.14 buffer (used by the Go binding).
TEST_CASE(
    "ring_buffer notify_producers and notify_consumers wake the waiters and keep the buffer open",
    "[ring_buffer]")
{
    coro::ring_buffer<uint64_t, 1> rb{};
    std::vector<bool>              notified{};

    auto produce = [&](uint64_t v) -> coro::task<coro::rb::produce_result> { co_return co_await rb.produce(v); };
    auto waiting_producer = [&](uint64_t v) -> coro::task<void>
    {
        auto       op = rb.produce(v);
        const auto r  = co_await op;
        REQUIRE(r == coro::rb::produce_result::ring_buffer_stopped);
        notified.push_back(op.notified());
    };
    auto waiting_consumer = [&]() -> coro::task<void>
    {
        auto op = rb.consume();
        auto r  = co_await op;
        REQUIRE_FALSE(r.has_value());
        notified.push_back(op.notified());
    };
    auto notify_producers = [&]() -> coro::task<void>
    {
        rb.notify_producers();
        co_return;
    };
    auto notify_consumers = [&]() -> coro::task<void>
    {
        rb.notify_consumers();
        co_return;
    };

    REQUIRE(coro::sync_wait(produce(1)) == coro::rb::produce_result::produced);
    // when_all starts the tasks in order on this thread: both producers wait before the notifier runs.
    coro::sync_wait(coro::when_all(waiting_producer(2), waiting_producer(3), notify_producers()));
    REQUIRE(notified == std::vector<bool>{true, true});
    REQUIRE(rb.size() == 1);
    auto first = coro::sync_wait(rb.consume());
    REQUIRE(first.has_value());
    REQUIRE(*first == 1);

    notified.clear();
    coro::sync_wait(coro::when_all(waiting_consumer(), waiting_consumer(), notify_consumers()));
    REQUIRE(notified == std::vector<bool>{true, true});

    REQUIRE(coro::sync_wait(produce(7)) == coro::rb::produce_result::produced);
    auto seventh = coro::sync_wait(rb.consume());
    REQUIRE(seventh.has_value());
    REQUIRE(*seventh == 7);
}
