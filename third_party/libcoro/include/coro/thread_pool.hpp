#pragma once

#include "coro/concepts/range_of.hpp"
#include "coro/detail/handle_fifo.hpp"
#include "coro/detail/schedule_ref.hpp"
#include "coro/detail/task_self_deleting.hpp"
#include "coro/task.hpp"
#include "coro/task_group.hpp"

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <ranges>
#include <thread>
#include <vector>

namespace coro
{
/// A fixed set of worker threads that run coroutines.
///
/// Scheduling: every worker owns a work-stealing deque. Work a worker creates for itself (schedule() and
/// spawn() called from one of this pool's threads) goes to its own deque and runs newest-first, so fork-join
/// trees are walked depth-first and stay small in memory; idle workers steal the oldest entries of the others.
/// Work from outside the pool, yield() and resume() go through a shared FIFO queue. Idle workers spin briefly
/// and then sleep on a futex (an idle pool uses no CPU).
///
/// Thread rules: every public member may be called from any thread. A coroutine may change threads at each
/// co_await on a pool with more than one worker.
class thread_pool
{
public:
    /// Awaitable returned by schedule() and yield(); resumes the awaiting coroutine on a worker thread.
    class operation
    {
        friend class thread_pool;
        explicit operation(thread_pool& tp, bool fifo) noexcept : m_ref(tp, fifo) {}

    public:
        auto await_ready() noexcept -> bool { return false; }
        /// False (not suspended) if the pool's workers already left after shutdown, or if its queue could not grow
        /// (out of memory): await_resume then throws, std::runtime_error or std::bad_alloc.
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;
        auto await_resume() const -> void
        {
            if (m_ref.refused()) [[unlikely]]
            {
                m_ref.scheduler().throw_refused();
            }
        }

    private:
        detail::schedule_ref<thread_pool> m_ref;
    };

    /// libcoro v0.16 name of the awaitable returned by schedule() and yield().
    using schedule_operation = operation;

    struct options
    {
        /// Number of worker threads.
        uint32_t thread_count = std::thread::hardware_concurrency();
        /// Called first on each worker thread with its index 0..thread_count-1.
        std::function<void(std::size_t)> on_thread_start_functor = nullptr;
        /// Called last on each worker thread with its index.
        std::function<void(std::size_t)> on_thread_stop_functor = nullptr;
    };

    explicit thread_pool(
        options opts = options{
            .thread_count            = std::thread::hardware_concurrency(),
            .on_thread_start_functor = nullptr,
            .on_thread_stop_functor  = nullptr});

private:
    struct private_constructor
    {
        explicit private_constructor() = default;
    };

public:
    /// The constructor behind make_unique(); the tag keeps it out of reach of callers (libcoro v0.16 shape).
    explicit thread_pool(options&& opts, private_constructor) : thread_pool(std::move(opts)) {}

    /// libcoro v0.16 way to create a pool: every v0.16 API takes the executor as `std::unique_ptr<E>&`.
    static auto make_unique(
        options opts = options{
            .thread_count            = std::thread::hardware_concurrency(),
            .on_thread_start_functor = nullptr,
            .on_thread_stop_functor  = nullptr}) -> std::unique_ptr<thread_pool>
    {
        return std::make_unique<thread_pool>(std::move(opts), private_constructor{});
    }

    thread_pool(const thread_pool&)                    = delete;
    thread_pool(thread_pool&&)                         = delete;
    auto operator=(const thread_pool&) -> thread_pool& = delete;
    auto operator=(thread_pool&&) -> thread_pool&      = delete;

    /// Calls shutdown().
    virtual ~thread_pool();

    auto thread_count() const noexcept -> size_t { return m_threads.size(); }

    /// Awaitable that moves the awaiting coroutine onto a worker. Throws std::runtime_error (at this call)
    /// once shutdown() has been requested.
    [[nodiscard]] auto schedule() -> operation
    {
        if (m_shutdown_requested.load(std::memory_order_acquire)) [[unlikely]]
        {
            throw_shutting_down();
        }
        return operation{*this, false};
    }

