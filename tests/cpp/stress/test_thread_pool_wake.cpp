// Stress test of thread_pool's sleep/wake protocol with fault injection: the core is built with
// LIBCORO_THREAD_POOL_DELAY_HOOK, and the hook below stretches random steps of publishing work and of going to
// sleep by a few microseconds, the way preemption on a loaded machine does. A lost wake-up shows as a pool that
// stops making progress: the watchdog then fails the test instead of letting it hang.
#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

namespace coro::detail
{
extern void (*thread_pool_delay_hook)() noexcept; // defined by thread_pool.cpp in the hooked build
}

namespace
{
using namespace std::chrono_literals;

auto spin_for(std::chrono::microseconds d) -> void
{
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until)
    {
    }
}

auto rng() -> std::minstd_rand&
{
    thread_local std::minstd_rand r{std::random_device{}()};
    return r;
}

/// Delays one delay point in three by 0-49 us.
auto delay_some() noexcept -> void
{
    if (rng()() % 3 == 0)
    {
        spin_for(std::chrono::microseconds{rng()() % 50});
    }
}

/// Installs the hook and fails the whole process if `progress` stands still for too long.
class watchdog
{
public:
    explicit watchdog(const char* name) : m_name(name)
    {
        coro::detail::thread_pool_delay_hook = delay_some;
        m_thread                             = std::thread{[this]() { watch(); }};
    }
    ~watchdog()
    {
        m_stop.store(true);
        m_thread.join();
        coro::detail::thread_pool_delay_hook = nullptr;
    }
    auto tick() noexcept -> void { m_progress.fetch_add(1, std::memory_order_relaxed); }

private:
    auto watch() -> void
    {
        // Generous: a sanitizer build on a loaded 2-vCPU machine can stall for a second or two.
        constexpr auto limit = 15s;
        uint64_t       last  = m_progress.load();
        auto           since = std::chrono::steady_clock::now();
        while (!m_stop.load())
        {
            std::this_thread::sleep_for(20ms);
            const uint64_t now = m_progress.load();
            if (now != last)
            {
                last  = now;
                since = std::chrono::steady_clock::now();
            }
            else if (std::chrono::steady_clock::now() - since > limit)
            {
                std::fprintf(
                    stderr,
                    "%s: no progress for 15 s after %llu steps: lost wake-up\n",
                    m_name,
                    static_cast<unsigned long long>(now));
                std::_Exit(1);
            }
        }
    }

    const char*           m_name;
    std::atomic<uint64_t> m_progress{0};
    std::atomic<bool>     m_stop{false};
    std::thread           m_thread;
};

constexpr auto run_time = 1500ms;
} // namespace

TEST_CASE("thread_pool wake protocol ping-pong between two 1-thread pools", "[thread_pool][stress]")
{
    // The shape of "ring_buffer producer consumer separate threads" with work between the hand-offs, so the
    // workers go to sleep all the time and every schedule() onto the other pool has to wake it.
    watchdog dog{"ping-pong"};
    uint64_t rounds = 0;
    for (const auto start = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - start < run_time;)
    {
        constexpr std::size_t          iterations = 2'000;
        coro::thread_pool              producer_tp{coro::thread_pool::options{.thread_count = 1}};
        coro::thread_pool              consumer_tp{coro::thread_pool::options{.thread_count = 1}};
        coro::ring_buffer<uint64_t, 2> rb{};
        uint64_t                       consumed = 0;

        auto work = []()
        {
            if (rng()() % 4 == 0)
            {
                spin_for(std::chrono::microseconds{rng()() % 40});
            }
        };
        auto producer = [&]() -> coro::task<void>
        {
            for (std::size_t i = 0; i < iterations; ++i)
            {
                co_await producer_tp.schedule();
                work();
                co_await rb.produce(i);
                dog.tick();
            }
            while (!rb.empty())
            {
                co_await producer_tp.yield();
            }
            rb.notify_waiters();
        };
        auto consumer = [&]() -> coro::task<void>
        {
            while (true)
            {
                co_await consumer_tp.schedule();
                auto value = co_await rb.consume();
                if (!value)
                {
                    break;
                }
                ++consumed;
                work();
                co_await consumer_tp.yield();
            }
        };
        coro::sync_wait(coro::when_all(producer(), consumer()));
        REQUIRE(consumed == iterations);
        ++rounds;
    }
    REQUIRE(rounds > 0);
}

TEST_CASE("thread_pool wake protocol spawns from outside threads", "[thread_pool][stress]")
{
    // Three outside threads spawn short tasks in bursts with pauses; some tasks re-schedule or yield from a worker.
    watchdog dog{"spawns"};
    for (uint32_t threads : {1u, 2u, 4u})
    {
        for (const auto start = std::chrono::steady_clock::now();
             std::chrono::steady_clock::now() - start < run_time / 3;)
        {
            coro::thread_pool     tp{coro::thread_pool::options{.thread_count = threads}};
            std::atomic<uint64_t> done{0};
            std::atomic<int>      refused{0};
            constexpr int         per_thread = 500;
            constexpr int         outside    = 3;
            auto                  task       = [&](uint32_t k) -> coro::task<void>
            {
                if (k % 5 == 0)
                {
                    co_await tp.schedule();
                }
                if (k % 7 == 0)
                {
                    co_await tp.yield();
                }
                spin_for(std::chrono::microseconds{k % 13});
                done.fetch_add(1);
                dog.tick();
            };
            std::vector<std::thread> spawners;
            for (int t = 0; t < outside; ++t)
            {
                spawners.emplace_back(
                    [&]()
                    {
                        for (int i = 0; i < per_thread; ++i)
                        {
                            if (!tp.spawn(task(static_cast<uint32_t>(rng()()))))
                            {
                                refused.fetch_add(1); // Catch2 assertions are not thread-safe: checked below
                            }
                            if (rng()() % 8 == 0)
                            {
                                std::this_thread::sleep_for(std::chrono::microseconds{rng()() % 80});
                            }
                        }
                    });
            }
            for (auto& t : spawners)
            {
                t.join();
            }
            REQUIRE(refused.load() == 0);
            // A task counts itself done just before it finishes; empty() follows a moment later.
            while (done.load() < per_thread * outside || !tp.empty())
            {
                std::this_thread::sleep_for(100us);
            }
        }
    }
}
