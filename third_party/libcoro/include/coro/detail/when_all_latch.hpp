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
/// Starts at N, one per child: the awaiter itself does not arrive. It records itself before it starts any child and
/// touches nothing after starting the last one unless some child finished inline (then it counts those), so the
/// common fork-join case, where every child suspends at its first schedule(), costs the awaiter no atomic
/// operation. Its own header because a task signals it directly at its end when it is a child of when_all
/// (task.hpp), without a wrapper coroutine.
class when_all_latch
{
public:
    when_all_latch(std::size_t count) noexcept : m_count(count) {}
    when_all_latch(const when_all_latch&) = delete;
    when_all_latch(when_all_latch&& other) noexcept
        : m_count(other.m_count.load(std::memory_order_acquire)),
          m_awaiting_coroutine(std::exchange(other.m_awaiting_coroutine, nullptr))
    {
    }
    auto operator=(const when_all_latch&) -> when_all_latch& = delete;
    auto operator=(when_all_latch&&) -> when_all_latch&      = delete;

    auto is_ready() const noexcept -> bool { return m_awaiting_coroutine != nullptr && m_awaiting_coroutine.done(); }

    /// Called before the first child starts: from then on the child that finishes last may resume the awaiter.
    auto set_awaiting(std::coroutine_handle<> awaiting_coroutine) noexcept -> void
    {
        m_awaiting_coroutine = awaiting_coroutine;
    }

    /// After every child started: true when the awaiter must suspend. `finished_inline` (of `children`) finished
    /// while they were being started and did not count themselves down; the awaiter counts them here. With none,
    /// the latch may already be gone (the last child resumed the awaiter on another thread), so it is not touched.
    auto arrive(std::size_t finished_inline, std::size_t children) noexcept -> bool
    {
        if (finished_inline == children)
        {
            return false; // every child finished inline (or there are none): nobody else touched the count
        }
        if (finished_inline == 0)
        {
            return true;
        }
        return count_down(finished_inline);
    }

    /// Called by each child at its end; returns the coroutine to transfer to.
    auto notify_awaitable_completed() noexcept -> std::coroutine_handle<>
    {
        return count_down(1) ? std::noop_coroutine() : m_awaiting_coroutine;
    }

private:
    /// True while other children are still running after `arrivals` more finished.
    auto count_down(std::size_t arrivals) noexcept -> bool
    {
        // Equal: everybody else has already counted down, so nobody else touches the count any more and no locked
        // instruction is needed (in a two-child fork it saves one of the two). The acquire pairs with their
        // fetch_sub (a release sequence), so their results are visible.
        if (m_count.load(std::memory_order_acquire) == arrivals)
        {
            return false;
        }
        return m_count.fetch_sub(arrivals, std::memory_order_acq_rel) > arrivals;
    }

private:
    std::atomic<std::size_t> m_count;
    std::coroutine_handle<>  m_awaiting_coroutine{nullptr};
};
} // namespace coro::detail
