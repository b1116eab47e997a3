#include <catch2/catch.hpp>

#include <coro/coro.hpp>
#include <coro/detail/frame_allocator.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

// The frame allocator behind task and when_all frames (coro/detail/frame_allocator.hpp): slabs, the per-thread
// caches, the depot and thread exit. Under AddressSanitizer frames bypass it; the slab checks are skipped there.

namespace
{
namespace fc = coro::detail::frame_cache_detail;

/// A frame filled with a pattern derived from its owner id, so an overlap with another live frame is detected.
struct marked
{
    void*       m_frame;
    std::size_t m_size;
    uint64_t    m_id;
};

auto mark(std::size_t size, uint64_t id) -> marked
{
    void* f = coro::detail::frame_allocate(size);
    auto* w = static_cast<uint64_t*>(f);
    for (std::size_t i = 0; i < size / sizeof(uint64_t); ++i)
    {
        w[i] = id ^ i;
    }
    return marked{f, size, id};
}

auto intact(const marked& m) -> bool
{
    const auto* w = static_cast<const uint64_t*>(m.m_frame);
    for (std::size_t i = 0; i < m.m_size / sizeof(uint64_t); ++i)
    {
        if (w[i] != (m.m_id ^ i))
        {
            return false;
        }
    }
    return true;
}

/// Sizes that cover every class boundary region, the smallest frame and the largest cached one.
const std::vector<std::size_t> sizes{16, 24, 40, 56, 100, 128, 200, 512, 1000, 2040, 4088, 4096, 8192};
} // namespace

TEST_CASE("frame_allocator frames are aligned and disjoint", "[frame_allocator]")
{
    std::vector<marked> live;
    uint64_t            id = 1;
    for (int round = 0; round < 200; ++round)
    {
        for (auto size : sizes)
        {
            live.push_back(mark(size, id++));
            REQUIRE(reinterpret_cast<std::uintptr_t>(live.back().m_frame) % 16 == 0);
        }
    }
    for (const auto& m : live)
    {
        REQUIRE(intact(m));
    }
    for (const auto& m : live)
    {
        coro::detail::frame_deallocate(m.m_frame, m.m_size);
    }
}

TEST_CASE("frame_allocator unmaps slabs once their frames are released", "[frame_allocator]")
{
    if constexpr (!fc::enabled)
    {
        WARN("frame cache disabled in this build (AddressSanitizer)");
        return;
    }
    const std::size_t before = fc::mapped_slabs();
    // 64 MiB of 248-byte frames: 32 slabs, made on one thread that then exits (retiring its last slab).
    constexpr std::size_t size  = 248;
    constexpr std::size_t count = (std::size_t{64} << 20) / 256;
    std::vector<void*>    frames(count);
    std::thread{[&]
                {
                    for (auto& f : frames)
                    {
                        f = coro::detail::frame_allocate(size);
                    }
                }}
        .join();
    const std::size_t during = fc::mapped_slabs();
    REQUIRE(during >= before + 30);
    // Freed on another thread that exits too: its cache and the depot keep a few hundred KiB, the rest is unmapped.
    std::thread{[&]
                {
                    for (auto* f : frames)
                    {
                        coro::detail::frame_deallocate(f, size);
                    }
                }}
        .join();
    REQUIRE(fc::mapped_slabs() <= before + 3);
}

TEST_CASE("frame_allocator frames cross threads", "[frame_allocator]")
{
    // Each producer makes frames of every size and hands them to the consumers, which check and free them; the
    // consumers' caches overflow into the depot, from which the producers take batches back.
    constexpr int       producers = 3;
    constexpr int       consumers = 3;
    constexpr int       rounds    = 3000;
    std::mutex          mutex;
    std::vector<marked> queue;
    std::atomic<int>    producing{producers};
    std::atomic<bool>   corrupt{false};

    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
    {
        threads.emplace_back(
            [&, p]
            {
                uint64_t id = uint64_t(p + 1) << 48;
                for (int r = 0; r < rounds; ++r)
                {
                    std::vector<marked> made;
                    for (auto size : sizes)
                    {
                        made.push_back(mark(size, id++));
                    }
                    std::scoped_lock lk{mutex};
                    queue.insert(queue.end(), made.begin(), made.end());
                }
                producing.fetch_sub(1);
            });
    }
    for (int c = 0; c < consumers; ++c)
    {
        threads.emplace_back(
            [&]
            {
                for (;;)
                {
                    std::vector<marked> taken;
                    bool                done = producing.load() == 0;
                    {
                        std::scoped_lock lk{mutex};
                        taken.swap(queue);
                    }
                    for (const auto& m : taken)
                    {
                        if (!intact(m))
                        {
                            corrupt = true;
                        }
                        coro::detail::frame_deallocate(m.m_frame, m.m_size);
                    }
                    if (done && taken.empty())
                    {
                        return;
                    }
                    if (taken.empty())
                    {
                        std::this_thread::yield();
                    }
                }
            });
    }
    for (auto& t : threads)
    {
        t.join();
    }
    REQUIRE_FALSE(corrupt);
    REQUIRE(queue.empty());
}

namespace
{
/// Constructed before the thread's first frame, so destroyed after the thread's cache is flushed: frames made and
/// freed here come from the slab that exiting threads share.
struct allocates_at_exit
{
    std::atomic<int>* m_ok{nullptr};
    ~allocates_at_exit()
    {
        if (m_ok == nullptr)
        {
            return;
        }
        std::vector<marked> made;
        for (int i = 0; i < 100; ++i)
        {
            made.push_back(mark(sizes[std::size_t(i) % sizes.size()], uint64_t(i)));
        }
        bool ok = true;
        for (const auto& m : made)
        {
            ok = ok && intact(m);
            coro::detail::frame_deallocate(m.m_frame, m.m_size);
        }
        if (ok)
        {
            m_ok->fetch_add(1);
        }
    }
};
thread_local allocates_at_exit t_at_exit;
} // namespace

TEST_CASE("frame_allocator frames during thread exit", "[frame_allocator]")
{
    std::atomic<int>         ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
    {
        threads.emplace_back(
            [&]
            {
                t_at_exit.m_ok = &ok;
                // Tasks run (and their frames are cached) on this thread before it exits.
                auto leaf = []() -> coro::task<int> { co_return 1; };
                auto sum  = [&]() -> coro::task<int>
                {
                    int s = 0;
                    for (int j = 0; j < 1000; ++j)
                    {
                        s += co_await leaf();
                    }
                    co_return s;
                };
                if (coro::sync_wait(sum()) != 1000)
                {
                    ok.fetch_sub(100);
                }
            });
    }
    for (auto& t : threads)
    {
        t.join();
    }
    REQUIRE(ok.load() == 4);
}
