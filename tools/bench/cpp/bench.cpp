// gocoro native benchmark driver.
//
// Runs named workloads against the vendored libcoro and prints one JSON line per workload on stdout plus a
// human-readable progress line on stderr. No test framework: every workload checks its own result and the
// program exits non-zero with a message when a count is wrong.
//
//   bench --list                      workload names, suites and descriptions
//   bench <workload>...               run those workloads (in this process)
//   bench --suite core|forkjoin|all   run a whole suite
//   --quick                           iteration counts divided by ~100 (CI smoke run)
//   --threads N                       pool size for the fork-join workloads and for thread_pool_n
//
// Suite "core" mirrors the non-network [benchmark] cases B1-B10 of the parity spec (B8-B10 only when
// coro/io_scheduler.hpp exists). Suite "forkjoin" runs recursive fork-join programs on a 2-thread
// coro::thread_pool; run each in its own process (run_forkjoin.sh) so the reported peak RSS is its own.

#include <coro/coro.hpp>
#include <coro/io_scheduler.hpp>

#ifdef GOCORO_BENCH_NET
    #include "net_workloads.hpp" // suite "net": B11-B13 (tools/bench/cpp/net_workloads.cpp)
#endif

#include <sys/resource.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

namespace
{
using clock_type = std::chrono::steady_clock;

struct config
{
    bool     quick   = false;
    uint32_t threads = 0; // 0 = workload default
};

config g_config;

/// Divides a full-size iteration count for --quick runs (never below 1).
auto scaled(uint64_t full) -> uint64_t
{
    if (!g_config.quick)
    {
        return full;
    }
    const uint64_t q = full / 100;
    return q == 0 ? 1 : q;
}

auto forkjoin_threads() -> uint32_t
{
    return g_config.threads != 0 ? g_config.threads : 2;
}

[[noreturn]] auto fail(const char* workload, const std::string& what) -> void
{
    std::fprintf(stderr, "FAIL %s: %s\n", workload, what.c_str());
    std::fflush(stderr);
    std::exit(1);
}

/// REQUIRE-style check with the observed and expected values in the message.
auto require_eq(const char* workload, const char* what, uint64_t got, uint64_t want) -> void
{
    if (got != want)
    {
        fail(workload, std::string{what} + " = " + std::to_string(got) + ", expected " + std::to_string(want));
    }
}

auto require(const char* workload, const char* what, bool ok) -> void
{
    if (!ok)
    {
        fail(workload, std::string{"check failed: "} + what);
    }
}

auto peak_rss_kib() -> long
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss; // KiB on Linux
}

auto report(const char* suite, const char* workload, uint64_t ops, clock_type::duration elapsed) -> void
{
    const double seconds     = std::chrono::duration<double>(elapsed).count();
    const double ops_per_sec = seconds > 0 ? static_cast<double>(ops) / seconds : 0.0;
    const double ns_per_op   = ops > 0 ? seconds * 1e9 / static_cast<double>(ops) : 0.0;
    const long   rss         = peak_rss_kib();
    std::printf(
        "{\"suite\":\"%s\",\"workload\":\"%s\",\"impl\":\"native\",\"ops\":%" PRIu64
        ",\"seconds\":%.6f,\"ops_per_sec\":%.1f,\"ns_per_op\":%.3f,\"peak_rss_kib\":%ld}\n",
        suite,
        workload,
        ops,
        seconds,
        ops_per_sec,
        ns_per_op,
        rss);
    std::fflush(stdout);
    std::fprintf(
        stderr,
        "%-22s %12" PRIu64 " ops in %9.4f s  %14.0f ops/s  %9.2f ns/op  peak RSS %.1f MiB\n",
        workload,
        ops,
        seconds,
        ops_per_sec,
        ns_per_op,
        static_cast<double>(rss) / 1024.0);
}

constexpr uint64_t default_iterations = 5'000'000;

// ---------------------------------------------------------------------------------------------------------
// Suite core: B1-B10.

