#include "cshim/completion.h"

#include "cshim/compat/futex.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

namespace gocoro
{
namespace
{
/// Multi-producer, single-consumer queue of completions. Producers append under a short mutex; the drainer
/// swaps the whole buffer out, so it takes the lock once per batch. It sleeps on a futex word that producers
/// only touch when the drainer announced it is asleep.
class completion_queue
{
public:
    auto post(gocoro_completion c) -> void
    {
        {
            std::scoped_lock lk{m_mutex};
            m_pending.push_back(c);
            m_count.store(m_pending.size(), std::memory_order_release);
        }
        wake();
    }

    auto wait(gocoro_completion* out, std::size_t cap) -> std::size_t
    {
        for (;;)
        {
            {
                std::scoped_lock lk{m_mutex};
                if (m_taken == m_draining.size())
                {
                    m_draining.clear();
                    m_taken = 0;
                    m_draining.swap(m_pending);
                    m_count.store(0, std::memory_order_relaxed);
                }
                if (m_taken < m_draining.size())
                {
                    const std::size_t n = std::min(cap, m_draining.size() - m_taken);
                    std::copy_n(m_draining.begin() + static_cast<std::ptrdiff_t>(m_taken), n, out);
                    m_taken += n;
                    return n;
                }
            }
            // Completions come in bursts: spin briefly before paying for a futex sleep (and making every
            // producer pay for a futex wake).
            if (spin_for_work())
            {
                continue;
            }
            {
                std::scoped_lock lk{m_mutex};
                if (!m_pending.empty())
                {
                    continue;
                }
                m_state.store(sleeping, std::memory_order_relaxed);
            }
            // Producers that post after we released the lock see `sleeping` and wake us.
            while (m_state.load(std::memory_order_acquire) == sleeping)
            {
                gocoro::compat::futex_wait(m_state, sleeping);
            }
        }
    }

private:
    auto spin_for_work() -> bool
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds{50};
        for (int round = 0;; ++round)
        {
            if (m_count.load(std::memory_order_acquire) != 0)
            {
                return true;
            }
            for (int i = 0; i < 32; ++i)
            {
                gocoro::compat::cpu_relax();
            }
            if ((round & 15) == 15 && std::chrono::steady_clock::now() >= deadline)
            {
                return false;
            }
        }
    }

    auto wake() -> void
    {
        if (m_state.load(std::memory_order_acquire) == sleeping &&
            m_state.exchange(awake, std::memory_order_acq_rel) == sleeping)
        {
            gocoro::compat::futex_wake(m_state, 1);
        }
    }

    static constexpr uint32_t awake    = 0;
    static constexpr uint32_t sleeping = 1;

    std::mutex                     m_mutex;
    std::vector<gocoro_completion> m_pending;
    std::vector<gocoro_completion> m_draining; // owned by the drainer between lock sections
    std::size_t                    m_taken{0};
    std::atomic<uint32_t>          m_state{awake};
    std::atomic<std::size_t>       m_count{0}; // size of m_pending, readable without the lock
};

auto queue() -> completion_queue&
{
    static completion_queue q;
    return q;
}
} // namespace
} // namespace gocoro

extern "C" size_t gocoro_completion_wait(gocoro_completion* out, size_t cap)
{
    return cap == 0 ? 0 : gocoro::queue().wait(out, cap);
}

extern "C" void gocoro_completion_post(uintptr_t handle, int64_t result)
{
    gocoro::queue().post(gocoro_completion{handle, result});
}
