#include "coro/detail/frame_allocator.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>

#include <sys/mman.h>

// Coroutine frame cache slow paths (the fast paths are inline in coro/detail/frame_allocator.hpp).
namespace coro::detail::frame_cache_detail
{
namespace
{
/// Frames are carved from slabs: slab_size bytes of anonymous memory aligned to slab_size, whose first bytes hold a
/// slab_header. A frame finds its slab by rounding its address down, so a frame needs no header of its own.
///
/// Why not ::operator new: when millions of frames are alive at once (tasks started faster than they finish, the
/// live-task shapes), the cache has nothing to reuse and every frame costs a walk of malloc's bins plus its share of
/// page faults (two thirds of such a workload's time under perf). Carving is a pointer bump, and a thread's slabs
/// after its first small_slabs are backed by transparent huge pages (MADV_HUGEPAGE; THP in "madvise" or "always"
/// mode): one fault per 2 MiB instead of one per 4 KiB. The first ones stay on small pages, so a thread that keeps
/// fewer frames (fork-join, a server's connections) costs only the pages it touches: a huge page is resident whole,
/// which took net/server's memory per idle connection from 498 to 695 bytes at 10,000 connections when only the
/// first slab was small.
constexpr std::size_t slab_size   = std::size_t{2} << 20;
constexpr std::size_t small_slabs = 8;

/// Frames carved so far and not yet released: a slab is unmapped when the last of its frames is released after its
/// carver has moved on. While a thread carves from a slab, the count holds carving_bias instead of the carved
/// frames (carving touches no shared counter); when the carver retires the slab it adds carved - carving_bias.
/// The bias exceeds the frames a slab can hold, so the count cannot reach zero before that.
struct slab_header
{
    alignas(64) std::atomic<std::int64_t> m_unreleased;
};
constexpr std::int64_t carving_bias = std::int64_t{1} << 40;
static_assert(slab_size / (min_frame_size + 8) < carving_bias);

/// Slabs mapped and not yet unmapped (mapped_slabs()).
std::atomic<std::size_t> g_mapped_slabs{0};
/// Slabs mapped so far: numbers each slab for its colour.
std::atomic<std::size_t> g_slabs_made{0};

/// Where carving starts in a new slab, after its header: slabs start at the same address bits, so the frames
/// carved at the same point of two threads' slabs (say, the first frames of every thread) would share cache sets
/// and, at the same offset within a page, stall each other's loads as 4 KiB aliases (nqueens_board 6% slower than
/// on malloc's memory, measured). Successive slabs start 5 cache lines further into a page, 64 colours in all.
auto colour() noexcept -> std::size_t
{
    return (g_slabs_made.fetch_add(1, std::memory_order_relaxed) * 5 * 64) % 4096;
}

auto slab_of(void* frame) noexcept -> slab_header*
{
    return reinterpret_cast<slab_header*>(reinterpret_cast<std::uintptr_t>(frame) & ~(slab_size - 1));
}

auto unmap(slab_header* s) noexcept -> void
{
    ::munmap(s, slab_size);
    g_mapped_slabs.fetch_sub(1, std::memory_order_relaxed);
}

/// Maps a slab aligned to slab_size (maps twice the size and trims both ends); nullptr when out of memory.
auto map_slab(bool huge) noexcept -> slab_header*
{
    void* p = ::mmap(nullptr, 2 * slab_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
    {
        return nullptr;
    }
    const auto base    = reinterpret_cast<std::uintptr_t>(p);
    const auto aligned = (base + slab_size - 1) & ~(slab_size - 1);
    if (aligned != base)
    {
        ::munmap(p, aligned - base);
    }
    if (const auto tail = base + 2 * slab_size - (aligned + slab_size); tail != 0)
    {
        ::munmap(reinterpret_cast<void*>(aligned + slab_size), tail);
    }
    void* slab = reinterpret_cast<void*>(aligned);
    // Advice only: without THP the slab works the same on small pages.
    (void)::madvise(slab, slab_size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    g_mapped_slabs.fetch_add(1, std::memory_order_relaxed);
    return new (slab) slab_header{carving_bias};
}

/// Bump allocation from one slab at a time. Trivially destructible (thread-exit order, like cache).
struct carver
{
    slab_header* m_slab{nullptr};
    std::byte*   m_next{nullptr};
    std::byte*   m_end{nullptr};
    std::int64_t m_carved{0};
    std::size_t  m_slabs{0}; ///< slabs this carver has mapped: the first small_slabs are not huge-page backed

    /// Hands the slab over to its frames: the last one released unmaps it.
    auto retire() noexcept -> void
    {
        if (m_slab != nullptr && m_slab->m_unreleased.fetch_add(m_carved - carving_bias, std::memory_order_acq_rel) ==
                                     carving_bias - m_carved)
        {
            unmap(m_slab);
        }
        m_slab = nullptr;
        m_next = m_end = nullptr;
        m_carved       = 0;
    }

    /// A frame of `size` bytes (a multiple of 16); throws std::bad_alloc when no slab can be mapped.
    auto carve(std::size_t size) -> void*
    {
        if (static_cast<std::size_t>(m_end - m_next) < size)
        {
            slab_header* s = map_slab(m_slabs >= small_slabs);
            if (s == nullptr)
            {
                throw std::bad_alloc{};
            }
            retire();
            ++m_slabs;
            m_slab = s;
            m_next = reinterpret_cast<std::byte*>(s) + sizeof(slab_header) + colour();
            m_end  = reinterpret_cast<std::byte*>(s) + slab_size;
        }
        void* f = m_next;
        m_next += size;
        ++m_carved;
        return f;
    }
};

constinit thread_local carver t_carver{};

/// Threads that allocate frames while they exit (after their cache is flushed) share one carver.
struct shared_carver
{
    std::mutex m_mutex;
    carver     m_carver;
};

auto exiting_threads_carver() noexcept -> shared_carver&
{
    static shared_carver c;
    return c;
}

/// The bytes carved for a frame of class size `rounded`: glibc's chunk for the same request (usable size plus its
/// 8-byte header), which keeps frames 16-byte aligned and memory per frame what ::operator new costs.
constexpr auto carved_size(std::size_t rounded) noexcept -> std::size_t
{
    return rounded + 8;
}
static_assert(carved_size(class_size(1)) % granule == 0);

/// Gives a frame back to its slab.
auto release_frame(void* frame) noexcept -> void
{
    slab_header* s = slab_of(frame);
    if (s->m_unreleased.fetch_sub(1, std::memory_order_acq_rel) == 1)
    {
        unmap(s);
    }
}

/// Frames of one size class travel between threads in batches of this many.
constexpr std::size_t batch = 32;
/// Batches the depot keeps per size class; beyond that frames go back to their slabs.
constexpr std::size_t max_depot_batches = 64;

/// Frames are often created on one thread and freed on another (a host thread starts tasks that finish on executor
/// threads): the freeing thread's cache fills up while the creating thread keeps calling ::operator new. A thread
/// whose cache is full hands a batch of the class to this depot; a thread whose list of a class is empty takes a
/// batch from it. One lock per batch. A batch is a chain linked through m_next; batches are chained to each other
/// through the second word of their first frame (every frame spans at least min_frame_size bytes).
struct depot
{
    std::mutex               m_mutex;
    free_frame*              m_batches{nullptr};
    std::atomic<std::size_t> m_count{0}; // read without the lock to skip an empty depot

    static auto next_batch(free_frame* b) noexcept -> free_frame*& { return reinterpret_cast<free_frame**>(b)[1]; }

    auto give(free_frame* b) noexcept -> bool
    {
        std::scoped_lock  lk{m_mutex};
        const std::size_t n = m_count.load(std::memory_order_relaxed);
        if (n >= max_depot_batches)
        {
            return false;
        }
        next_batch(b) = m_batches;
        m_batches     = b;
        m_count.store(n + 1, std::memory_order_relaxed);
        return true;
    }

    auto take() noexcept -> free_frame*
    {
        if (m_count.load(std::memory_order_relaxed) == 0)
        {
            return nullptr;
        }
        std::scoped_lock lk{m_mutex};
        free_frame*      b = m_batches;
        if (b != nullptr)
        {
            m_batches = next_batch(b);
            m_count.store(m_count.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
        }
        return b;
    }
};

auto depot_of(std::size_t c) noexcept -> depot&
{
    static depot d[classes];
    return d[c];
}

auto release_chain(free_frame* f) noexcept -> void
{
    while (f != nullptr)
    {
        free_frame* next = f->m_next;
        release_frame(f);
        f = next;
    }
}

auto flush(cache& c) noexcept -> void
{
    for (std::size_t i = 0; i < classes; ++i)
    {
        release_chain(c.m_heads[i]);
        c.m_heads[i] = nullptr;
    }
    c.m_bytes = 0;
}

/// Releases the thread's cached frames at thread exit; from then on frees bypass the cache.
struct cache_owner
{
    cache_owner() noexcept { t_cache.m_state = cache::live; }
    ~cache_owner()
    {
        t_cache.m_state = cache::dead;
        flush(t_cache);
        t_carver.retire();
    }
};

/// Makes this thread's cache live (registering its exit hook) the first time it is needed.
auto own_cache() noexcept -> cache&
{
    cache& c = t_cache;
    if (c.m_state == cache::fresh)
    {
        static thread_local cache_owner owner;
        (void)owner;
    }
    return c;
}
} // namespace

auto allocate_slow(std::size_t rounded) -> void*
{
    const std::size_t c = class_of(rounded);
    cache&            t = own_cache();
    if (free_frame* b = depot_of(c).take(); b != nullptr)
    {
        if (t.m_state == cache::live)
        {
            // Keep the rest of the batch (this class's list was empty: that is why we are here).
            t.m_heads[c] = b->m_next;
            t.m_bytes += (batch - 1) * rounded;
            return b;
        }
        release_chain(b->m_next);
        return b;
    }
    if (t.m_state == cache::live)
    {
        return t_carver.carve(carved_size(rounded));
    }
    shared_carver&   s = exiting_threads_carver();
    std::scoped_lock lk{s.m_mutex};
    return s.m_carver.carve(carved_size(rounded));
}

auto deallocate_slow(void* frame, std::size_t rounded) noexcept -> void
{
    const std::size_t c = class_of(rounded);
    cache&            t = own_cache();
    auto*             f = static_cast<free_frame*>(frame);
    if (t.m_state != cache::live)
    {
        release_frame(f);
        return;
    }
    if (t.m_bytes + rounded <= max_cached_bytes)
    {
        f->m_next    = t.m_heads[c];
        t.m_heads[c] = f;
        t.m_bytes += rounded;
        return;
    }
    // Full: pass a batch of this class (this frame and batch - 1 cached ones) on to the depot if there are enough.
    free_frame* last = t.m_heads[c];
    std::size_t n    = 1;
    for (; last != nullptr && n < batch - 1; ++n)
    {
        last = last->m_next;
    }
    if (last == nullptr)
    {
        release_frame(f);
        return;
    }
    f->m_next    = t.m_heads[c];
    t.m_heads[c] = last->m_next;
    last->m_next = nullptr;
    t.m_bytes -= (batch - 1) * rounded;
    if (!depot_of(c).give(f))
    {
        release_chain(f);
    }
}

auto mapped_slabs() noexcept -> std::size_t
{
    return g_mapped_slabs.load(std::memory_order_relaxed);
}
} // namespace coro::detail::frame_cache_detail
