#pragma once

// Memory of the shim's task proxies. The embedded core has a per-thread frame cache (GOCORO_CORE_EXTENSIONS) that
// moves frames freed on executor threads back to the host threads that make them; upstream libcoro has none, so
// the external build uses the global allocator (slower when many proxies are made and freed per second).

#include <coro/task.hpp> // GOCORO_CORE_EXTENSIONS comes with the embedded core's headers; upstream's lack it

#include <cstddef>
#include <new>

#if GOCORO_CORE_EXTENSIONS
    #include <coro/detail/frame_allocator.hpp>
#endif

namespace gocoro::compat
{
inline auto frame_allocate(std::size_t size) -> void*
{
#if GOCORO_CORE_EXTENSIONS
    return coro::detail::frame_allocate(size);
#else
    return ::operator new(size);
#endif
}

inline auto frame_deallocate(void* p, [[maybe_unused]] std::size_t size) noexcept -> void
{
#if GOCORO_CORE_EXTENSIONS
    coro::detail::frame_deallocate(p, size);
#elif defined(__cpp_sized_deallocation)
    ::operator delete(p, size);
#else
    ::operator delete(p);
#endif
}
} // namespace gocoro::compat
