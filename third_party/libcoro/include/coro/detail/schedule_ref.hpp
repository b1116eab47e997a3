#pragma once

#include <cstdint>

namespace coro::detail
{
/// The state of a schedule()/yield() awaiter in one word: the scheduler's address, with the awaiter's two flags in
/// its low bits (fifo: re-queue at the tail of the shared queue; refused: the scheduler stopped before taking the
/// coroutine). The awaiter lives in the frame of every coroutine that awaits schedule(), and GCC gives each
/// co_await its own slot there, so one word instead of a reference and two bools (16 bytes) makes millions of
/// live frames 8 bytes smaller per awaited schedule()/yield(), which is often a smaller allocation size class.
template <typename scheduler_type>
class schedule_ref
{
public:
    schedule_ref(scheduler_type& scheduler, bool fifo) noexcept
        : m_bits(reinterpret_cast<std::uintptr_t>(&scheduler) | (fifo ? fifo_bit : 0))
    {
        static_assert(alignof(scheduler_type) > (fifo_bit | refused_bit), "no free low bits in the address");
    }

    auto scheduler() const noexcept -> scheduler_type&
    {
        return *reinterpret_cast<scheduler_type*>(m_bits & ~(fifo_bit | refused_bit));
    }
    auto fifo() const noexcept -> bool { return (m_bits & fifo_bit) != 0; }
    auto refused() const noexcept -> bool { return (m_bits & refused_bit) != 0; }
    auto set_refused() noexcept -> void { m_bits |= refused_bit; }

private:
    static constexpr std::uintptr_t fifo_bit    = 1;
    static constexpr std::uintptr_t refused_bit = 2;

    std::uintptr_t m_bits;
};
} // namespace coro::detail
