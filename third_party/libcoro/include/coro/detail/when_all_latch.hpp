#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <utility>

namespace coro::detail
{
/// The when_all child that this thread is starting (inside its first resume() by when_all), if any. A child that
/// finishes while it is still the one being started finished inline: it sets this to null instead of counting down
/// the latch, and the awaiter counts every such child together with its own arrival (one atomic operation for all
/// of them; none when every child finished inline, as the leaves of a fork-join tree do).
inline constinit thread_local void* t_starting_child = nullptr;

/// Counts finished children of a when_all; the awaiting coroutine is resumed by whoever brings the count to zero.
/// Starts at N + 1 so the awaiter's own arrival (after starting every child) is counted too. Its own header because
/// a task signals it directly at its end when it is a child of when_all (task.hpp), without a wrapper coroutine.
class when_all_latch
{
public:
    when_all_latch(std::size_t count) noexcept : m_count(count + 1) {}
    when_all_latch(const when_all_latch&) = delete;
    when_all_latch(when_all_latch&& other) noexcept
        : m_count(other.m_count.load(std::memory_order_acquire)),
          m_awaiting_coroutine(std::exchange(other.m_awaiting_coroutine, nullptr))
    {
    }
    auto operator=(const when_all_latch&) -> when_all_latch& = delete;
    auto operator=(when_all_latch&&) -> when_all_latch&      = delete;

    auto is_ready() const noexcept -> bool { return m_awaiting_coroutine != nullptr && m_awaiting_coroutine.done(); }

    /// True when the awaiter must suspend (some child is still running). `finished_inline` children finished while
    /// they were being started and did not count themselves down.
    auto try_await(std::coroutine_handle<> awaiting_coroutine, std::size_t finished_inline = 0) noexcept -> bool
    {
        m_awaiting_coroutine       = awaiting_coroutine;
        const std::size_t arrivals = finished_inline + 1;
        // Every other child has already counted itself down: nobody else touches the count any more. The acquire
        // pairs with their fetch_sub, so their results are visible.
        if (m_count.load(std::memory_order_acquire) == arrivals)
        {
            return false;
        }
        return m_count.fetch_sub(arrivals, std::memory_order_acq_rel) > arrivals;
    }

    /// Called by each child at its end; returns the coroutine to transfer to.
    auto notify_awaitable_completed() noexcept -> std::coroutine_handle<>
    {
        if (m_count.fetch_sub(1, std::memory_order_acq_rel) == 1)
        {
            return m_awaiting_coroutine;
        }
        return std::noop_coroutine();
    }

private:
    std::atomic<std::size_t> m_count;
    std::coroutine_handle<>  m_awaiting_coroutine{nullptr};
};
} // namespace coro::detail
