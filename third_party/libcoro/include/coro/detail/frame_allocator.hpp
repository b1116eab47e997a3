#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace coro::detail
{
/// Coroutine frame allocation for task and when_all frames (and the Go shim's task proxies). The fast paths are
/// inline here; the slow paths are in src/detail/frame_allocator.cpp.
///
/// Each thread keeps a small cache of freed frames, one free list per 32-byte size class up to 4 KiB.
/// A frame may be freed on any thread: it simply joins the freeing thread's cache (the memory came from
/// ::operator new and any thread may reuse or release it). Each thread's cache is bounded (256 KiB); a thread
/// whose cache is full passes batches of frames to a shared depot, from which threads whose list of that size is
/// empty take them (frames made on one thread and freed on another come back to their maker, one lock per batch);
/// beyond the depot's bound, and for frames above 4 KiB, frames go straight back to ::operator delete. A thread's
/// cache is released when the thread exits. Fork-join code frees frames in the same sizes it allocates them, so the
/// cache turns the allocator's slow paths (bins beyond glibc's small per-thread cache) into a list pop.
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

inline constexpr std::size_t granule         = 32;
inline constexpr std::size_t max_cached_size = 4096;
inline constexpr std::size_t classes         = max_cached_size / granule;
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

/// Returns memory from ::operator new(size). The sized form only where the compiler declares it: clang < 19
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
} // namespace frame_cache_detail

inline auto frame_allocate(std::size_t size) -> void*
{
    namespace fc = frame_cache_detail;
    if constexpr (fc::enabled)
    {
        if (size <= fc::max_cached_size) [[likely]]
        {
            const std::size_t c     = (size - 1) / fc::granule;
            fc::cache&        cache = fc::t_cache;
            if (fc::free_frame* f = cache.m_heads[c]; f != nullptr) [[likely]]
            {
                cache.m_heads[c] = f->m_next;
                cache.m_bytes -= (c + 1) * fc::granule;
                return f;
            }
            return fc::allocate_slow((c + 1) * fc::granule);
        }
    }
    return ::operator new(size);
}

inline auto frame_deallocate(void* frame, std::size_t size) noexcept -> void
{
    namespace fc = frame_cache_detail;
    if constexpr (fc::enabled)
    {
        if (size <= fc::max_cached_size) [[likely]]
        {
            const std::size_t c       = (size - 1) / fc::granule;
            const std::size_t rounded = (c + 1) * fc::granule;
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
