#pragma once

#include "coro/api_version.hpp"
#include "coro/expected.hpp"
#include "coro/gocoro_extensions.hpp"

#include <array>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <utility>

namespace coro
{
// The v0.14 ring_buffer and its coro::rb results (coro::v16::ring_buffer, coro/v16/ring_buffer.hpp, is the v0.16 one).
LIBCORO_INLINE_V14 namespace v14
{
    namespace rb
    {
    enum class produce_result
    {
        produced,
        ring_buffer_stopped
    };

    enum class consume_result
    {
        ring_buffer_stopped
    };
    } // namespace rb

    /// Bounded multi-producer multi-consumer FIFO queue for coroutines, guarded by a std::mutex (held only for a
    /// few instructions, never while user code runs). A producer that finds a consumer waiting hands it the element
    /// directly and resumes it inline; a consumer that frees a slot while producers wait moves the most recent
    /// producer's element in and resumes that producer inline. Waiters of each kind form a LIFO stack; element order
    /// is FIFO. `element` must be default-constructible and move-assignable (move-only types are fine).
    /// notify_waiters() stops the buffer: later produce() calls report ring_buffer_stopped, while consume() keeps
    /// returning the elements already stored and reports ring_buffer_stopped once the buffer is empty.
    template <typename element, std::size_t num_elements>
    class ring_buffer
    {
        static_assert(num_elements != 0, "num_elements cannot be zero");

    public:
        ring_buffer() = default;

        /// Calls notify_waiters().
        ~ring_buffer() { notify_waiters(); }

        ring_buffer(const ring_buffer&)                    = delete;
        ring_buffer(ring_buffer&&)                         = delete;
        auto operator=(const ring_buffer&) -> ring_buffer& = delete;
        auto operator=(ring_buffer&&) -> ring_buffer&      = delete;

        struct produce_operation
        {
            produce_operation(ring_buffer& rb, element e) : m_rb(rb), m_e(std::move(e)) {}

            /// Stores the element (or hands it to a waiting consumer) if it can be done without waiting. On false the
            /// buffer's lock stays held for await_suspend(), so the check and the enqueue are one critical section.
            auto await_ready() noexcept -> bool
            {
                m_rb.m_mutex.lock();
                return m_rb.try_produce_locked(*this);
            }

            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                // The lock is still held from await_ready(), which already handled a stopped buffer.
                m_awaiting_coroutine   = awaiting_coroutine;
                m_next                 = m_rb.m_produce_waiters;
                m_rb.m_produce_waiters = this;
                m_rb.m_mutex.unlock();
                return true;
            }

            auto await_resume() -> rb::produce_result
            {
                return m_stopped || m_notified ? rb::produce_result::ring_buffer_stopped : rb::produce_result::produced;
            }

#if GOCORO_CORE_EXTENSIONS
            /// True if notify_producers() woke this producer (its element was not stored).
            auto notified() const noexcept -> bool { return m_notified; }
#endif

        private:
            friend class ring_buffer;

            ring_buffer&            m_rb;
            element                 m_e;
            std::coroutine_handle<> m_awaiting_coroutine;
            produce_operation*      m_next{nullptr};
            bool                    m_stopped{false};
            bool                    m_notified{false};
        };

        struct consume_operation
        {
            explicit consume_operation(ring_buffer& rb) : m_rb(rb) {}

            /// Takes the oldest element if there is one. On false the buffer's lock stays held for await_suspend().
            auto await_ready() noexcept -> bool
            {
                m_rb.m_mutex.lock();
                return m_rb.try_consume_locked(*this);
            }

            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                // The lock is still held from await_ready().
                if (m_rb.m_stopped)
                {
                    m_stopped = true;
                    m_rb.m_mutex.unlock();
                    return false;
                }
                m_awaiting_coroutine   = awaiting_coroutine;
                m_next                 = m_rb.m_consume_waiters;
                m_rb.m_consume_waiters = this;
                m_rb.m_mutex.unlock();
                return true;
            }

            auto await_resume() -> expected<element, rb::consume_result>
            {
                if (m_stopped || m_notified)
                {
                    return unexpected<rb::consume_result>(rb::consume_result::ring_buffer_stopped);
                }
                return expected<element, rb::consume_result>(std::move(m_e));
            }

#if GOCORO_CORE_EXTENSIONS
            /// True if notify_consumers() woke this consumer (it took nothing).
            auto notified() const noexcept -> bool { return m_notified; }
#endif

        private:
            friend class ring_buffer;

            ring_buffer&            m_rb;
            element                 m_e{};
            std::coroutine_handle<> m_awaiting_coroutine;
            consume_operation*      m_next{nullptr};
            bool                    m_stopped{false};
            bool                    m_notified{false};
        };

        /// Awaitable yielding rb::produce_result; `e` is moved into the operation.
        [[nodiscard]] auto produce(element e) -> produce_operation { return produce_operation{*this, std::move(e)}; }

        /// Awaitable yielding expected<element, rb::consume_result>.
        [[nodiscard]] auto consume() -> consume_operation { return consume_operation{*this}; }

