#include "coro/detail/frame_allocator.hpp"

#include <atomic>
#include <mutex>

// Coroutine frame cache slow paths (the fast paths are inline in coro/detail/frame_allocator.hpp).
namespace coro::detail::frame_cache_detail
{
namespace
{
/// Frames of one size class travel between threads in batches of this many.
constexpr std::size_t batch = 32;
/// Batches the depot keeps per size class; beyond that they go back to ::operator delete.
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

auto release_chain(free_frame* f, std::size_t rounded) noexcept -> void
{
    while (f != nullptr)
    {
        free_frame* next = f->m_next;
        release(f, rounded);
        f = next;
    }
}

auto flush(cache& c) noexcept -> void
{
    for (std::size_t i = 0; i < classes; ++i)
    {
        release_chain(c.m_heads[i], class_size(i));
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
    if (free_frame* b = depot_of(c).take(); b != nullptr)
    {
        cache& t = own_cache();
        if (t.m_state == cache::live)
        {
            // Keep the rest of the batch (this class's list was empty: that is why we are here).
            t.m_heads[c] = b->m_next;
            t.m_bytes += (batch - 1) * rounded;
            return b;
        }
        release_chain(b->m_next, rounded);
        return b;
    }
    return ::operator new(rounded);
}

auto deallocate_slow(void* frame, std::size_t rounded) noexcept -> void
{
    const std::size_t c = class_of(rounded);
    cache&            t = own_cache();
    auto*             f = static_cast<free_frame*>(frame);
    if (t.m_state != cache::live)
    {
        release(f, rounded);
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
        release(f, rounded);
        return;
    }
    f->m_next    = t.m_heads[c];
    t.m_heads[c] = last->m_next;
    last->m_next = nullptr;
    t.m_bytes -= (batch - 1) * rounded;
    if (!depot_of(c).give(f))
    {
        release_chain(f, rounded);
    }
}
} // namespace coro::detail::frame_cache_detail
