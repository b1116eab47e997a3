// spawn_joinable (libcoro v0.16): a detached task whose completion can still be awaited, built on task_group.

#include "coro/io_scheduler.hpp"
#include "coro/task_group.hpp"
#include "coro/thread_pool.hpp"

#include <memory>
#include <utility>

namespace coro
{
namespace
{
/// Owns the group: awaiting joins it, destroying the task unawaited blocks in ~task_group until the task is done.
template <typename executor_type>
auto join_group(std::unique_ptr<task_group<executor_type>> group) -> coro::task<void>
{
    co_await *group;
}
} // namespace

auto thread_pool::spawn_joinable(coro::task<void>&& task) noexcept -> coro::task<void>
{
    return join_group(std::make_unique<task_group<thread_pool>>(this, std::move(task)));
}

auto io_scheduler::spawn_joinable(coro::task<void>&& task) -> coro::task<void>
{
    return join_group(std::make_unique<task_group<io_scheduler>>(this, std::move(task)));
}

} // namespace coro