        /// Number of stored elements (a snapshot; lock-free).
        auto size() const -> std::size_t { return m_used.load(std::memory_order_acquire); }

        auto empty() const -> bool { return size() == 0; }

        /// Once only: stops the buffer and resumes, inline on this thread, every waiting producer
        /// (ring_buffer_stopped) and then every waiting consumer (unexpected(ring_buffer_stopped)). Afterwards
        /// produce() fails at once and consume() drains the stored elements, then fails.
        auto notify_waiters() -> void
        {
            produce_operation* producers = nullptr;
            consume_operation* consumers = nullptr;
            {
                std::scoped_lock lk{m_mutex};
                if (m_stopped)
                {
                    return;
                }
                m_stopped = true;
                producers = std::exchange(m_produce_waiters, nullptr);
                consumers = std::exchange(m_consume_waiters, nullptr);
            }

            while (producers != nullptr)
            {
                auto* next           = producers->m_next;
                producers->m_stopped = true;
                producers->m_awaiting_coroutine.resume();
                producers = next;
            }
            while (consumers != nullptr)
            {
                auto* next           = consumers->m_next;
                consumers->m_stopped = true;
                consumers->m_awaiting_coroutine.resume();
                consumers = next;
            }
        }

#if GOCORO_CORE_EXTENSIONS
        /// gocoro extension (v0.16's notify_producers() on the v0.14 buffer, for hosts such as the Go binding):
        /// resumes, inline on this thread and most recent first, every waiting producer; it reports
        /// ring_buffer_stopped with notified() true and its element is not stored. The buffer stays open.
        auto notify_producers() -> void { wake_notified(m_produce_waiters); }

        /// gocoro extension, as notify_producers() for every waiting consumer (unexpected(ring_buffer_stopped),
        /// notified() true).
        auto notify_consumers() -> void { wake_notified(m_consume_waiters); }
#endif

    private:
#if GOCORO_CORE_EXTENSIONS
        template <typename operation>
        auto wake_notified(operation*& waiters) -> void
        {
            operation* woken = nullptr;
            {
                std::scoped_lock lk{m_mutex};
                woken = std::exchange(waiters, nullptr);
            }
            while (woken != nullptr)
            {
                auto* next        = woken->m_next;
                woken->m_notified = true;
                woken->m_awaiting_coroutine.resume();
                woken = next;
            }
        }
#endif

        /// Called with m_mutex held. True (lock released, possibly a consumer resumed) when the element was placed;
        /// false (lock still held) when the producer has to wait.
        auto try_produce_locked(produce_operation& op) -> bool
        {
            if (m_stopped)
            {
                // A stopped buffer accepts nothing new (libcoro v0.14 still stored into free space; see
                // COMPATIBILITY.md). Consumers keep draining what is already stored.
                op.m_stopped = true;
                m_mutex.unlock();
                return true;
            }

            if (m_consume_waiters != nullptr)
            {
                // A consumer waits only on an empty buffer, so this element is the oldest: give it directly.
                consume_operation* consumer = m_consume_waiters;
                m_consume_waiters           = consumer->m_next;
                consumer->m_e               = std::move(op.m_e);
                m_mutex.unlock();
                consumer->m_awaiting_coroutine.resume();
                return true;
            }

            const std::size_t used = m_used.load(std::memory_order_relaxed);
            if (used < num_elements)
            {
                m_elements[m_back] = std::move(op.m_e);
                m_back             = next_index(m_back);
                m_used.store(used + 1, std::memory_order_release);
                m_mutex.unlock();
                return true;
            }
            return false;
        }

        /// Called with m_mutex held. True (lock released, possibly a producer resumed) when an element was taken;
        /// false (lock still held) when the consumer has to wait.
        auto try_consume_locked(consume_operation& op) -> bool
        {
            const std::size_t used = m_used.load(std::memory_order_relaxed);
            if (used == 0)
            {
                return false;
            }

            op.m_e  = std::move(m_elements[m_front]);
            m_front = next_index(m_front);

            if (m_produce_waiters != nullptr)
            {
                // The slot just freed goes to the most recent waiting producer; the count is unchanged.
                produce_operation* producer = m_produce_waiters;
                m_produce_waiters           = producer->m_next;
                m_elements[m_back]          = std::move(producer->m_e);
                m_back                      = next_index(m_back);
                m_mutex.unlock();
                producer->m_awaiting_coroutine.resume();
                return true;
            }

            m_used.store(used - 1, std::memory_order_release);
            m_mutex.unlock();
            return true;
        }

        static constexpr auto next_index(std::size_t i) noexcept -> std::size_t
        {
            return (i + 1 == num_elements) ? 0 : i + 1;
        }

        std::mutex                        m_mutex;
        std::array<element, num_elements> m_elements{};
        std::size_t                       m_front{0};
        std::size_t                       m_back{0};
        std::atomic<std::size_t>          m_used{0};
        produce_operation*                m_produce_waiters{nullptr};
        consume_operation*                m_consume_waiters{nullptr};
        bool                              m_stopped{false};
    };
} // namespace v14

} // namespace coro

#include "coro/v16/ring_buffer.hpp"