    /// Detaches `task` into the pool; it counts in size() until it completes. Exceptions escaping it are
    /// discarded. False after shutdown.
    auto spawn(coro::task<void>&& task) noexcept -> bool;

    /// libcoro v0.16 name of spawn().
    auto spawn_detached(coro::task<void>&& task) noexcept -> bool { return spawn(std::move(task)); }

    /// Starts `task` on the pool now and returns a lazy task that completes once it has finished (at once if it
    /// already has). Destroying the returned task without awaiting it blocks until the spawned task has finished.
    /// If the pool refuses the task (shut down) it is destroyed unrun and the join task completes at once.
    auto spawn_joinable(coro::task<void>&& task) noexcept -> coro::task<void>;

    /// A task that first moves onto the pool and then runs `task`, returning its value.
    template <typename return_type>
    [[nodiscard]] auto schedule(coro::task<return_type> task) -> coro::task<return_type>
    {
        co_await schedule();
        co_return co_await task;
    }

    /// Queues an arbitrary suspended coroutine (FIFO). False for a null or finished handle or after shutdown.
    auto resume(std::coroutine_handle<> handle) noexcept -> bool;

    /// Queues every non-null handle (FIFO, in range order); returns how many were queued.
    template <coro::concepts::range_of<std::coroutine_handle<>> range_type>
    auto resume(const range_type& handles) noexcept -> uint64_t
    {
        const bool outside = current_worker() == nullptr;
        uint64_t   count   = 0;
        for (const auto& handle : handles)
        {
            if (handle != nullptr)
            {
                if (!push_global(handle, outside))
                {
                    break; // sealed: nothing would run it any more
                }
                ++count;
            }
        }
        if (count > 0)
        {
            notify_workers(count);
        }
        return count;
    }

    /// Like schedule(), but always re-queues at the tail of the shared FIFO queue so everything already
    /// queued runs first.
    [[nodiscard]] auto yield() -> operation { return operation{*this, true}; }

    /// Stops accepting new work, lets the workers drain every queued task, and joins them. Idempotent,
    /// blocking. Called by the destructor.
    auto shutdown() noexcept -> void;

    /// Whether shutdown() has been requested.
    [[nodiscard]] auto is_shutdown() const -> bool { return m_shutdown_requested.load(std::memory_order_acquire); }

    /// Queued plus currently executing tasks, plus spawned tasks that have not finished.
    auto size() const noexcept -> std::size_t;
    auto empty() const noexcept -> bool { return size() == 0; }
    /// Queued tasks only.
    auto queue_size() const noexcept -> std::size_t;
    auto queue_empty() const noexcept -> bool { return queue_size() == 0; }

private:
    struct worker;
    friend struct worker;
    /// The worker running on this thread, if this thread belongs to any pool.
    static thread_local worker* t_current_worker;

    /// Spin lock over the shared queue's overflow: held for a few instructions, never across user code.
    class spin_lock
    {
    public:
        auto lock() noexcept -> void;
        auto unlock() noexcept -> void { m_locked.store(false, std::memory_order_release); }

    private:
        std::atomic<bool> m_locked{false};
    };

    /// A slot of the shared queue's ring: `seq` says whose turn it is (Vyukov's bounded MPMC queue). Position p
    /// may be pushed when seq == p, popped when seq == p + 1; a pop hands it to position p + capacity.
    struct ring_cell
    {
        std::atomic<std::size_t> seq;
        std::coroutine_handle<>  handle;
    };
    enum class ring_push
    {
        pushed,
        full,
        refused
    };
    /// The top bit of m_ring_tail: set by the first worker that leaves after shutdown (see seal_if_idle).
    static constexpr std::size_t sealed_bit = std::size_t{1} << (sizeof(std::size_t) * 8 - 1);

