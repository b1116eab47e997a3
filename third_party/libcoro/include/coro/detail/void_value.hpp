#pragma once

namespace coro::detail
{
/// What when_all_task<void>::return_value() returns.
struct void_value
{
};
} // namespace coro::detail
