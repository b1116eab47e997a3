#pragma once

// C++ view of the shim's latch handle, for other shim sources.

#include "cshim/latch.h"

#include <coro/latch.hpp>

#include <atomic>
#include <cstdint>

/// coro::latch counts with a plain fetch_sub, which wraps: counting MAX twice from 1 ends at 3. The shim keeps the
/// counter itself, saturating at INT64_MIN, and counts the inner latch (what waiters await) down from 1 exactly
/// when its own counter first reaches zero or below.
struct gocoro_latch
{
    explicit gocoro_latch(int64_t n) : count(n), latch(n > 0 ? 1 : 0) {}
    std::atomic<int64_t> count;
    coro::latch          latch;
};