// B1: plain function calls incrementing a relaxed atomic.
auto b1_direct_call() -> void
{
    const uint64_t        iterations = scaled(default_iterations);
    std::atomic<uint64_t> counter{0};
    auto                  func = [&]() -> uint64_t
    {
        counter.fetch_add(1, std::memory_order_relaxed);
        return 1;
    };

    const auto start = clock_type::now();
    uint64_t   sum   = 0;
    for (uint64_t i = 0; i < iterations; ++i)
    {
        sum += func();
    }
    const auto elapsed = clock_type::now() - start;
    require_eq("direct_call", "counter", counter.load(), iterations);
    require_eq("direct_call", "sum", sum, iterations);
    report("core", "direct_call", iterations, elapsed);
}

// B2: sync_wait on a task returning 1.
auto b2_sync_wait() -> void
{
    const uint64_t iterations = scaled(default_iterations);
    auto           func       = []() -> coro::task<uint64_t> { co_return 1; };

    const auto start   = clock_type::now();
    uint64_t   counter = 0;
    for (uint64_t i = 0; i < iterations; ++i)
    {
        counter += coro::sync_wait(func());
    }
    const auto elapsed = clock_type::now() - start;
    require_eq("sync_wait", "counter", counter, iterations);
    report("core", "sync_wait", iterations, elapsed);
}

// B3: sync_wait(when_all(10 tasks)) with the variadic form.
auto b3_when_all_x10() -> void
{
    const uint64_t iterations = scaled(default_iterations);
    auto           f          = []() -> coro::task<uint64_t> { co_return 1; };

    const auto start   = clock_type::now();
    uint64_t   counter = 0;
    for (uint64_t i = 0; i < iterations; i += 10)
    {
        auto tasks = coro::sync_wait(coro::when_all(f(), f(), f(), f(), f(), f(), f(), f(), f(), f()));
        std::apply([&counter](auto&&... t) { ((counter += t.return_value()), ...); }, tasks);
    }
    const auto elapsed = clock_type::now() - start;
    require_eq("when_all_x10", "counter", counter, iterations);
    report("core", "when_all_x10", iterations, elapsed);
}

// B4: sync_wait(when_all(vector of 10 tasks)).
auto b4_when_all_vector_x10() -> void
{
    const uint64_t iterations = scaled(default_iterations);
    auto           f          = []() -> coro::task<uint64_t> { co_return 1; };

    const auto start   = clock_type::now();
    uint64_t   counter = 0;
    for (uint64_t i = 0; i < iterations; i += 10)
    {
        std::vector<coro::task<uint64_t>> tasks;
        tasks.reserve(10);
        for (int j = 0; j < 10; ++j)
        {
            tasks.emplace_back(f());
        }
        auto results = coro::sync_wait(coro::when_all(std::move(tasks)));
        for (const auto& t : results)
        {
            counter += t.return_value();
        }
    }
    const auto elapsed = clock_type::now() - start;
    require_eq("when_all_vector_x10", "counter", counter, iterations);
    report("core", "when_all_vector_x10", iterations, elapsed);
}

