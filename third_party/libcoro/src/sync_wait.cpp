#include "coro/sync_wait.hpp"

namespace coro::detail
{
sync_wait_event::sync_wait_event(bool initially_set) : m_state(initially_set ? is_set : unset) {}

auto sync_wait_event::set() noexcept -> void
{
    if (m_state.exchange(is_set, std::memory_order_acq_rel) == sleeping)
    {
        futex_wake(m_state, 1);
    }
}

auto sync_wait_event::reset() noexcept -> void
{
    m_state.store(unset, std::memory_order_release);
}

auto sync_wait_event::wait() noexcept -> void
{
    // Short spin first: most awaitables finish within a few microseconds on another core, and a futex
    // sleep/wake round trip costs far more than that on a VM.
    for (int i = 0; i < 256; ++i)
    {
        if (m_state.load(std::memory_order_acquire) == is_set)
        {
            return;
        }
        cpu_relax();
    }
    uint32_t expected = unset;
    if (!m_state.compare_exchange_strong(expected, sleeping, std::memory_order_acq_rel))
    {
        if (expected == is_set)
        {
            return;
        }
    }
    while (m_state.load(std::memory_order_acquire) != is_set)
    {
        futex_wait(m_state, sleeping);
    }
}

} // namespace coro::detail
