#pragma once

// Lock-free intrusive LIFO lists of awaiters (libcoro v0.16, D24): the helpers upstream's event-like primitives
// share. An entry is any type with `T* m_next` and `std::coroutine_handle<> m_awaiting_coroutine`
// (concepts::detail::awaiter_forward_list_entry).

#include "coro/concepts/awaitable.hpp"

#include <atomic>

namespace coro::detail
{
/// Pushes `node` at the head of `list`.
template <concepts::detail::awaiter_forward_list_entry entry_type>
auto awaiter_list_push(std::atomic<entry_type*>& list, entry_type* node) noexcept -> void
{
    entry_type* head = list.load(std::memory_order_relaxed);
    do
    {
        node->m_next = head;
    } while (!list.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_relaxed));
}

/// Removes and returns the head of `list`, nullptr if it is empty. Safe against concurrent pushes; concurrent pops
/// of one list are not supported (a popped node that is pushed again could make another pop's head->m_next stale:
/// the ABA problem), so only one thread may pop, as upstream's users do.
template <concepts::detail::awaiter_forward_list_entry entry_type>
auto awaiter_list_pop(std::atomic<entry_type*>& list) noexcept -> entry_type*
{
    entry_type* head = list.load(std::memory_order_acquire);
    while (head != nullptr &&
           !list.compare_exchange_weak(head, head->m_next, std::memory_order_acq_rel, std::memory_order_acquire))
    {
    }
    return head;
}

/// Detaches the whole list (most recently pushed first); `list` is empty afterwards.
template <concepts::detail::awaiter_forward_list_entry entry_type>
auto awaiter_list_pop_all(std::atomic<entry_type*>& list) noexcept -> entry_type*
{
    return list.exchange(nullptr, std::memory_order_acq_rel);
}

/// Reverses a detached list in place (e.g. for FIFO resumption) and returns its new head.
template <concepts::detail::awaiter_forward_list_entry entry_type>
auto awaiter_list_reverse(entry_type* head) noexcept -> entry_type*
{
    entry_type* reversed = nullptr;
    while (head != nullptr)
    {
        entry_type* next = head->m_next;
        head->m_next     = reversed;
        reversed         = head;
        head             = next;
    }
    return reversed;
}
} // namespace coro::detail