    [[noreturn]] static auto throw_shutting_down() -> void;
    /// Throws why a push was refused: the shutdown, or else memory for the queue.
    [[noreturn]] auto throw_refused() const -> void;
    /// False if the workers already left after shutdown (only for a caller that is not one of them).
    [[nodiscard]] auto schedule_impl(std::coroutine_handle<> handle, bool fifo) noexcept -> bool;
    /// A worker's exit check after shutdown: true (and the pool sealed) when no queued work is left.
    auto seal_if_idle() noexcept -> bool;
    /// Appends to the shared queue without notifying anyone; false if refused (`outside` a worker, once sealed; or
    /// out of memory for the overflow).
    auto push_global(std::coroutine_handle<> handle, bool outside) noexcept -> bool;
    auto push_ring(std::coroutine_handle<> handle, bool outside) noexcept -> ring_push;
    auto pop_global_batch(worker& w) noexcept -> std::coroutine_handle<>;
    auto pop_ring_batch(std::coroutine_handle<>* batch) noexcept -> std::size_t;
    auto pop_overflow_batch(std::coroutine_handle<>* batch) noexcept -> std::size_t;
    auto ring_size() const noexcept -> std::size_t;
    auto steal(worker& w) noexcept -> std::coroutine_handle<>;
    auto find_work(worker& w) noexcept -> std::coroutine_handle<>;
    auto spin_for_work(worker& w) noexcept -> std::coroutine_handle<>;
    auto has_visible_work() const noexcept -> bool;
    auto sleep(worker& w) noexcept -> void;
    auto clear_wake_pending() noexcept -> void;
    auto notify_workers(uint64_t count) noexcept -> void;
    auto maybe_notify(uint64_t count) noexcept -> void; // inline fast path, thread_pool.cpp only
    auto wake(uint64_t count) noexcept -> void;
    auto run(worker& w) -> void;
    auto current_worker() const noexcept -> worker*;

    options m_opts;

    std::vector<std::unique_ptr<worker>> m_workers;
    std::vector<std::thread>             m_threads;

    // Shared FIFO queue. Pushes and pops go lock-free through a bounded ring of cells; a push that finds it full
    // goes, under m_overflow_lock, to an overflow FIFO, and so do all pushes after it until the workers have
    // emptied the overflow (they empty the ring first), so the tasks of one producer leave in the order it queued
    // them. Outside producers contend for nothing but the ring's tail with each other.
    std::unique_ptr<ring_cell[]> m_ring;
    std::size_t                  m_ring_mask{0};
    /// Next position to push; sealed_bit once sealed: from then on a push from a thread that is not a worker is
    /// refused, since no worker may be left to run it (a worker's own push is still accepted: it runs it itself
    /// before it leaves).
    alignas(64) std::atomic<std::size_t> m_ring_tail{0};
    /// Next position to pop.
    alignas(64) std::atomic<std::size_t> m_ring_head{0};
    // The lock, the counts and the overflow's ends share one cache line: a push or pop moves one line between
    // threads, not two.
    alignas(64) spin_lock m_overflow_lock;
    std::atomic<std::size_t> m_overflow_count{0};
    std::atomic<std::size_t> m_overflow_pushed{0};
    detail::handle_fifo      m_overflow;

    alignas(64) std::atomic<uint32_t> m_sleepers{0};
    std::atomic<uint32_t> m_spinners{0};
    alignas(64) std::atomic<uint32_t> m_wake_epoch{0};
    /// A futex wake was issued and the woken worker has not started searching yet.
    std::atomic<bool> m_wake_pending{false};

    /// Spawned tasks that have not finished yet.
    alignas(64) std::atomic<std::size_t> m_spawned{0};
    std::atomic<bool> m_shutdown_requested{false};
    std::mutex        m_join_mutex;
};

} // namespace coro
