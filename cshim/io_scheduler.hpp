#pragma once

// C++ view of the shim's io_scheduler handle, for other shim sources.

#include "cshim/io_scheduler.h"

#include <coro/io_scheduler.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

struct gocoro_io_scheduler
{
    explicit gocoro_io_scheduler(std::shared_ptr<coro::io_scheduler> s) : scheduler(std::move(s)) {}
    std::shared_ptr<coro::io_scheduler> scheduler;
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
