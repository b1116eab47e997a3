#include "coro/thread_pool.hpp"
#include "coro/detail/futex.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <stdexcept>
#include <utility>

// Fault injection for the wake-up protocol (tests/cpp/stress): a build with LIBCORO_THREAD_POOL_DELAY_HOOK set calls
// coro::detail::thread_pool_delay_hook, if installed, between the steps of publishing work and going to sleep, so a
// test can stretch the windows in which a preempted thread would race. Compiled out otherwise.
#if defined(LIBCORO_THREAD_POOL_DELAY_HOOK)
namespace coro::detail
{
void (*thread_pool_delay_hook)() noexcept = nullptr;
}
    #define LIBCORO_THREAD_POOL_DELAY_POINT()                                         \
        do                                                                            \
        {                                                                             \
            if (auto* hook = ::coro::detail::thread_pool_delay_hook; hook != nullptr) \
            {                                                                         \
                hook();                                                               \
            }                                                                         \
        } while (false)
#else
    #define LIBCORO_THREAD_POOL_DELAY_POINT() \
        do                                    \
        {                                     \
        } while (false)
#endif

namespace coro
{
namespace detail
{
// ---------------------------------------------------------------------------------------------------------
// Asymmetric barriers. Two places need a Dekker-style store->load fence on both sides: a producer publishing
// work then checking for sleepers against a worker announcing sleep then checking for work, and the deque
// owner taking its bottom element against a thief reading top then bottom. The producer and the owner run
// once per task; the sleeper and the thief run rarely (a worker about to sleep, a steal from a non-empty
// deque). So the frequent side uses a compiler-only barrier and the rare side uses membarrier(2), which
// executes a full memory barrier on every CPU currently running a thread of this process. Where membarrier
// is unavailable (and under ThreadSanitizer, which does not model it) both sides use seq_cst fences.
namespace
{
#if defined(__SANITIZE_THREAD__)
constexpr bool asymmetric_barriers_possible = false;
#elif defined(__has_feature)
    #if __has_feature(thread_sanitizer)
constexpr bool asymmetric_barriers_possible = false;
    #else
constexpr bool asymmetric_barriers_possible = true;
    #endif
#else
constexpr bool asymmetric_barriers_possible = true;
#endif

std::atomic<bool> g_asymmetric_barriers{false};

/// Registers this process for expedited private membarrier once; true if the light/heavy pair is usable.
auto init_asymmetric_barriers() noexcept -> bool
{
    static const bool ok = []() noexcept
    {
        if constexpr (!asymmetric_barriers_possible)
        {
            return false;
        }
        const long cmds = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 ||
            (cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0)
        {
            return false;
        }
        if (::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
        {
            return false;
        }
        g_asymmetric_barriers.store(true, std::memory_order_release);
        return true;
    }();
    return ok;
}

/// Registering is cheap while the process has a single thread and waits for an RCU grace period once it has more
/// (about 11 ms, more under load: what made the first pool, or IOScheduler, of a Go process slow to start). So it is
/// done by static initialisation, before main, while the program (a Go one too) is still single-threaded.
[[maybe_unused]] const bool g_registered_before_main = init_asymmetric_barriers();

inline auto asymmetric() noexcept -> bool
{
    return asymmetric_barriers_possible && g_asymmetric_barriers.load(std::memory_order_relaxed);
}

/// The frequent side: free when the asymmetric pair is in use.
inline auto light_barrier() noexcept -> void
{
    if (asymmetric())
    {
        std::atomic_signal_fence(std::memory_order_seq_cst);
    }
    else
    {
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
}

/// The rare side: a process-wide barrier when the asymmetric pair is in use.
inline auto heavy_barrier() noexcept -> void
{
    if (asymmetric() && ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
    {
        return;
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
}
} // namespace

/// Chase-Lev work-stealing deque of coroutine handles. The owner pushes and pops at the bottom (LIFO); thieves
/// take from the top (oldest first). The ring grows when full; retired rings stay alive until the deque dies
/// because a thief may still be reading one.
class work_stealing_deque
{
    struct ring
    {
        explicit ring(int64_t capacity) : m_mask(capacity - 1), m_slots(new std::atomic<void*>[capacity]) {}

        auto capacity() const noexcept -> int64_t { return m_mask + 1; }
        auto put(int64_t i, void* value) noexcept -> void
        {
            m_slots[i & m_mask].store(value, std::memory_order_relaxed);
        }
        auto get(int64_t i) const noexcept -> void* { return m_slots[i & m_mask].load(std::memory_order_relaxed); }

        int64_t                               m_mask;
        std::unique_ptr<std::atomic<void*>[]> m_slots;
    };

public:
    work_stealing_deque() : m_ring(new ring(initial_capacity)) { m_rings.emplace_back(m_ring.load()); }

    [[gnu::always_inline]] auto push(std::coroutine_handle<> handle) noexcept -> void
    {
        int64_t b = m_bottom.load(std::memory_order_relaxed);
        int64_t t = m_top.load(std::memory_order_acquire);
        ring*   r = m_ring.load(std::memory_order_relaxed);
        if (b - t > r->capacity() - 1)
        {
            r = grow(r, b, t);
        }
        r->put(b, handle.address());
        m_bottom.store(b + 1, std::memory_order_release);
    }

    [[gnu::always_inline]] auto pop() noexcept -> std::coroutine_handle<>
    {
        int64_t b = m_bottom.load(std::memory_order_relaxed) - 1;
        ring*   r = m_ring.load(std::memory_order_relaxed);
        int64_t t;
        if (asymmetric())
        {
            // Pairs with heavy_barrier() in steal().
            m_bottom.store(b, std::memory_order_relaxed);
            std::atomic_signal_fence(std::memory_order_seq_cst);
            t = m_top.load(std::memory_order_relaxed);
        }
        else
        {
            m_bottom.store(b, std::memory_order_seq_cst);
            t = m_top.load(std::memory_order_seq_cst);
        }
        if (t > b)
        {
            m_bottom.store(b + 1, std::memory_order_relaxed);
            return nullptr;
        }
        void* value = r->get(b);
        if (t == b)
        {
            // Last element: race a thief for it.
            if (!m_top.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed))
            {
                value = nullptr;
            }
            m_bottom.store(b + 1, std::memory_order_relaxed);
        }
        return std::coroutine_handle<>::from_address(value);
    }

    auto steal() noexcept -> std::coroutine_handle<>
    {
        int64_t t = m_top.load(std::memory_order_seq_cst);
        int64_t b = m_bottom.load(std::memory_order_seq_cst);
        if (t >= b)
        {
            return nullptr;
        }
        if (asymmetric())
        {
            // The owner's pop() has no hardware fence: force one on its CPU, then look at bottom again. The
            // `t` used below must be the one read before the barrier.
            heavy_barrier();
            b = m_bottom.load(std::memory_order_acquire);
            if (t >= b)
            {
                return nullptr;
            }
        }
        ring* r     = m_ring.load(std::memory_order_acquire);
        void* value = r->get(t);
        if (!m_top.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed))
        {
            return nullptr; // lost the race; the caller moves on
        }
        return std::coroutine_handle<>::from_address(value);
    }

    auto size() const noexcept -> std::size_t
    {
        int64_t b = m_bottom.load(std::memory_order_relaxed);
        int64_t t = m_top.load(std::memory_order_relaxed);
        return b > t ? static_cast<std::size_t>(b - t) : 0;
    }

private:
    static constexpr int64_t initial_capacity = 256;

    [[gnu::noinline, gnu::cold]] auto grow(ring* old, int64_t b, int64_t t) -> ring*
    {
        auto* bigger = new ring(old->capacity() * 2);
        for (int64_t i = t; i < b; ++i)
        {
            bigger->put(i, old->get(i));
        }
        m_rings.emplace_back(bigger);
        m_ring.store(bigger, std::memory_order_release);
        return bigger;
    }

    alignas(64) std::atomic<int64_t> m_top{0};
    alignas(64) std::atomic<int64_t> m_bottom{0};
    std::atomic<ring*>                 m_ring;
    std::vector<std::unique_ptr<ring>> m_rings; // owner only
};
} // namespace detail

namespace
{
/// How long an idle worker keeps looking for work before it sleeps. A futex wake of a sleeping thread on
/// another vCPU costs ~20 us here, so spinning for about that long is what pays off.
constexpr auto spin_duration = std::chrono::microseconds{30};

/// Upper bound on how many handles a worker moves from the shared queue to its own deque at once.
constexpr std::size_t global_batch_limit = 32;
static_assert(global_batch_limit <= detail::handle_fifo::block::capacity, "handle_fifo::pop drains one block at most");

/// Cells of the shared queue's lock-free ring (a power of two): 16 KiB per pool.
constexpr std::size_t global_ring_capacity = 1024;

} // namespace

struct thread_pool::worker
{
    worker(thread_pool& pool, std::size_t index)
        : m_pool(pool), m_index(index), m_rng(static_cast<uint32_t>(index * 2654435761u + 1))
    {
    }

