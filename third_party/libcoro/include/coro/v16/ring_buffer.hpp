#pragma once

// libcoro v0.16 ring_buffer: produce/consume are lazy tasks, results in coro::ring_buffer_result, shutdown and
// shutdown_drain replace notify_waiters(). Included by coro/ring_buffer.hpp; with LIBCORO_API_VERSION 1600
// coro::ring_buffer is coro::v16::ring_buffer.

#include "coro/api_version.hpp"
#include "coro/concepts/executor.hpp"
#include "coro/expected.hpp"
#include "coro/sync_wait.hpp"
#include "coro/task.hpp"

#include <array>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace coro
{
namespace ring_buffer_result
{
enum class produce
{
    /// The element was stored (or handed straight to a waiting consumer).
    produced,
    /// notify_producers() woke the waiting producer; the element was dropped.
    notified,
    /// The buffer is draining or shut down; the element was dropped.
    stopped
};

enum class consume
{
    /// notify_consumers() woke the waiting consumer.
    notified,
    /// The buffer is shut down (elements it still holds are not delivered any more).
    stopped
};
} // namespace ring_buffer_result

namespace detail
{
/// Resumes, on the calling thread, the waiter a ring_buffer operation hands an element (or a slot) to. The resumed
/// waiter may hand on to another waiter, which may hand on in turn: resumed one inside the other, such chains nest
/// without bound (100 producers and 100 consumers on a pool overflowed a worker's stack under ASan). So a hand-off
/// made while this thread is already resuming one is queued, and resumed right after the outer one suspends or
/// ends, still on this thread.
class ring_buffer_resumer
{
public:
    static auto resume(std::coroutine_handle<> waiter) -> void
    {
        auto& s = state();
        if (s.active)
        {
            s.pending.push_back(waiter);
            return;
        }
        s.active = true;
        waiter.resume();
        while (!s.pending.empty())
        {
            auto next = s.pending.front();
            s.pending.pop_front();
            next.resume();
        }
        s.active = false;
    }

private:
    struct per_thread
    {
        bool                                active{false};
        std::deque<std::coroutine_handle<>> pending;
    };
    static auto state() -> per_thread&
    {
        thread_local per_thread s;
        return s;
    }
};
} // namespace detail

LIBCORO_INLINE_V16 namespace v16
{
    /// Bounded multi-producer multi-consumer FIFO queue for coroutines.
    ///
    /// produce() stores its element, or hands it straight to the most recently suspended consumer and resumes that
    /// consumer inline before the produce task completes; on a full buffer it waits. consume() takes the oldest
    /// element and, if producers wait, moves the most recent one's element into the freed slot and resumes that
    /// producer inline; on an empty buffer it waits. (A hand-off made by a waiter that is itself being resumed by
    /// one is resumed once that outer one suspends or ends, on the same thread: see detail::ring_buffer_resumer.) Waiters of each kind form a LIFO stack, elements are FIFO.
    /// States: running → (shutdown_drain) draining → stopped, or → (shutdown) stopped; produce() is refused once
    /// draining, consume() once stopped. The internal lock is a short std::mutex section, never held while a
    /// coroutine is resumed. `element` must be move-constructible (no default constructor needed).
    template <typename element, std::size_t num_elements>
    class ring_buffer
    {
        static_assert(num_elements != 0, "num_elements cannot be zero");

        enum class state_type
        {
            running,
            draining,
            stopped
        };

    public:
        ring_buffer() = default;

        /// Shuts down, resuming any waiter on this thread with `stopped`.
        ~ring_buffer() { coro::sync_wait(shutdown()); }

        ring_buffer(const ring_buffer&)                    = delete;
        ring_buffer(ring_buffer&&)                         = delete;
        auto operator=(const ring_buffer&) -> ring_buffer& = delete;
        auto operator=(ring_buffer&&) -> ring_buffer&      = delete;

        /// What produce() awaits; public only because produce()'s coroutine names it.
        struct produce_operation
        {
            produce_operation(ring_buffer& rb, element e) : m_rb(rb), m_e(std::move(e)) {}

            auto await_ready() const noexcept -> bool { return false; }
            /// Stores or hands over the element unless the buffer is full (then it waits; false = done at once).
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> bool
            {
                std::unique_lock lk{m_rb.m_mutex};
                if (m_rb.state() != state_type::running)
                {
                    m_result = ring_buffer_result::produce::stopped;
                    return false;
                }
                if (consume_operation* consumer = m_rb.m_consume_waiters; consumer != nullptr)
                {
                    // A consumer waits only on an empty buffer, so this element is the oldest: give it directly.
                    m_rb.m_consume_waiters = consumer->m_next;
                    lk.unlock();
                    consumer->m_result.emplace(std::move(m_e));
                    detail::ring_buffer_resumer::resume(consumer->m_awaiting_coroutine);
                    return false;
                }
                const std::size_t used = m_rb.m_used.load(std::memory_order_relaxed);
                if (used < num_elements)
                {
                    m_rb.push_back_locked(std::move(m_e), used);
                    return false;
                }
                m_awaiting_coroutine = awaiting_coroutine;
                m_next               = std::exchange(m_rb.m_produce_waiters, this);
                return true;
            }
            auto await_resume() const noexcept -> ring_buffer_result::produce { return m_result; }

        private:
            friend class ring_buffer;

            ring_buffer&                m_rb;
            element                     m_e;
            std::coroutine_handle<>     m_awaiting_coroutine{};
            produce_operation*          m_next{nullptr};
            ring_buffer_result::produce m_result{ring_buffer_result::produce::produced};
        };

        /// What consume() awaits; public only because consume()'s coroutine names it.
        struct consume_operation
        {
            explicit consume_operation(ring_buffer& rb) noexcept : m_rb(rb) {}

            auto await_ready() const noexcept -> bool { return false; }
            /// Takes the oldest element unless the buffer is empty (then it waits; false = done at once).
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> bool
            {
                std::unique_lock lk{m_rb.m_mutex};
                if (m_rb.state() == state_type::stopped)
                {
                    m_result.emplace(unexpected<ring_buffer_result::consume>{ring_buffer_result::consume::stopped});
                    return false;
                }
                const std::size_t used = m_rb.m_used.load(std::memory_order_relaxed);
                if (used == 0)
                {
                    m_awaiting_coroutine = awaiting_coroutine;
                    m_next               = std::exchange(m_rb.m_consume_waiters, this);
                    return true;
                }
                m_result.emplace(m_rb.take_front_locked());
                if (produce_operation* producer = m_rb.m_produce_waiters; producer != nullptr)
                {
                    // A producer waits only on a full buffer: the slot just freed takes its element, count unchanged.
                    m_rb.m_produce_waiters = producer->m_next;
                    m_rb.m_elements[m_rb.m_back].emplace(std::move(producer->m_e));
                    m_rb.m_back = next_index(m_rb.m_back);
                    lk.unlock();
                    producer->m_result = ring_buffer_result::produce::produced;
                    detail::ring_buffer_resumer::resume(producer->m_awaiting_coroutine);
                    return false;
                }
                m_rb.m_used.store(used - 1, std::memory_order_release);
                return false;
            }
            auto await_resume() -> expected<element, ring_buffer_result::consume> { return std::move(*m_result); }

        private:
            friend class ring_buffer;

            ring_buffer&                                                  m_rb;
            std::optional<expected<element, ring_buffer_result::consume>> m_result{};
            std::coroutine_handle<>                                       m_awaiting_coroutine{};
            consume_operation*                                            m_next{nullptr};
        };

        /// `produced`, or `notified` / `stopped` (element dropped). Waits while the buffer is full.
        [[nodiscard]] auto produce(element e) -> coro::task<ring_buffer_result::produce>
        {
            co_return co_await produce_operation{*this, std::move(e)};
        }

        /// The oldest element, or `notified` / `stopped`. Waits while the buffer is empty and not stopped; `stopped`
        /// once shut down even if elements remain.
        [[nodiscard]] auto consume() -> coro::task<expected<element, ring_buffer_result::consume>>
        {
            co_return co_await consume_operation{*this};
        }

        constexpr auto max_size() const noexcept -> std::size_t { return num_elements; }

        /// Number of stored elements (a snapshot; lock-free).
        auto size() const -> std::size_t { return m_used.load(std::memory_order_acquire); }

        [[nodiscard]] auto empty() const -> bool { return size() == 0; }

        auto full() const -> bool { return size() == num_elements; }

        /// Resumes every waiting producer, most recent first, inline with `notified` (their elements are dropped).
        /// Does nothing once stopped.
        auto notify_producers() -> coro::task<void>
        {
            produce_operation* producers = nullptr;
            {
                std::lock_guard lk{m_mutex};
                if (state() == state_type::stopped)
                {
                    co_return;
                }
                producers = std::exchange(m_produce_waiters, nullptr);
            }
            resume_producers(producers, ring_buffer_result::produce::notified);
        }

        /// Resumes every waiting consumer, most recent first, inline with `notified`. Does nothing once stopped.
        auto notify_consumers() -> coro::task<void>
        {
            consume_operation* consumers = nullptr;
            {
                std::lock_guard lk{m_mutex};
                if (state() == state_type::stopped)
                {
                    co_return;
                }
                consumers = std::exchange(m_consume_waiters, nullptr);
            }
            resume_consumers(consumers, ring_buffer_result::consume::notified);
        }

        /// Stops the buffer (idempotent) and resumes, inline, every waiting producer (`stopped`) and then every
        /// waiting consumer (`stopped`), most recent first. Stored elements stay (size() counts them) but are not
        /// delivered any more.
        auto shutdown() -> coro::task<void>
        {
            produce_operation* producers = nullptr;
            consume_operation* consumers = nullptr;
            {
                std::lock_guard lk{m_mutex};
                if (state() == state_type::stopped)
                {
                    co_return;
                }
                m_state.store(state_type::stopped, std::memory_order_release);
                producers = std::exchange(m_produce_waiters, nullptr);
                consumers = std::exchange(m_consume_waiters, nullptr);
            }
            resume_producers(producers, ring_buffer_result::produce::stopped);
            resume_consumers(consumers, ring_buffer_result::consume::stopped);
        }

        /// Refuses further produces (waiting producers are resumed with `stopped`, their elements dropped), lets
        /// consumers empty the buffer while yielding on `e`, then shuts down. Only acts on a running buffer; ends
        /// early if someone else calls shutdown() meanwhile.
        template <coro::concepts::v16::executor executor_type>
        [[nodiscard]] auto shutdown_drain(std::unique_ptr<executor_type>& e) -> coro::task<void>
        {
            produce_operation* producers = nullptr;
            {
                std::lock_guard lk{m_mutex};
                if (state() != state_type::running)
                {
                    co_return;
                }
                m_state.store(state_type::draining, std::memory_order_release);
                producers = std::exchange(m_produce_waiters, nullptr);
            }
            // Upstream v0.16 reports `produced` here although the element is dropped (D38.1); `stopped` says what
            // happened (see COMPATIBILITY.md).
            resume_producers(producers, ring_buffer_result::produce::stopped);
            while (!empty() && state() == state_type::draining)
            {
                co_await e->yield();
            }
            co_await shutdown();
        }

        /// True once shutdown() or shutdown_drain() has begun.
        [[nodiscard]] auto is_shutdown() const -> bool { return state() != state_type::running; }

    private:
        auto state() const noexcept -> state_type { return m_state.load(std::memory_order_acquire); }

        /// With m_mutex held and `used` < num_elements.
        auto push_back_locked(element&& e, std::size_t used) -> void
        {
            m_elements[m_back].emplace(std::move(e));
            m_back = next_index(m_back);
            m_used.store(used + 1, std::memory_order_release);
        }

        /// With m_mutex held and at least one element stored; leaves m_used to the caller (a waiting producer may
        /// refill the slot at once).
        auto take_front_locked() -> element
        {
            element e = std::move(*m_elements[m_front]);
            m_elements[m_front].reset();
            m_front = next_index(m_front);
            return e;
        }

        static auto resume_producers(produce_operation* producers, ring_buffer_result::produce result) -> void
        {
            while (producers != nullptr)
            {
                // Read the link first: the resumed producer may end the operation's life.
                produce_operation* next = producers->m_next;
                producers->m_result     = result;
                producers->m_awaiting_coroutine.resume();
                producers = next;
            }
        }

        static auto resume_consumers(consume_operation* consumers, ring_buffer_result::consume result) -> void
        {
            while (consumers != nullptr)
            {
                consume_operation* next = consumers->m_next;
                consumers->m_result.emplace(unexpected<ring_buffer_result::consume>{result});
                consumers->m_awaiting_coroutine.resume();
                consumers = next;
            }
        }

        static constexpr auto next_index(std::size_t i) noexcept -> std::size_t
        {
            return (i + 1 == num_elements) ? 0 : i + 1;
        }

        std::mutex                                       m_mutex;
        std::array<std::optional<element>, num_elements> m_elements{};
        std::size_t                                      m_front{0};
        std::size_t                                      m_back{0};
        std::atomic<std::size_t>                         m_used{0};
        std::atomic<state_type>                          m_state{state_type::running};
        /// Suspended producers / consumers, most recent first. Guarded by m_mutex.
        produce_operation* m_produce_waiters{nullptr};
        consume_operation* m_consume_waiters{nullptr};
    };
} // namespace v16
} // namespace coro
