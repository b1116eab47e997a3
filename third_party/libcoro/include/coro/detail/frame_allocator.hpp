#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace coro::detail
{
/// Coroutine frame allocation for task and when_all frames (and the Go shim's task proxies). The fast paths are
/// inline here; the slow paths are in src/detail/frame_allocator.cpp.
///
/// Frames up to 4 KiB come in size classes that follow glibc malloc's usable sizes (16 c + 8 bytes) and are carved
/// from 2 MiB slabs of anonymous memory (16 c + 16 bytes each, what glibc's chunk for the same request takes, so
/// millions of live frames cost no more than upstream's). A thread carves from its own slab by a pointer bump; its
/// slabs after the first 8 (16 MiB) are backed by transparent huge pages when the kernel offers them. A slab is
/// unmapped when every frame carved from it has been released and its carver has moved on to another slab.
///
/// Each thread keeps a small cache of freed frames, one free list per class. A frame may be freed on any thread: it
/// simply joins the freeing thread's cache. Each thread's cache is bounded (256 KiB); a thread whose cache is full
/// passes batches of frames to a shared depot, from which threads whose list of that size is empty take them
/// (frames made on one thread and freed on another come back to their maker, one lock per batch); beyond the
/// depot's bound frames go back to their slab. A thread's cache goes back to the slabs when the thread exits.
/// Fork-join code frees frames in the same sizes it allocates them, so the cache turns allocation into a list pop.
/// Frames above 4 KiB use ::operator new/delete.
///
/// Memory is not shared between classes: a slab returns to the system only once all its frames are released, so a
/// few long-lived frames keep their slabs mapped (on small pages, only the pages touched stay resident).
///
/// Under AddressSanitizer frames use plain ::operator new/delete so use-after-free stays detectable.
namespace frame_cache_detail
{
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool enabled = false;
#elif defined(__has_feature)
    #if __has_feature(address_sanitizer)
inline constexpr bool enabled = false;
    #else
inline constexpr bool enabled = true;
    #endif
#else
inline constexpr bool enabled = true;
#endif

inline constexpr std::size_t granule         = 16;
inline constexpr std::size_t max_cached_size = 4096 - 8;
inline constexpr std::size_t classes         = max_cached_size / granule + 1;
/// Every frame is at least this big (its resume and destroy pointers): the depot links batches through a frame's
/// second word.
inline constexpr std::size_t min_frame_size = 16;

/// The size class of a frame of `size` bytes (min_frame_size <= size <= max_cached_size).
constexpr auto class_of(std::size_t size) noexcept -> std::size_t
{
    return (size + 7) / granule;
}

/// The size every frame of class `c` is allocated with.
constexpr auto class_size(std::size_t c) noexcept -> std::size_t
{
    return c * granule + 8;
}
static_assert(class_of(max_cached_size) == classes - 1);
static_assert(class_size(class_of(min_frame_size)) >= min_frame_size);
/// Upper bound of the memory one thread keeps in its cache.
inline constexpr std::size_t max_cached_bytes = 256 * 1024;

struct free_frame
{
    free_frame* m_next;
};

/// Trivially destructible, so it stays usable during thread exit: after the thread's cache owner has
/// flushed it, m_state == dead and frees bypass the cache.
struct cache
{
    enum : uint8_t
    {
        fresh, ///< this thread has not cached a frame yet (its exit hook is not registered)
        live,
        dead ///< the thread is exiting and has flushed its cache
    };
    free_frame* m_heads[classes];
    std::size_t m_bytes;
    uint8_t     m_state;
};

inline constinit thread_local cache t_cache{};

/// Returns a frame above the cached sizes (or any frame under ASan) to ::operator delete. The sized form only where the compiler declares it: clang < 19
/// leaves sized deallocation off unless -fsized-deallocation is given (gcc has it on in C++14 and later).
inline auto release(void* frame, [[maybe_unused]] std::size_t size) noexcept -> void
{
#if defined(__cpp_sized_deallocation)
    ::operator delete(frame, size);
#else
    ::operator delete(frame);
#endif
}

/// Cold paths (src/detail/frame_allocator.cpp).
auto allocate_slow(std::size_t rounded) -> void*;
auto deallocate_slow(void* frame, std::size_t rounded) noexcept -> void;
/// Slabs currently mapped by all threads (for tests and diagnostics).
auto mapped_slabs() noexcept -> std::size_t;
} // namespace frame_cache_detail

inline auto frame_allocate(std::size_t size) -> void*
{
    namespace fc = frame_cache_detail;
    if constexpr (fc::enabled)
    {
        if (size >= fc::min_frame_size && size <= fc::max_cached_size) [[likely]]
        {
            const std::size_t c     = fc::class_of(size);
            fc::cache&        cache = fc::t_cache;
            if (fc::free_frame* f = cache.m_heads[c]; f != nullptr) [[likely]]
            {
                cache.m_heads[c] = f->m_next;
                cache.m_bytes -= fc::class_size(c);
                return f;
            }
            return fc::allocate_slow(fc::class_size(c));
        }
    }
    return ::operator new(size);
}

inline auto frame_deallocate(void* frame, std::size_t size) noexcept -> void
{
    namespace fc = frame_cache_detail;
    if constexpr (fc::enabled)
    {
        if (size >= fc::min_frame_size && size <= fc::max_cached_size) [[likely]]
        {
            const std::size_t c       = fc::class_of(size);
            const std::size_t rounded = fc::class_size(c);
            fc::cache&        cache   = fc::t_cache;
            if (cache.m_state == fc::cache::live && cache.m_bytes + rounded <= fc::max_cached_bytes) [[likely]]
            {
                auto* f          = static_cast<fc::free_frame*>(frame);
                f->m_next        = cache.m_heads[c];
                cache.m_heads[c] = f;
                cache.m_bytes += rounded;
                return;
            }
            fc::deallocate_slow(frame, rounded);
            return;
        }
    }
    fc::release(frame, size);
}
} // namespace coro::detail
