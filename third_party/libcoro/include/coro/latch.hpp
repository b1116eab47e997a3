#pragma once

#include "coro/concepts/executor.hpp"
#include "coro/event.hpp"
#include "coro/thread_pool.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace coro
{
/// Single-use countdown for coroutines: awaiting suspends until count_down() has brought the counter to zero
/// or below. Lock-free (an atomic counter plus an event). Thread-safe.
class latch
{
public:
    /// A count of zero or less starts ready.
    latch(std::int64_t count) noexcept : m_count(count), m_event(count <= 0) {}

    latch(const latch&)                    = delete;
    latch(latch&&)                         = delete;
    auto operator=(const latch&) -> latch& = delete;
    auto operator=(latch&&) -> latch&      = delete;

    auto is_ready() const noexcept -> bool { return m_event.is_set(); }

    /// The current counter converted to size_t (a counter driven below zero by over-counting wraps, as in
    /// libcoro v0.14).
    auto remaining() const noexcept -> std::size_t
    {
        return static_cast<std::size_t>(m_count.load(std::memory_order_acquire));
    }

    /// Subtracts `n`; the call that brings the counter to zero or below resumes every waiter inline on this
    /// thread (most recent first).
    auto count_down(std::int64_t n = 1) noexcept -> void
    {
        if (m_count.fetch_sub(n, std::memory_order_acq_rel) <= n)
        {
            m_event.set();
        }
    }

    /// As count_down(n), but waiters are handed to `executor.resume()`.
    template <concepts::v14::executor executor_type>
    auto count_down(executor_type& executor, std::int64_t n = 1) noexcept -> void
    {
        if (m_count.fetch_sub(n, std::memory_order_acq_rel) <= n)
        {
            m_event.set(executor);
        }
    }

    /// libcoro v0.16 spelling of count_down(executor, n): the executor is passed as the unique_ptr owning it.
    template <concepts::v16::executor executor_type>
    auto count_down(std::unique_ptr<executor_type>& executor, std::int64_t n = 1) noexcept -> void
    {
        if (m_count.fetch_sub(n, std::memory_order_acq_rel) <= n)
        {
            m_event.set(executor);
        }
    }

    auto operator co_await() const noexcept -> event::awaiter { return m_event.operator co_await(); }

private:
    std::atomic<std::int64_t> m_count;
    event                     m_event;
};

} // namespace coro
