#pragma once

// C++ view of the shim's latch handle, for other shim sources.

#include "cshim/latch.h"

#include <coro/latch.hpp>

struct gocoro_latch
{
    explicit gocoro_latch(int64_t count) : latch(count) {}
    coro::latch latch;
};