// B5-B7: tasks created and resumed from the main thread; each schedules itself onto the pool and counts.
auto thread_pool_counter(const char* name, coro::thread_pool::options opts) -> void
{
    const uint64_t        iterations = scaled(default_iterations);
    coro::thread_pool     tp{std::move(opts)};
    std::atomic<uint64_t> counter{0};

    auto make_task = [](coro::thread_pool& tp, std::atomic<uint64_t>& counter) -> coro::task<void>
    {
        co_await tp.schedule();
        counter.fetch_add(1, std::memory_order_relaxed);
        co_return;
    };

    const auto                    start = clock_type::now();
    std::vector<coro::task<void>> tasks;
    tasks.reserve(iterations);
    for (uint64_t i = 0; i < iterations; ++i)
    {
        tasks.emplace_back(make_task(tp, counter));
        tasks.back().resume();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    tp.shutdown();
    const auto elapsed = clock_type::now() - start;

    require_eq(name, "counter", counter.load(), iterations);
    require(name, "tp.empty()", tp.empty());
    report("core", name, iterations, elapsed);
}

auto b5_thread_pool_1() -> void
{
    thread_pool_counter("thread_pool_1", coro::thread_pool::options{.thread_count = 1});
}

auto b6_thread_pool_2() -> void
{
    thread_pool_counter("thread_pool_2", coro::thread_pool::options{.thread_count = 2});
}

auto b7_thread_pool_n() -> void
{
    coro::thread_pool::options opts{};
    if (g_config.threads != 0)
    {
        opts.thread_count = g_config.threads;
    }
    thread_pool_counter("thread_pool_n", std::move(opts));
}

auto make_scheduler_1() -> std::shared_ptr<coro::io_scheduler>
{
    return coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}

/// Waits (bounded) until the scheduler reports no outstanding work.
auto wait_until_empty(coro::io_scheduler& s) -> bool
{
    const auto deadline = clock_type::now() + std::chrono::seconds{30};
    while (!s.empty())
    {
        if (clock_type::now() > deadline)
        {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds{100});
    }
    return true;
}

// B8 and B9: one task per iteration that schedules, awaits Yield{}(scheduler) and counts; two operations each.
template <typename Yield>
auto scheduler_yield_run(const char* name) -> void
{
    const uint64_t        iterations = scaled(default_iterations);
    const uint64_t        ops        = iterations * 2;
    auto                  s          = make_scheduler_1();
    std::atomic<uint64_t> counter{0};

    auto make_task = [](std::shared_ptr<coro::io_scheduler> s, std::atomic<uint64_t>& counter) -> coro::task<void>
    {
        co_await s->schedule();
        co_await Yield{}(*s);
        counter.fetch_add(1, std::memory_order_relaxed);
        co_return;
    };

    const auto                    start = clock_type::now();
    std::vector<coro::task<void>> tasks;
    tasks.reserve(iterations);
    for (uint64_t i = 0; i < iterations; ++i)
    {
        tasks.emplace_back(make_task(s, counter));
    }
    coro::sync_wait(coro::when_all(std::move(tasks)));
    const auto elapsed = clock_type::now() - start;

    require(name, "s->empty()", wait_until_empty(*s));
    require_eq(name, "counter", counter.load(), iterations);
    s->shutdown();
    report("core", name, ops, elapsed);
}

// B8: schedule, yield, increment.
auto b8_scheduler_yield() -> void
{
    auto yield = [](coro::io_scheduler& s) { return s.yield(); };
    scheduler_yield_run<decltype(yield)>("scheduler_yield");
}

// B9: schedule, yield_for(1ms), increment: millions of timers.
auto b9_scheduler_yield_for() -> void
{
    auto yield_for = [](coro::io_scheduler& s) { return s.yield_for(std::chrono::milliseconds{1}); };
    scheduler_yield_run<decltype(yield_for)>("scheduler_yield_for");
}

// B10: one waiter and one resumer task per event, all in one when_all.
auto b10_scheduler_event() -> void
{
    const uint64_t        iterations = scaled(default_iterations);
    const uint64_t        ops        = iterations * 3;
    auto                  s          = make_scheduler_1();
    std::atomic<uint64_t> counter{0};

    std::vector<std::unique_ptr<coro::event>> events;
    events.reserve(iterations);
    for (uint64_t i = 0; i < iterations; ++i)
    {
        events.emplace_back(std::make_unique<coro::event>());
    }

    auto wait_func =
        [](std::shared_ptr<coro::io_scheduler> s, coro::event& e, std::atomic<uint64_t>& counter) -> coro::task<void>
    {
        co_await s->schedule();
        co_await e;
        counter.fetch_add(1, std::memory_order_relaxed);
        co_return;
    };
    auto resume_func = [](std::shared_ptr<coro::io_scheduler> s, coro::event& e) -> coro::task<void>
    {
        co_await s->schedule();
        e.set();
        co_return;
    };

    const auto                    start = clock_type::now();
    std::vector<coro::task<void>> tasks;
    tasks.reserve(iterations * 2);
    for (uint64_t i = 0; i < iterations; ++i)
    {
        tasks.emplace_back(wait_func(s, *events[i], counter));
        tasks.emplace_back(resume_func(s, *events[i]));
    }
    coro::sync_wait(coro::when_all(std::move(tasks)));
    require("scheduler_event", "s->empty()", wait_until_empty(*s));
    const auto elapsed = clock_type::now() - start;

    require_eq("scheduler_event", "counter", counter.load(), iterations);
    s->shutdown();
    report("core", "scheduler_event", ops, elapsed);
}

// ---------------------------------------------------------------------------------------------------------
// Suite forkjoin: every task starts with co_await tp.schedule() on a (default) 2-thread pool.

auto skynet(coro::thread_pool& tp, uint64_t num, uint64_t size) -> coro::task<uint64_t>
{
    co_await tp.schedule();
    if (size == 1)
    {
        co_return num;
    }
    const uint64_t s       = size / 10;
    auto           results = co_await coro::when_all(
        skynet(tp, num + 0 * s, s),
        skynet(tp, num + 1 * s, s),
        skynet(tp, num + 2 * s, s),
        skynet(tp, num + 3 * s, s),
        skynet(tp, num + 4 * s, s),
        skynet(tp, num + 5 * s, s),
        skynet(tp, num + 6 * s, s),
        skynet(tp, num + 7 * s, s),
        skynet(tp, num + 8 * s, s),
        skynet(tp, num + 9 * s, s));
    uint64_t sum = 0;
    std::apply([&sum](auto&... t) { ((sum += t.return_value()), ...); }, results);
    co_return sum;
}

auto skynet_run(const char* name, uint64_t full_leaves) -> void
{
    const uint64_t leaves = g_config.quick ? 100'000 : full_leaves;
    uint64_t       tasks  = 0;
    for (uint64_t level = leaves; level >= 1; level /= 10)
    {
        tasks += level;
    }
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto     start   = clock_type::now();
    const uint64_t sum     = coro::sync_wait(skynet(tp, 0, leaves));
    const auto     elapsed = clock_type::now() - start;

    require_eq(name, "sum of leaves", sum, leaves * (leaves - 1) / 2);
    report("forkjoin", name, tasks, elapsed);
}

auto fj_skynet() -> void
{
    skynet_run("skynet", 10'000'000);
}

auto fj_skynet_100m() -> void
{
    skynet_run("skynet_100m", 100'000'000);
}

auto fib(coro::thread_pool& tp, uint32_t n) -> coro::task<uint64_t>
{
    co_await tp.schedule();
    if (n < 2)
    {
        co_return n;
    }
    auto [a, b] = co_await coro::when_all(fib(tp, n - 1), fib(tp, n - 2));
    co_return a.return_value() + b.return_value();
}

auto fj_fib() -> void
{
    const uint32_t n = g_config.quick ? 25 : 35;
    // Serial reference values: fib(n) and the number of calls (= tasks) the recursion makes.
    uint64_t f0 = 0, f1 = 1;
    for (uint32_t i = 0; i < n; ++i)
    {
        const uint64_t next = f0 + f1;
        f0                  = f1;
        f1                  = next;
    }
    const uint64_t expected = f0;
    const uint64_t calls    = 2 * f1 - 1; // calls(n) = 2 fib(n+1) - 1
    if (n == 35)
    {
        require_eq("fib", "reference fib(35)", expected, 9'227'465);
    }
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto     start   = clock_type::now();
    const uint64_t result  = coro::sync_wait(fib(tp, n));
    const auto     elapsed = clock_type::now() - start;

    require_eq("fib", "fib(n)", result, expected);
    report("forkjoin", "fib", calls, elapsed);
}

/// The issue-19 fib shape: leaves (n < 2) return inline without scheduling; inner nodes schedule, then fork.
auto fib_inline(coro::thread_pool& tp, uint32_t n) -> coro::task<uint64_t>
{
    if (n < 2)
    {
        co_return n;
    }
    co_await tp.schedule();
    auto [a, b] = co_await coro::when_all(fib_inline(tp, n - 1), fib_inline(tp, n - 2));
    co_return a.return_value() + b.return_value();
}

auto fib_inline_run(const char* name, uint32_t full_n) -> void
{
    const uint32_t n  = g_config.quick ? 25 : full_n;
    uint64_t       f0 = 0, f1 = 1;
    for (uint32_t i = 0; i < n; ++i)
    {
        const uint64_t next = f0 + f1;
        f0                  = f1;
        f1                  = next;
    }
    const uint64_t    expected = f0;
    const uint64_t    calls    = 2 * f1 - 1;
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto     start   = clock_type::now();
    const uint64_t result  = coro::sync_wait(fib_inline(tp, n));
    const auto     elapsed = clock_type::now() - start;

    require_eq(name, "fib(n)", result, expected);
    report("forkjoin", name, calls, elapsed);
}

auto fj_fib_inline_35() -> void
{
    fib_inline_run("fib_inline_35", 35);
}

auto fj_fib_inline_39() -> void
{
    fib_inline_run("fib_inline_39", 39);
}

constexpr std::size_t board_max = 16;

/// One partial placement: the column of the queen in each of the first `rows` rows. Copied into every child.
struct board
{
    std::array<int8_t, board_max> cols{};
    uint32_t                      rows = 0;

    auto safe(int8_t col) const -> bool
    {
        for (uint32_t r = 0; r < rows; ++r)
        {
            const int d = cols[r] - col;
            if (d == 0 || d == static_cast<int>(rows - r) || -d == static_cast<int>(rows - r))
            {
                return false;
            }
        }
        return true;
    }
};

/// The issue-19 nqueens shape: inner nodes schedule, then when_all over the filtered range of safe columns, each
/// child with its own copy of the board.
auto nqueens_board(coro::thread_pool& tp, uint32_t n, board b) -> coro::task<uint64_t>
{
    co_await tp.schedule();
    if (b.rows == n)
    {
        co_return 1;
    }
    auto child_at = [&tp, n, &b](int col)
    {
        board child        = b;
        child.cols[b.rows] = static_cast<int8_t>(col);
        ++child.rows;
        return nqueens_board(tp, n, child);
    };
#if defined(__clang__) && __clang_major__ < 16
    // clang < 16 rejects libstdc++ 12's range adaptors (its concepts): the same children, filtered into a vector.
    std::vector<coro::task<uint64_t>> children;
    for (int col = 0; col < static_cast<int>(n); ++col)
    {
        if (b.safe(static_cast<int8_t>(col)))
        {
            children.emplace_back(child_at(col));
        }
    }
#else
    auto children = std::views::iota(0, static_cast<int>(n)) |
                    std::views::filter([&b](int col) { return b.safe(static_cast<int8_t>(col)); }) |
                    std::views::transform(child_at);
#endif
    auto     results = co_await coro::when_all(std::move(children));
    uint64_t sum     = 0;
    for (const auto& t : results)
    {
        sum += t.return_value();
    }
    co_return sum;
}

auto fj_nqueens_board() -> void
{
    const uint32_t    n        = g_config.quick ? 11 : 14;
    const uint64_t    expected = n == 14 ? 365'596 : 2'680;
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto     start     = clock_type::now();
    const uint64_t solutions = coro::sync_wait(nqueens_board(tp, n, board{}));
    const auto     elapsed   = clock_type::now() - start;

    require_eq("nqueens_board", "solutions", solutions, expected);
    report("forkjoin", "nqueens_board", solutions, elapsed);
}

auto nqueens(coro::thread_pool& tp, uint32_t all, uint32_t cols, uint32_t diag_l, uint32_t diag_r)
    -> coro::task<uint64_t>
{
    co_await tp.schedule();
    if (cols == all)
    {
        co_return 1;
    }
    std::vector<coro::task<uint64_t>> children;
    for (uint32_t free = all & ~(cols | diag_l | diag_r); free != 0;)
    {
        const uint32_t bit = free & (0u - free);
        free ^= bit;
        children.emplace_back(nqueens(tp, all, cols | bit, ((diag_l | bit) << 1) & all, (diag_r | bit) >> 1));
    }
    if (children.empty())
    {
        co_return 0;
    }
    auto     results = co_await coro::when_all(std::move(children));
    uint64_t sum     = 0;
    for (const auto& t : results)
    {
        sum += t.return_value();
    }
    co_return sum;
}

/// Serial reference: solutions and number of search-tree nodes (= tasks the parallel version creates).
auto nqueens_serial(uint32_t all, uint32_t cols, uint32_t diag_l, uint32_t diag_r, uint64_t& nodes) -> uint64_t
{
    ++nodes;
    if (cols == all)
    {
        return 1;
    }
    uint64_t sum = 0;
    for (uint32_t free = all & ~(cols | diag_l | diag_r); free != 0;)
    {
        const uint32_t bit = free & (0u - free);
        free ^= bit;
        sum += nqueens_serial(all, cols | bit, ((diag_l | bit) << 1) & all, (diag_r | bit) >> 1, nodes);
    }
    return sum;
}

auto fj_nqueens() -> void
{
    const uint32_t n        = g_config.quick ? 11 : 14;
    const uint64_t expected = n == 14 ? 365'596 : 2'680;
    const uint32_t all      = (1u << n) - 1;

    uint64_t       nodes  = 0;
    const uint64_t serial = nqueens_serial(all, 0, 0, 0, nodes);
    require_eq("nqueens", "serial solutions", serial, expected);

    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto     start     = clock_type::now();
    const uint64_t solutions = coro::sync_wait(nqueens(tp, all, 0, 0, 0));
    const auto     elapsed   = clock_type::now() - start;

    require_eq("nqueens", "solutions", solutions, expected);
    report("forkjoin", "nqueens", nodes, elapsed);
}

constexpr std::size_t matmul_block = 64;

/// C[0..64)[0..64) += A * B on 64x64 blocks of row-major matrices with row stride `stride`. One output row
/// is accumulated in a local array the compiler keeps in vector registers.
__attribute__((target_clones("avx2", "default"))) void
matmul_kernel(const int32_t* __restrict a, const int32_t* __restrict b, int32_t* __restrict c, std::size_t stride)
{
    for (std::size_t i = 0; i < matmul_block; ++i)
    {
        int32_t acc[matmul_block];
        for (std::size_t j = 0; j < matmul_block; ++j)
        {
            acc[j] = c[i * stride + j];
        }
        for (std::size_t k = 0; k < matmul_block; ++k)
        {
            const int32_t  aik  = a[i * stride + k];
            const int32_t* brow = b + k * stride;
            for (std::size_t j = 0; j < matmul_block; ++j)
            {
                acc[j] += aik * brow[j];
            }
        }
        for (std::size_t j = 0; j < matmul_block; ++j)
        {
            c[i * stride + j] = acc[j];
        }
    }
}

/// C += A * B for n x n sub-matrices (n a power of two >= 64): two phases of four quadrant products, the
/// four of a phase writing disjoint quadrants of C in parallel.
auto matmul(coro::thread_pool& tp, const int32_t* a, const int32_t* b, int32_t* c, std::size_t n, std::size_t stride)
    -> coro::task<void>
{
    co_await tp.schedule();
    if (n <= matmul_block)
    {
        matmul_kernel(a, b, c, stride);
        co_return;
    }
    const std::size_t h   = n / 2;
    const int32_t*    a11 = a;
    const int32_t*    a12 = a + h;
    const int32_t*    a21 = a + h * stride;
    const int32_t*    a22 = a + h * stride + h;
    const int32_t*    b11 = b;
    const int32_t*    b12 = b + h;
    const int32_t*    b21 = b + h * stride;
    const int32_t*    b22 = b + h * stride + h;
    int32_t*          c11 = c;
    int32_t*          c12 = c + h;
    int32_t*          c21 = c + h * stride;
    int32_t*          c22 = c + h * stride + h;
    co_await coro::when_all(
        matmul(tp, a11, b11, c11, h, stride),
        matmul(tp, a11, b12, c12, h, stride),
        matmul(tp, a21, b11, c21, h, stride),
        matmul(tp, a21, b12, c22, h, stride));
    co_await coro::when_all(
        matmul(tp, a12, b21, c11, h, stride),
        matmul(tp, a12, b22, c12, h, stride),
        matmul(tp, a22, b21, c21, h, stride),
        matmul(tp, a22, b22, c22, h, stride));
}

auto matmul_run(const char* name, std::size_t full_n) -> void
{
    const std::size_t    n = g_config.quick ? 256 : full_n;
    std::vector<int32_t> a(n * n), b(n * n), c(n * n, 0);
    for (std::size_t i = 0; i < n; ++i)
    {
        for (std::size_t j = 0; j < n; ++j)
        {
            a[i * n + j] = static_cast<int32_t>((i * 7 + j * 3) % 17) - 8;
            b[i * n + j] = static_cast<int32_t>((i * 5 + j * 11) % 13) - 6;
        }
    }
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = forkjoin_threads()}};

    const auto start = clock_type::now();
    coro::sync_wait(matmul(tp, a.data(), b.data(), c.data(), n, n));
    const auto elapsed = clock_type::now() - start;

    // Naive dot products on sampled entries (corners, diagonal, pseudo-random).
    uint32_t rng   = 12345;
    auto     check = [&](std::size_t i, std::size_t j)
    {
        int64_t want = 0;
        for (std::size_t k = 0; k < n; ++k)
        {
            want += static_cast<int64_t>(a[i * n + k]) * b[k * n + j];
        }
        if (want != c[i * n + j])
        {
            fail(
                name,
                "C[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + std::to_string(c[i * n + j]) +
                    ", expected " + std::to_string(want));
        }
    };
    check(0, 0);
    check(0, n - 1);
    check(n - 1, 0);
    check(n - 1, n - 1);
    for (int s = 0; s < 256; ++s)
    {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        const std::size_t i = rng % n;
        check(i, i);
        check(i, (rng >> 11) % n);
    }
    report("forkjoin", name, static_cast<uint64_t>(n) * n * n, elapsed);
}

