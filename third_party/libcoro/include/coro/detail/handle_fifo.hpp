#pragma once

#include <coroutine>
#include <cstddef>
#include <new>
#include <utility>

namespace coro::detail
{
/// gocoro internals (not in libcoro): the thread pool's overflow queue, an unbounded FIFO of coroutine handles in
/// linked blocks of 4 KiB.
///
/// The pool pushes and pops under a spin lock that its producers and workers all take, so nothing here allocates,
/// frees or touches fresh memory: a malloc, or the page fault of a new block's first write, under that lock stalls
/// every thread spinning for it. When push() needs a block (needs_block()), the caller makes one with make_block()
/// before taking the lock (zeroed, so its pages are faulted in there) and gives it; a drained block is kept as the
/// spare for the next one that fills, and one that cannot be kept is handed back to be freed after the unlock. A
/// queue that rises and falls by less than a block allocates nothing.
///
/// Thread rules: not thread-safe; the pool calls every member but make_block and free_block under its lock.
class handle_fifo
{
public:
    struct block
    {
        static constexpr std::size_t capacity = 4096 / sizeof(void*) - 1;

        block*                  next{nullptr};
        std::coroutine_handle<> handles[capacity]{};
    };

    handle_fifo() noexcept                             = default;
    handle_fifo(const handle_fifo&)                    = delete;
    auto operator=(const handle_fifo&) -> handle_fifo& = delete;
    ~handle_fifo()
    {
        free_block(m_spare);
        while (m_head != nullptr)
        {
            free_block(std::exchange(m_head, m_head->next));
        }
    }

    /// A zeroed block; nullptr when out of memory.
    static auto make_block() noexcept -> block* { return new (std::nothrow) block{}; }
    static auto free_block(block* b) noexcept -> void { delete b; }

    auto size() const noexcept -> std::size_t { return m_size; }

    /// Whether push() needs a block given first.
    auto needs_block() const noexcept -> bool
    {
        return (m_tail == nullptr || m_tail_pos == block::capacity) && m_spare == nullptr;
    }

    /// Takes `b` as the spare; returns it back (to be freed after the unlock) when there is one already.
    auto give(block* b) noexcept -> block*
    {
        if (m_spare != nullptr)
        {
            return b;
        }
        m_spare = b;
        return nullptr;
    }

    /// Appends `h`; only when !needs_block().
    auto push(std::coroutine_handle<> h) noexcept -> void
    {
        if (m_tail == nullptr || m_tail_pos == block::capacity)
        {
            block* b                                    = std::exchange(m_spare, nullptr);
            b->next                                     = nullptr;
            (m_tail == nullptr ? m_head : m_tail->next) = b;
            m_tail                                      = b;
            m_tail_pos                                  = 0;
        }
        m_tail->handles[m_tail_pos++] = h;
        ++m_size;
    }

    /// Removes the oldest `count` handles (count <= size() and <= block::capacity, so at most one block drains)
    /// into `out`. Returns the drained block if the spare was taken already, for the caller to free after the unlock;
    /// else nullptr.
    auto pop(std::coroutine_handle<>* out, std::size_t count) noexcept -> block*
    {
        block* surplus = nullptr;
        for (std::size_t i = 0; i < count; ++i)
        {
            if (m_head_pos == block::capacity)
            {
                // Drained, and not the tail (the tail holds the handles still queued): keep it for the next push.
                surplus    = give(std::exchange(m_head, m_head->next));
                m_head_pos = 0;
            }
            out[i] = m_head->handles[m_head_pos++];
        }
        m_size -= count;
        if (m_size == 0)
        {
            // Empty, so the head is the tail: start over at its beginning rather than drain it later.
            m_head_pos = 0;
            m_tail_pos = 0;
        }
        return surplus;
    }

private:
    // What every push and pop touches first, in 40 bytes: the pool keeps them on its lock's cache line. The spare
    // is needed once per block.
    block*      m_tail{nullptr};
    std::size_t m_tail_pos{0};
    block*      m_head{nullptr};
    std::size_t m_head_pos{0};
    std::size_t m_size{0};
    block*      m_spare{nullptr};
};
} // namespace coro::detail
