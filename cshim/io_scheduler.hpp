#pragma once

// C++ view of the shim's io_scheduler handle, for other shim sources.

#include "cshim/io_scheduler.h"

#include <coro/io_scheduler.hpp>
#if GOCORO_CORE_EXTENSIONS
    #include <coro/scheduler.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

struct gocoro_io_scheduler
{
    explicit gocoro_io_scheduler(std::shared_ptr<coro::io_scheduler> s) : scheduler(std::move(s)) {}
    std::shared_ptr<coro::io_scheduler> scheduler;
#if GOCORO_CORE_EXTENSIONS
    /// The libcoro v0.16 face over `scheduler` (its poll takes a poll_stop_token). Owned by this handle, except for
    /// the process-wide default scheduler's (cshim/default_executor.cc), which lives until the process exits.
    std::unique_ptr<coro::scheduler> owned_face;
    coro::scheduler*                 face{nullptr};
#endif
};

namespace gocoro
{
/// A host's timeout in milliseconds, capped at 2^42 ms (139 years): the scheduler adds it to a nanosecond clock,
/// which a larger value would overflow into the past (an endless wait ending at once).
inline auto wait_ms(int64_t ms) noexcept -> std::chrono::milliseconds
{
    constexpr int64_t max_wait_ms = int64_t{1} << 42;
    return std::chrono::milliseconds{std::min(ms, max_wait_ms)};
}
} // namespace gocoro