auto fj_matmul() -> void
{
    matmul_run("matmul", 1024);
}

auto fj_matmul_2048() -> void
{
    matmul_run("matmul_2048", 2048);
}

// ---------------------------------------------------------------------------------------------------------

struct workload
{
    const char*           name;
    const char*           suite;
    const char*           description;
    std::function<void()> run;
};

auto workloads() -> const std::vector<workload>&
{
    static const std::vector<workload> list = {
        {"direct_call", "core", "B1: 5M plain function calls (relaxed atomic increment)", b1_direct_call},
        {"sync_wait", "core", "B2: 5M x sync_wait(task->1)", b2_sync_wait},
        {"when_all_x10", "core", "B3: 500k x sync_wait(when_all(10 tasks)), variadic", b3_when_all_x10},
        {"when_all_vector_x10", "core", "B4: 500k x sync_wait(when_all(vector of 10 tasks))", b4_when_all_vector_x10},
        {"thread_pool_1", "core", "B5: 5M tasks schedule()d onto thread_pool{1} from main", b5_thread_pool_1},
        {"thread_pool_2", "core", "B6: 5M tasks schedule()d onto thread_pool{2} from main", b6_thread_pool_2},
        {"thread_pool_n", "core", "B7: 5M tasks onto thread_pool{hardware threads | --threads}", b7_thread_pool_n},
        {"scheduler_yield", "core", "B8: sched(1), 5M x (schedule, yield); ops = 10M", b8_scheduler_yield},
        {"scheduler_yield_for",
         "core",
         "B9: sched(1), 5M x (schedule, yield_for 1ms); ops = 10M",
         b9_scheduler_yield_for},
        {"scheduler_event", "core", "B10: sched(1), 5M events, waiter+resumer tasks; ops = 15M", b10_scheduler_event},
        {"skynet", "forkjoin", "skynet 10M leaves, fan-out 10 via when_all; ops = tasks (11.1M)", fj_skynet},
        {"fib", "forkjoin", "fib(35) via when_all(fib(n-1), fib(n-2)); ops = tasks (29.9M)", fj_fib},
        {"fib_inline_35",
         "forkjoin",
         "fib(35), leaves inline, inner nodes schedule then when_all (issue 19 shape); ops = calls",
         fj_fib_inline_35},
        {"fib_inline_39", "forkjoin", "fib(39), as fib_inline_35; ops = calls", fj_fib_inline_39},
        {"skynet_100m", "forkjoin", "skynet 100M leaves (issue 19 shape); ops = tasks (111M)", fj_skynet_100m},
        {"nqueens_board",
         "forkjoin",
         "nqueens(14), when_all over the filtered range of safe columns, a board copy per child; ops = solutions",
         fj_nqueens_board},
        {"nqueens", "forkjoin", "nqueens(14) via when_all over placements; ops = tasks (search nodes)", fj_nqueens},
        {"matmul", "forkjoin", "1024x1024 int matmul, quadrant recursion to 64x64; ops = multiply-adds", fj_matmul},
        {"matmul_2048", "forkjoin", "matmul at 2048x2048 (issue 19 shape); ops = multiply-adds", fj_matmul_2048},
#ifdef GOCORO_BENCH_NET
        {"tcp_echo_pool",
         "net",
         "B11: tcp echo, thread-pool schedulers, 100 conns x 1000 msgs",
         [] { gocoro_bench::net_tcp_echo_thread_pool(report, g_config.quick); }},
        {"tcp_echo_inline",
         "net",
         "B12: tcp echo, 10+10 inline schedulers, 100 conns x 1000 msgs",
         [] { gocoro_bench::net_tcp_echo_inline(report, g_config.quick); }},
        {"http_pingpong",
         "net",
         "issue 19: HTTP 200 ping-pong, inline scheduler per side, 20 conns, 100k requests",
         [] { gocoro_bench::net_http_pingpong(report, g_config.quick); }},
        {"tls_echo_pool",
         "net",
         "B13: tls echo, thread-pool schedulers, 100 conns x 1000 msgs",
         [] { gocoro_bench::net_tls_echo_thread_pool(report, g_config.quick); }},
#endif
    };
    return list;
}