    auto next_random() noexcept -> uint32_t
    {
        m_rng ^= m_rng << 13;
        m_rng ^= m_rng >> 17;
        m_rng ^= m_rng << 5;
        return m_rng;
    }

    thread_pool&                m_pool;
    std::size_t                 m_index;
    detail::work_stealing_deque m_deque;
    // Written only by the owning worker; read by size().
    alignas(64) std::atomic<std::size_t> m_pushed{0};
    std::atomic<std::size_t> m_executed{0};
    uint32_t                 m_rng;
};

thread_local thread_pool::worker* thread_pool::t_current_worker = nullptr;

auto thread_pool::spin_lock::lock() noexcept -> void
{
    for (;;)
    {
        if (!m_locked.exchange(true, std::memory_order_acquire))
        {
            return;
        }
        int spins = 0;
        while (m_locked.load(std::memory_order_relaxed))
        {
            if (++spins < 64)
            {
                detail::cpu_relax();
            }
            else
            {
                // The holder was probably preempted: give it the CPU.
                std::this_thread::yield();
                spins = 0;
            }
        }
    }
}

/// Fast path of notify_workers(): one load when nobody sleeps (with asymmetric barriers, no fence at all).
[[gnu::always_inline]] inline auto thread_pool::maybe_notify(uint64_t count) noexcept -> void
{
    LIBCORO_THREAD_POOL_DELAY_POINT();
    detail::light_barrier();
    if (m_sleepers.load(std::memory_order_relaxed) != 0) [[unlikely]]
    {
        wake(count);
    }
}

auto thread_pool::operation::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    thread_pool& tp   = m_ref.scheduler();
    const bool   fifo = m_ref.fifo();
    if (!fifo)
    {
        // schedule() from one of this pool's workers: onto its own deque (the common fork-join case).
        if (worker* w = t_current_worker; w != nullptr && &w->m_pool == &tp) [[likely]]
        {
            w->m_deque.push(awaiting_coroutine);
            w->m_pushed.store(w->m_pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            tp.maybe_notify(1);
            return true;
        }
    }
    // schedule() checked for shutdown, but the workers may have left since: then nothing would resume us.
    // Once accepted, a worker may resume and destroy this frame at once: touch the awaiter only when refused.
    if (tp.schedule_impl(awaiting_coroutine, fifo))
    {
        return true;
    }
    m_ref.set_refused();
    return false;
}

thread_pool::thread_pool(options opts) : m_opts(std::move(opts))
{
    detail::init_asymmetric_barriers();
    const std::size_t count = m_opts.thread_count;
    m_ring                  = std::make_unique<ring_cell[]>(global_ring_capacity);
    m_ring_mask             = global_ring_capacity - 1;
    for (std::size_t i = 0; i < global_ring_capacity; ++i)
    {
        m_ring[i].seq.store(i, std::memory_order_relaxed);
    }
    m_workers.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
    {
        m_workers.emplace_back(std::make_unique<worker>(*this, i));
    }
    m_threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
    {
        m_threads.emplace_back([this, i]() { run(*m_workers[i]); });
    }
}

thread_pool::~thread_pool()
{
    shutdown();
}

auto thread_pool::current_worker() const noexcept -> worker*
{
    worker* w = t_current_worker;
    return (w != nullptr && &w->m_pool == this) ? w : nullptr;
}

auto thread_pool::throw_shutting_down() -> void
{
    throw std::runtime_error("coro::thread_pool is shutting down, unable to schedule new tasks.");
}

auto thread_pool::throw_refused() const -> void
{
    if (m_shutdown_requested.load(std::memory_order_acquire))
    {
        throw_shutting_down();
    }
    throw std::bad_alloc();
}

auto thread_pool::spawn(coro::task<void>&& task) noexcept -> bool
{
    if (m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false;
    }
    m_spawned.fetch_add(1, std::memory_order_relaxed);
    auto wrapper = detail::make_task_self_deleting(std::move(task));
    wrapper.promise().executor_size(m_spawned);
    if (!schedule_impl(wrapper.handle(), false))
    {
        wrapper.handle().destroy(); // never started: its counter is not decremented by itself
        m_spawned.fetch_sub(1, std::memory_order_release);
        return false;
    }
    return true;
}

auto thread_pool::resume(std::coroutine_handle<> handle) noexcept -> bool
{
    if (handle == nullptr || handle.done() || m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false;
    }
    return schedule_impl(handle, true);
}

auto thread_pool::schedule_impl(std::coroutine_handle<> handle, bool fifo) noexcept -> bool
{
    worker* w = current_worker();
    if (!fifo && w != nullptr)
    {
        w->m_deque.push(handle);
        w->m_pushed.store(w->m_pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        maybe_notify(1);
        return true;
    }
    if (!push_global(handle, w == nullptr)) [[unlikely]]
    {
        return false;
    }
    maybe_notify(1);
    return true;
}

auto thread_pool::push_global(std::coroutine_handle<> handle, bool outside) noexcept -> bool
{
    if (m_overflow_count.load(std::memory_order_acquire) == 0) [[likely]]
    {
        switch (push_ring(handle, outside))
        {
            case ring_push::pushed:
                return true;
            case ring_push::refused:
                return false;
            case ring_push::full:
                break;
        }
    }
    // A new block for the overflow is made before taking the lock (see handle_fifo), and any block left over is
    // freed after releasing it.
    detail::handle_fifo::block* spare = nullptr;
    std::unique_lock            lk{m_overflow_lock};
    bool                        pushed = false;
    for (;;)
    {
        if (outside && (m_ring_tail.load(std::memory_order_relaxed) & sealed_bit) != 0) [[unlikely]]
        {
            break;
        }
        if (!m_overflow.needs_block())
        {
            m_overflow.push(handle);
            m_overflow_count.store(m_overflow.size(), std::memory_order_release);
            m_overflow_pushed.store(m_overflow_pushed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            pushed = true;
            break;
        }
        if (spare != nullptr)
        {
            spare = m_overflow.give(spare);
            continue;
        }
        lk.unlock();
        spare = detail::handle_fifo::make_block();
        if (spare == nullptr) [[unlikely]]
        {
            return false; // out of memory: the awaiter throws std::bad_alloc (throw_refused)
        }
        lk.lock();
    }
    lk.unlock();
    detail::handle_fifo::free_block(spare);
    return pushed;
}

auto thread_pool::push_ring(std::coroutine_handle<> handle, bool outside) noexcept -> ring_push
{
    std::size_t tail = m_ring_tail.load(std::memory_order_relaxed);
    for (;;)
    {
        if (outside && (tail & sealed_bit) != 0) [[unlikely]]
        {
            return ring_push::refused;
        }
        const std::size_t pos  = tail & ~sealed_bit;
        ring_cell&        cell = m_ring[pos & m_ring_mask];
        const auto        diff = static_cast<std::ptrdiff_t>(cell.seq.load(std::memory_order_acquire) - pos);
        if (diff == 0)
        {
            // The sealed bit rides along: a worker's push after the seal keeps it set.
            if (m_ring_tail.compare_exchange_weak(tail, tail + 1, std::memory_order_relaxed))
            {
                cell.handle = handle;
                cell.seq.store(pos + 1, std::memory_order_release);
                return ring_push::pushed;
            }
        }
        else if (diff < 0)
        {
            return ring_push::full; // the cell still holds the item pushed one lap ago
        }
        else
        {
            tail = m_ring_tail.load(std::memory_order_relaxed); // another producer took this position
        }
    }
}

auto thread_pool::seal_if_idle() noexcept -> bool
{
    // Under the lock that every overflow push takes, and with a CAS on the tail that every ring push moves: such a
    // push either came first (and is visible here, or makes the CAS fail) or comes after and sees the sealed bit.
    // Work in other workers' deques is theirs to run; they are still here.
    std::unique_lock lk{m_overflow_lock};
    if (has_visible_work())
    {
        return false;
    }
    std::size_t tail = m_ring_tail.load(std::memory_order_relaxed);
    if ((tail & sealed_bit) != 0)
    {
        return true;
    }
    return m_ring_head.load(std::memory_order_relaxed) == tail &&
           m_ring_tail.compare_exchange_strong(tail, tail | sealed_bit, std::memory_order_relaxed);
}

auto thread_pool::ring_size() const noexcept -> std::size_t
{
    // Head first: both only grow, so a head read before the tail never exceeds it.
    const std::size_t head = m_ring_head.load(std::memory_order_relaxed);
    const std::size_t tail = m_ring_tail.load(std::memory_order_relaxed) & ~sealed_bit;
    return tail > head ? tail - head : 0;
}

auto thread_pool::pop_ring_batch(std::coroutine_handle<>* batch) noexcept -> std::size_t
{
    std::size_t head = m_ring_head.load(std::memory_order_relaxed);
    for (;;)
    {
        // Whether there is anything is read off the head's cell, not the tail: idle workers poll here, and a tail
        // they kept reading would be a cache line every push has to take back from them.
        if (m_ring[head & m_ring_mask].seq.load(std::memory_order_acquire) != head + 1)
        {
            const std::size_t now = m_ring_head.load(std::memory_order_relaxed);
            if (now == head)
            {
                return 0; // empty, or its oldest claimed position is still being written
            }
            head = now;
            continue;
        }
        // Take a fair share so the other workers find some too, but at least one; only cells already published
        // (a producer may have claimed a position and not written it yet). The tail is past the published head.
        const std::size_t tail   = m_ring_tail.load(std::memory_order_relaxed) & ~sealed_bit;
        const std::size_t queued = tail > head ? tail - head : 1;
        const std::size_t want   = std::min({global_batch_limit, queued / m_workers.size() + 1, queued});
        std::size_t       ready  = 1;
        while (ready < want &&
               m_ring[(head + ready) & m_ring_mask].seq.load(std::memory_order_acquire) == head + ready + 1)
        {
            ++ready;
        }
        if (m_ring_head.compare_exchange_weak(head, head + ready, std::memory_order_relaxed))
        {
            for (std::size_t i = 0; i < ready; ++i)
            {
                ring_cell& cell = m_ring[(head + i) & m_ring_mask];
                batch[i]        = cell.handle;
                cell.seq.store(head + i + m_ring_mask + 1, std::memory_order_release);
            }
            return ready;
        }
    }
}

auto thread_pool::pop_overflow_batch(std::coroutine_handle<>* batch) noexcept -> std::size_t
{
    if (m_overflow_count.load(std::memory_order_acquire) == 0)
    {
        return 0;
    }
    std::unique_lock  lk{m_overflow_lock};
    const std::size_t count = m_overflow_count.load(std::memory_order_relaxed);
    if (count == 0)
    {
        return 0;
    }
    const std::size_t taken   = std::min({global_batch_limit, count / m_workers.size() + 1, count});
    auto*             surplus = m_overflow.pop(batch, taken);
    m_overflow_count.store(count - taken, std::memory_order_release);
    lk.unlock();
    detail::handle_fifo::free_block(surplus);
    return taken;
}

auto thread_pool::pop_global_batch(worker& w) noexcept -> std::coroutine_handle<>
{
    // The ring first: while the overflow holds anything, every push goes there, so the ring holds the older tasks.
    std::coroutine_handle<> batch[global_batch_limit];
    std::size_t             taken = pop_ring_batch(batch);
    if (taken == 0)
    {
        taken = pop_overflow_batch(batch);
        if (taken == 0)
        {
            return nullptr;
        }
    }
    if (taken > 1)
    {
        // Pushed newest-first so the owner pops them back in queue order.
        for (std::size_t i = taken; i-- > 1;)
        {
            w.m_deque.push(batch[i]);
        }
        // These were counted as pushed on the shared queue; moving them is not a new push.
        notify_workers(taken - 1);
    }
    return batch[0];
}

auto thread_pool::steal(worker& w) noexcept -> std::coroutine_handle<>
{
    const std::size_t n = m_workers.size();
    if (n <= 1)
    {
        return nullptr;
    }
    const std::size_t start = w.next_random() % n;
    for (std::size_t i = 0; i < n; ++i)
    {
        worker& victim = *m_workers[(start + i) % n];
        if (&victim == &w)
        {
            continue;
        }
        if (auto handle = victim.m_deque.steal(); handle != nullptr)
        {
            return handle;
        }
    }
    return nullptr;
}

auto thread_pool::find_work(worker& w) noexcept -> std::coroutine_handle<>
{
    if (auto handle = w.m_deque.pop(); handle != nullptr)
    {
        return handle;
    }
    if (auto handle = pop_global_batch(w); handle != nullptr)
    {
        return handle;
    }
    return steal(w);
}

auto thread_pool::has_visible_work() const noexcept -> bool
{
    if (ring_size() != 0 || m_overflow_count.load(std::memory_order_relaxed) != 0)
    {
        return true;
    }
    for (const auto& w : m_workers)
    {
        if (w->m_deque.size() != 0)
        {
            return true;
        }
    }
    return false;
}

auto thread_pool::spin_for_work(worker& w) noexcept -> std::coroutine_handle<>
{
    m_spinners.fetch_add(1, std::memory_order_seq_cst);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    clear_wake_pending();
    const auto              deadline = std::chrono::steady_clock::now() + spin_duration;
    std::coroutine_handle<> handle{nullptr};
    for (uint32_t round = 0;; ++round)
    {
        handle = find_work(w);
        if (handle != nullptr || m_shutdown_requested.load(std::memory_order_relaxed))
        {
            break;
        }
        for (int i = 0; i < 32; ++i)
        {
            detail::cpu_relax();
        }
        // Let any other runnable thread on this CPU go first (on a 2-vCPU box the thread producing our work
        // often is one): returns at once when nothing else wants the CPU.
        std::this_thread::yield();
        if ((round & 7) == 7 && std::chrono::steady_clock::now() >= deadline)
        {
            break;
        }
    }
    const uint32_t spinners_before = m_spinners.fetch_sub(1, std::memory_order_seq_cst);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    if (handle != nullptr && spinners_before == 1 && has_visible_work())
    {
        // We were the last one looking and there is more: get another worker searching.
        notify_workers(1);
    }
    return handle;
}

auto thread_pool::sleep(worker& w) noexcept -> void
{
    (void)w;
    const uint32_t epoch = m_wake_epoch.load(std::memory_order_acquire);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    m_sleepers.fetch_add(1, std::memory_order_seq_cst);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    // Pairs with light_barrier() in notify_workers(): a producer either sees us in m_sleepers or we see its
    // work here.
    detail::heavy_barrier();
    // Clear m_wake_pending only after taking the epoch. A wake() that set the flag bumps the epoch next: if it did
    // so before our load, its futex_wake found nobody waiting and no worker would clear the flag again, so every
    // later wake() would return early while we sleep (a lost wake-up); if after, our futex_wait returns at once.
    m_wake_pending.exchange(false, std::memory_order_seq_cst);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    if (!has_visible_work() && !m_shutdown_requested.load(std::memory_order_seq_cst))
    {
        detail::futex_wait(m_wake_epoch, epoch);
    }
    m_sleepers.fetch_sub(1, std::memory_order_seq_cst);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    clear_wake_pending();
}

auto thread_pool::clear_wake_pending() noexcept -> void
{
    if (m_wake_pending.load(std::memory_order_relaxed))
    {
        m_wake_pending.store(false, std::memory_order_seq_cst);
    }
}

auto thread_pool::notify_workers(uint64_t count) noexcept -> void
{
    maybe_notify(count);
}

auto thread_pool::wake(uint64_t count) noexcept -> void
{
    const uint32_t sleepers = m_sleepers.load(std::memory_order_relaxed);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    if (sleepers == 0 || m_spinners.load(std::memory_order_relaxed) != 0)
    {
        return;
    }
    // One wake at a time: until the woken worker runs (~20 us for a cross-CPU wake here) every further push
    // would otherwise issue another futex_wake. The woken worker clears the flag and starts searching; if it
    // finds work while more is visible it wakes the next one (spin_for_work), so wakes chain as needed.
    // The woken worker clears the flag (a full barrier on its side) and then looks for work, so a producer that
    // sees the flag still set must have its work published before that look: with seq_cst fences maybe_notify's
    // fence did that and a plain load suffices; with membarrier the producer has no barrier, and its publishing
    // store (a release store: the deque push, the ring cell's seq, the overflow's unlock) may still sit in its
    // store buffer, so only the exchange, a locked instruction that drains it, may see the flag.
    if ((!detail::asymmetric() && m_wake_pending.load(std::memory_order_relaxed)) ||
        m_wake_pending.exchange(true, std::memory_order_acq_rel))
    {
        return;
    }
    LIBCORO_THREAD_POOL_DELAY_POINT();
    m_wake_epoch.fetch_add(1, std::memory_order_release);
    LIBCORO_THREAD_POOL_DELAY_POINT();
    detail::futex_wake(m_wake_epoch, static_cast<int>(std::min<uint64_t>(count, sleepers)));
}

auto thread_pool::run(worker& w) -> void
{
    t_current_worker = &w;
    if (m_opts.on_thread_start_functor)
    {
        m_opts.on_thread_start_functor(w.m_index);
    }

    for (;;)
    {
        auto handle = find_work(w);
        if (handle == nullptr)
        {
            handle = spin_for_work(w);
        }
        if (handle != nullptr)
        {
            handle.resume();
            w.m_executed.store(w.m_executed.load(std::memory_order_relaxed) + 1, std::memory_order_release);
            continue;
        }
        if (m_shutdown_requested.load(std::memory_order_acquire) && !has_visible_work() && seal_if_idle())
        {
            break;
        }
        sleep(w);
    }

    if (m_opts.on_thread_stop_functor)
    {
        m_opts.on_thread_stop_functor(w.m_index);
    }
    t_current_worker = nullptr;
}

auto thread_pool::shutdown() noexcept -> void
{
    m_shutdown_requested.store(true, std::memory_order_seq_cst);
    std::unique_lock lk{m_join_mutex};
    m_wake_epoch.fetch_add(1, std::memory_order_seq_cst);
    detail::futex_wake(m_wake_epoch, INT32_MAX);
    for (auto& thread : m_threads)
    {
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id())
        {
            thread.join();
        }
    }
}

auto thread_pool::size() const noexcept -> std::size_t
{
    // Executed first: every counter only grows and executed <= pushed, so this never underflows.
    std::size_t executed = 0;
    for (const auto& w : m_workers)
    {
        executed += w->m_executed.load(std::memory_order_acquire);
    }
    std::size_t pushed =
        (m_ring_tail.load(std::memory_order_acquire) & ~sealed_bit) + m_overflow_pushed.load(std::memory_order_acquire);
    for (const auto& w : m_workers)
    {
        pushed += w->m_pushed.load(std::memory_order_acquire);
    }
    const std::size_t queued_or_running = pushed > executed ? pushed - executed : 0;
    return queued_or_running + m_spawned.load(std::memory_order_acquire);
}

auto thread_pool::queue_size() const noexcept -> std::size_t
{
    std::size_t queued = ring_size() + m_overflow_count.load(std::memory_order_acquire);
    for (const auto& w : m_workers)
    {
        queued += w->m_deque.size();
    }
    return queued;
}

} // namespace coro
