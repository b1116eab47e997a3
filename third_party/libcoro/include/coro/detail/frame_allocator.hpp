#pragma once

#include <cstddef>

namespace coro::detail
{
/// Coroutine frame allocation for task and when_all frames (defined in src/thread_pool.cpp, so every build
/// that has the pool has it).
///
/// Each thread keeps a small cache of freed frames, one free list per 32-byte size class up to 4 KiB.
/// A frame may be freed on any thread: it simply joins the freeing thread's cache (the memory came from
/// ::operator new and any thread may reuse or release it). Each thread's cache is bounded (256 KiB); beyond
/// that, and for frames above 4 KiB, frames go straight back to ::operator delete. A thread's cache is
/// released when the thread exits. Fork-join code frees frames in the same sizes it allocates them, so the
/// cache turns the allocator's slow paths (bins beyond glibc's small per-thread cache) into a list pop.
///
/// Under AddressSanitizer frames use plain ::operator new/delete so use-after-free stays detectable.
auto frame_allocate(std::size_t size) -> void*;
auto frame_deallocate(void* frame, std::size_t size) noexcept -> void;
} // namespace coro::detail