auto usage(FILE* out) -> void
{
    std::fprintf(
        out,
        "usage: bench [--quick] [--threads N] (--list | --suite core|forkjoin|net|all | <workload>...)\n"
        "  Prints one JSON line per workload on stdout, progress on stderr; exits non-zero on a wrong result.\n"
        "  Run fork-join workloads one per process (tools/bench/cpp/run_forkjoin.sh) for per-workload peak RSS.\n");
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<const workload*> selected;
    bool                         list = false;

    auto select_suite = [&](std::string_view suite) -> bool
    {
        bool any = false;
        for (const auto& w : workloads())
        {
            if (suite == "all" || suite == w.suite)
            {
                selected.push_back(&w);
                any = true;
            }
        }
        return any;
    };

    for (int i = 1; i < argc; ++i)
    {
        std::string_view arg{argv[i]};
        if (arg == "--list")
        {
            list = true;
        }
        else if (arg == "--quick")
        {
            g_config.quick = true;
        }
        else if (arg == "--threads" || arg == "--suite")
        {
            if (i + 1 >= argc)
            {
                usage(stderr);
                return 2;
            }
            std::string_view value{argv[++i]};
            if (arg == "--threads")
            {
                const long t = std::strtol(argv[i], nullptr, 10);
                if (t <= 0 || t > 1024)
                {
                    std::fprintf(stderr, "bench: bad --threads value '%s'\n", argv[i]);
                    return 2;
                }
                g_config.threads = static_cast<uint32_t>(t);
            }
            else if (!select_suite(value))
            {
                std::fprintf(stderr, "bench: unknown suite '%s'\n", argv[i]);
                return 2;
            }
        }
        else if (arg == "--help" || arg == "-h")
        {
            usage(stdout);
            return 0;
        }
        else
        {
            const workload* found = nullptr;
            for (const auto& w : workloads())
            {
                if (arg == w.name)
                {
                    found = &w;
                }
            }
            if (found == nullptr)
            {
                std::fprintf(stderr, "bench: unknown workload '%s' (see --list)\n", argv[i]);
                return 2;
            }
            selected.push_back(found);
        }
    }

    if (list)
    {
        for (const auto& w : workloads())
        {
            std::printf("%-22s %-9s %s\n", w.name, w.suite, w.description);
        }
        return 0;
    }
    if (selected.empty())
    {
        usage(stderr);
        return 2;
    }
    for (const auto* w : selected)
    {
        w->run();
    }
    return 0;
}
