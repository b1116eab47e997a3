#pragma once

// coro::queue<T> (libcoro v0.16): an unbounded multi-producer multi-consumer FIFO queue for coroutines.

#include "coro/concepts/executor.hpp"
#include "coro/expected.hpp"
#include "coro/sync_wait.hpp"
#include "coro/task.hpp"

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <utility>

namespace coro
{
enum class queue_produce_result
{
    /// The element was stored (or handed straight to a waiting consumer).
    produced,
    /// The queue is shutting down or shut down; the element was dropped.
    stopped
};

enum class queue_consume_result
{
    /// The queue is shut down (elements it still holds are not delivered any more).
    stopped,
    /// try_pop() only: another thread held the queue's lock at that moment.
    try_lock_failure,
    /// try_pop() only: nothing to take.
    empty
};

/// Unbounded FIFO queue. pop() suspends while the queue is empty; push() hands its element directly to the most
/// recently suspended consumer (waiters are served LIFO, elements FIFO) and resumes it inline on the pushing
/// thread before the push completes. States: running → (shutdown_drain) draining → stopped, or → (shutdown)
/// stopped. The internal lock is a short std::mutex section, never held while a coroutine is resumed. The
/// destructor shuts the queue down, so suspended consumers are resumed with `stopped` on the destroying thread.
template <typename element_type>
class queue
{
    enum class state_type
    {
        running,
        draining,
        stopped
    };

public:
    /// What pop() awaits; public only because pop()'s coroutine names it.
    struct awaiter
    {
        explicit awaiter(queue& q) noexcept : m_queue(q) {}

        auto await_ready() const noexcept -> bool { return false; }
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> bool
        {
            std::unique_lock lk{m_queue.m_mutex};
            if (m_queue.state() == state_type::stopped)
            {
                m_result.emplace(unexpected<queue_consume_result>{queue_consume_result::stopped});
                return false;
            }
            if (!m_queue.m_elements.empty())
            {
                m_result.emplace(m_queue.take_front_locked());
                return false;
            }
            m_awaiting_coroutine = awaiting_coroutine;
            m_next               = std::exchange(m_queue.m_waiters, this);
            return true;
        }
        auto await_resume() -> expected<element_type, queue_consume_result> { return std::move(*m_result); }

        queue&                                                      m_queue;
        std::optional<expected<element_type, queue_consume_result>> m_result{};
        std::coroutine_handle<>                                     m_awaiting_coroutine{};
        awaiter*                                                    m_next{nullptr};
    };

    queue() = default;
    ~queue() { coro::sync_wait(shutdown()); }

    queue(const queue&)                    = delete;
    queue(queue&&)                         = delete;
    auto operator=(const queue&) -> queue& = delete;
    auto operator=(queue&&) -> queue&      = delete;

    /// Approximate under concurrency (read without the lock).
    auto empty() const -> bool { return size() == 0; }
    auto size() const -> std::size_t { return m_size.load(std::memory_order_acquire); }

    auto push(const element_type& element) -> coro::task<queue_produce_result> { co_return produce(element); }
    auto push(element_type&& element) -> coro::task<queue_produce_result> { co_return produce(std::move(element)); }

    template <typename... args_type>
    auto emplace(args_type&&... args) -> coro::task<queue_produce_result>
    {
        co_return produce(element_type(std::forward<args_type>(args)...));
    }

    /// The front element; suspends while the queue is empty and running or draining. `stopped` once the queue is
    /// shut down, even if elements remain.
    [[nodiscard]] auto pop() -> coro::task<expected<element_type, queue_consume_result>>
    {
        co_return co_await awaiter{*this};
    }

    /// pop() without suspending: `try_lock_failure` if the lock is busy, `stopped`, `empty`, or the front element.
    [[nodiscard]] auto try_pop() -> expected<element_type, queue_consume_result>
    {
        std::unique_lock lk{m_mutex, std::try_to_lock};
        if (!lk.owns_lock())
        {
            return unexpected<queue_consume_result>{queue_consume_result::try_lock_failure};
        }
        if (state() == state_type::stopped)
        {
            return unexpected<queue_consume_result>{queue_consume_result::stopped};
        }
        if (m_elements.empty())
        {
            return unexpected<queue_consume_result>{queue_consume_result::empty};
        }
        return take_front_locked();
    }

    /// Stops the queue (idempotent): later pushes are refused and every suspended consumer is resumed inline,
    /// most recent first, with `stopped`. Elements still stored are kept (size() counts them) but not delivered.
    auto shutdown() -> coro::task<void>
    {
        awaiter* waiters = nullptr;
        {
            std::lock_guard lk{m_mutex};
            if (state() == state_type::stopped)
            {
                co_return;
            }
            m_state.store(state_type::stopped, std::memory_order_release);
            waiters = std::exchange(m_waiters, nullptr);
        }
        while (waiters != nullptr)
        {
            auto* next = waiters->m_next;
            waiters->m_result.emplace(unexpected<queue_consume_result>{queue_consume_result::stopped});
            waiters->m_awaiting_coroutine.resume();
            waiters = next;
        }
    }

    /// Refuses further pushes, lets consumers empty the queue (yielding on `e` while they do), then shuts down.
    /// Only acts on a running queue; ends early if someone else calls shutdown() meanwhile.
    template <coro::concepts::v16::executor executor_type>
    auto shutdown_drain(std::unique_ptr<executor_type>& e) -> coro::task<void>
    {
        {
            std::lock_guard lk{m_mutex};
            if (state() != state_type::running)
            {
                co_return;
            }
            m_state.store(state_type::draining, std::memory_order_release);
        }
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

    template <typename value_type>
    auto produce(value_type&& element) -> queue_produce_result
    {
        std::unique_lock lk{m_mutex};
        if (state() != state_type::running)
        {
            return queue_produce_result::stopped;
        }
        if (m_waiters == nullptr)
        {
            m_elements.emplace(std::forward<value_type>(element));
            m_size.fetch_add(1, std::memory_order_release);
            return queue_produce_result::produced;
        }
        auto* consumer = std::exchange(m_waiters, m_waiters->m_next);
        lk.unlock();
        consumer->m_result.emplace(std::forward<value_type>(element));
        consumer->m_awaiting_coroutine.resume();
        return queue_produce_result::produced;
    }

    auto take_front_locked() -> element_type
    {
        element_type element = std::move(m_elements.front());
        m_elements.pop();
        m_size.fetch_sub(1, std::memory_order_release);
        return element;
    }

    std::mutex               m_mutex;
    std::queue<element_type> m_elements;
    std::atomic<std::size_t> m_size{0};
    std::atomic<state_type>  m_state{state_type::running};
    /// Suspended consumers, most recent first (linked by awaiter::m_next). Guarded by m_mutex.
    awaiter* m_waiters{nullptr};
};

} // namespace coro
