#pragma once

#include "coro/api_version.hpp"
#include "coro/concepts/awaitable.hpp"
#include "coro/fd.hpp"
#include "coro/task.hpp"

#include <chrono>
#include <concepts>
#include <coroutine>
#include <cstddef>

namespace coro
{
enum class poll_op : uint64_t;
LIBCORO_INLINE_V14 namespace v14
{
    enum class poll_status;
} // namespace v14
LIBCORO_INLINE_V16 namespace v16
{
    enum class poll_status;
} // namespace v16
} // namespace coro

namespace coro::concepts
{
LIBCORO_INLINE_V14 namespace v14
{
    /// What thread_pool and io_scheduler have in common: something coroutines can be handed to (v0.14: spawn()).
    template <typename executor_type>
    concept executor = requires(executor_type e, std::coroutine_handle<> c) {
        { e.schedule() } -> coro::concepts::awaiter;
        { e.spawn(std::declval<coro::task<void>>()) } -> std::same_as<bool>;
        { e.yield() } -> coro::concepts::awaiter;
        { e.resume(c) } -> std::same_as<bool>;
        { e.size() } -> std::same_as<std::size_t>;
        { e.empty() } -> std::same_as<bool>;
        { e.shutdown() } -> std::same_as<void>;
    };
} // namespace v14

LIBCORO_INLINE_V16 namespace v16
{
    /// The v0.16 executor: spawn() became spawn_detached() and spawn_joinable() was added. thread_pool and
    /// io_scheduler offer all three, so they satisfy both versions of the concept.
    template <typename executor_type>
    concept executor = requires(executor_type e, std::coroutine_handle<> c) {
        { e.schedule() } -> coro::concepts::awaiter;
        { e.spawn_detached(std::declval<coro::task<void>>()) } -> std::same_as<bool>;
        { e.spawn_joinable(std::declval<coro::task<void>>()) } -> std::same_as<coro::task<void>>;
        { e.yield() } -> coro::concepts::awaiter;
        { e.resume(c) } -> std::same_as<bool>;
        { e.size() } -> std::same_as<std::size_t>;
        { e.empty() } -> std::same_as<bool>;
        { e.shutdown() } -> std::same_as<void>;
    };
} // namespace v16

/// An executor that can also wait for file descriptor readiness (io_scheduler). The misspelling is
/// libcoro's own public name, kept for source compatibility.
template <typename executor_type>
concept io_exceutor = v14::executor<executor_type> and
                      requires(executor_type e, fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) {
                          { e.poll(fd, op, timeout) } -> std::same_as<coro::task<coro::v14::poll_status>>;
                      };

/// libcoro v0.16: an executor that can also wait for file descriptors (coro::scheduler; its poll() has a
/// defaulted fourth parameter, the cancel token).
template <typename executor_type>
concept io_executor = v16::executor<executor_type> and
                      requires(executor_type e, fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) {
                          { e.poll(fd, op, timeout) } -> std::same_as<coro::task<coro::v16::poll_status>>;
                      };

} // namespace coro::concepts
