#pragma once

// C++ view of the shim's io_scheduler handle, for other shim sources.

#include "cshim/io_scheduler.h"

#include <coro/io_scheduler.hpp>

#include <memory>

struct gocoro_io_scheduler
{
    explicit gocoro_io_scheduler(std::shared_ptr<coro::io_scheduler> s) : scheduler(std::move(s)) {}
    std::shared_ptr<coro::io_scheduler> scheduler;
};
