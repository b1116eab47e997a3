#pragma once

// C++ view of the shim's event handle, for other shim sources.

#include "cshim/event.h"

#include <coro/event.hpp>

struct gocoro_event
{
    explicit gocoro_event(bool initially_set) : event(initially_set) {}
    coro::event event;
};
