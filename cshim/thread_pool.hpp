#pragma once

// C++ view of the shim's thread_pool handle, for other shim sources.

#include "cshim/thread_pool.h"

#include <coro/thread_pool.hpp>

struct gocoro_thread_pool
{
    explicit gocoro_thread_pool(coro::thread_pool::options opts) : pool(std::move(opts)) {}
    coro::thread_pool pool;
};
