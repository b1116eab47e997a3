#pragma once

// coro::io_notifier (libcoro v0.16, D24): the platform's event notifier, epoll on Linux.

#include "coro/detail/io_notifier_epoll.hpp"
#include "coro/detail/timer_handle.hpp"

namespace coro
{
using io_notifier = detail::io_notifier_epoll;
} // namespace coro
