#pragma once

// The queue behind coro.Queue (cshim/queue.cc). libcoro has coro::queue from v0.15 on, and gocoro's embedded core
// has it; upstream v0.14.1 does not, so when the libcoro being compiled against lacks coro/queue.hpp the shim
// uses its own queue of ids below, built on std::mutex and the public task API only, with the same outcome for the
// Go binding (libcoro v0.16's queue semantics as far as the shim uses them: push, pop, try_pop, size, shutdown).

#include "cshim/compat/upstream_version.hpp"

#include <coro/expected.hpp>
#include <coro/task.hpp> // GOCORO_CORE_EXTENSIONS comes with the embedded core's headers; upstream's lack it

#include <cstdint>
#include <type_traits>

#if GOCORO_CORE_EXTENSIONS
    // The embedded core's. Tested apart from __has_include: go build compiles the core's headers amalgamated into
    // the shim's translation unit, without their directory on the include path.
    #include <coro/queue.hpp>
    #define GOCORO_COMPAT_CORO_QUEUE 1
#else
    #if __has_include(<coro/queue.hpp>)
        #include <coro/queue.hpp>
        #define GOCORO_COMPAT_CORO_QUEUE 1
    #else
        #define GOCORO_COMPAT_CORO_QUEUE 0
        #include <atomic>
        #include <coroutine>
        #include <cstddef>
        #include <deque>
        #include <mutex>
        #include <optional>
        #include <utility>
    #endif
#endif

namespace gocoro::compat
{
#if GOCORO_COMPAT_CORO_QUEUE
using queue_produce_result = coro::queue_produce_result;
using queue_consume_result = coro::queue_consume_result;
using queue                = coro::queue<uint64_t>;
#else
enum class queue_produce_result
{
    produced,
    stopped
};

enum class queue_consume_result
{
    stopped,
    try_lock_failure,
    empty
};

/// Unbounded FIFO of ids. A push that finds consumers waiting hands its id to the most recent one and resumes it
/// inline before returning; shutdown resumes every waiting consumer inline (most recent first) with `stopped`, and
/// from then on pop delivers nothing even if ids remain (size() still counts them). The lock is never held while a
/// coroutine is resumed.
class queue
{
public:
    using pop_result = coro::expected<uint64_t, queue_consume_result>;

    /// What pop() awaits: a waiting consumer, linked into the queue's list while suspended.
    struct awaiter
    {
        explicit awaiter(queue& q) noexcept : m_queue(q) {}

        auto await_ready() const noexcept -> bool { return false; }
        auto await_suspend(std::coroutine_handle<> awaiting) -> bool
        {
            std::lock_guard lk{m_queue.m_mutex};
            if (m_queue.m_stopped)
            {
                m_result.emplace(coro::unexpected<queue_consume_result>{queue_consume_result::stopped});
                return false;
            }
            if (!m_queue.m_ids.empty())
            {
                m_result.emplace(m_queue.take_front_locked());
                return false;
            }
            m_awaiting = awaiting;
            m_next     = std::exchange(m_queue.m_waiters, this);
            return true;
        }
        auto await_resume() -> pop_result { return *m_result; }

        queue&                    m_queue;
        std::optional<pop_result> m_result{};
        std::coroutine_handle<>   m_awaiting{};
        awaiter*                  m_next{nullptr};
    };

    queue() = default;
    /// Like coro::queue's destructor: consumers still waiting are resumed with `stopped`.
    ~queue() { stop(); }

    queue(const queue&)                    = delete;
    queue(queue&&)                         = delete;
    auto operator=(const queue&) -> queue& = delete;
    auto operator=(queue&&) -> queue&      = delete;

    /// Approximate under concurrency (read without the lock).
    auto size() const -> std::size_t { return m_size.load(std::memory_order_acquire); }

    auto push(uint64_t id) -> coro::task<queue_produce_result> { co_return produce(id); }

    [[nodiscard]] auto pop() -> coro::task<pop_result> { co_return co_await awaiter{*this}; }

    /// pop() without suspending: `try_lock_failure` when the lock is busy, `stopped`, `empty`, or the front id.
    [[nodiscard]] auto try_pop() -> pop_result
    {
        std::unique_lock lk{m_mutex, std::try_to_lock};
        if (!lk.owns_lock())
        {
            return coro::unexpected<queue_consume_result>{queue_consume_result::try_lock_failure};
        }
        if (m_stopped)
        {
            return coro::unexpected<queue_consume_result>{queue_consume_result::stopped};
        }
        if (m_ids.empty())
        {
            return coro::unexpected<queue_consume_result>{queue_consume_result::empty};
        }
        return take_front_locked();
    }

    /// Stops the queue (idempotent); a task like coro::queue::shutdown, though it never suspends.
    auto shutdown() -> coro::task<void>
    {
        stop();
        co_return;
    }

private:
    auto produce(uint64_t id) -> queue_produce_result
    {
        std::unique_lock lk{m_mutex};
        if (m_stopped)
        {
            return queue_produce_result::stopped;
        }
        if (m_waiters == nullptr)
        {
            m_ids.push_back(id);
            m_size.fetch_add(1, std::memory_order_release);
            return queue_produce_result::produced;
        }
        auto* consumer = std::exchange(m_waiters, m_waiters->m_next);
        lk.unlock();
        consumer->m_result.emplace(id);
        consumer->m_awaiting.resume();
        return queue_produce_result::produced;
    }

    auto stop() -> void
    {
        awaiter* waiters = nullptr;
        {
            std::lock_guard lk{m_mutex};
            if (m_stopped)
            {
                return;
            }
            m_stopped = true;
            waiters   = std::exchange(m_waiters, nullptr);
        }
        while (waiters != nullptr)
        {
            // Read before resuming: the resumed consumer's frame, which holds the awaiter, may be gone after.
            auto* next = waiters->m_next;
            waiters->m_result.emplace(coro::unexpected<queue_consume_result>{queue_consume_result::stopped});
            waiters->m_awaiting.resume();
            waiters = next;
        }
    }

    auto take_front_locked() -> uint64_t
    {
        const uint64_t id = m_ids.front();
        m_ids.pop_front();
        m_size.fetch_sub(1, std::memory_order_release);
        return id;
    }

    std::mutex               m_mutex;
    std::deque<uint64_t>     m_ids;
    std::atomic<std::size_t> m_size{0};
    bool                     m_stopped{false}; // guarded by m_mutex
    /// Suspended consumers, most recent first (linked by awaiter::m_next). Guarded by m_mutex.
    awaiter* m_waiters{nullptr};
};
#endif
} // namespace gocoro::compat

#if GOCORO_CORE_EXTENSIONS
// The default build must take the embedded core's coro::queue: once (51f2891) it silently took the fallback above.
static_assert(
    std::is_same_v<gocoro::compat::queue, coro::queue<uint64_t>>,
    "the embedded core's coro::queue must back gocoro::compat::queue, not the compat fallback");
#endif
