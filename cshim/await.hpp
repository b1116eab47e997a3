#pragma once

// The awaits a host task body asks for (gocoro_op, cshim/task.h), as the proxy (task.cc) sees them: one interface,
// built in place in the proxy's frame by the construct that serves the op's kind. Each construct defines its
// `*_await` beside itself (event.cc, mutex.cc, ...); await.cc maps a kind to it.

#include "cshim/task.h"

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace gocoro
{
/// One await in progress. task.cc co_awaits it and then destroys it; its result becomes the op's result.
class op_await
{
public:
    virtual ~op_await() = default;

    virtual auto await_ready() noexcept -> bool = 0;
    /// Symmetric transfer: what to run now (the awaiting coroutine itself when the wait ended at once).
    virtual auto await_suspend(std::coroutine_handle<> awaiting) -> std::coroutine_handle<> = 0;
    /// The op's result (see gocoro_op_kind); throws what the construct's await throws.
    virtual auto await_resume() -> int64_t = 0;

    /// `co_await *op` goes through this small awaiter: g++ 12 cannot keep an abstract awaiter in a coroutine frame.
    struct by_pointer
    {
        op_await* op;

        auto await_ready() noexcept -> bool { return op->await_ready(); }
        auto await_suspend(std::coroutine_handle<> awaiting) -> std::coroutine_handle<>
        {
            return op->await_suspend(awaiting);
        }
        auto await_resume() -> int64_t { return op->await_resume(); }
    };
    auto operator co_await() noexcept -> by_pointer { return by_pointer{this}; }
};

/// Room for one op_await in the proxy's frame (checked by emplace_await).
struct op_await_storage
{
    alignas(std::max_align_t) std::byte bytes[64];
};

namespace detail
{
/// The awaiter `co_await a` would use: a's operator co_await, or `a` itself.
template <typename Awaitable>
auto awaiter_of(Awaitable& a) -> decltype(auto)
{
    if constexpr (requires { std::move(a).operator co_await(); })
    {
        return std::move(a).operator co_await();
    }
    else if constexpr (requires { operator co_await(std::move(a)); })
    {
        return operator co_await(std::move(a));
    }
    else
    {
        return (a);
    }
}

/// An op_await over any awaitable. Built in place and never moved, so the awaiter may refer to the awaitable.
template <typename Awaitable, typename Result>
class awaiting final : public op_await
{
public:
    template <typename Make>
    awaiting(Make&& make, Result result)
        : m_awaitable(make()), m_awaiter(awaiter_of(m_awaitable)), m_result(std::move(result))
    {
    }

    auto await_ready() noexcept -> bool override { return m_awaiter.await_ready(); }
    auto await_suspend(std::coroutine_handle<> awaiting) -> std::coroutine_handle<> override
    {
        using suspend_result = decltype(m_awaiter.await_suspend(awaiting));
        if constexpr (std::is_void_v<suspend_result>)
        {
            m_awaiter.await_suspend(awaiting);
            return std::noop_coroutine();
        }
        else if constexpr (std::is_same_v<suspend_result, bool>)
        {
            // Not touching `this` after a successful suspend: the coroutine may already run elsewhere.
            return m_awaiter.await_suspend(awaiting) ? std::noop_coroutine() : awaiting;
        }
        else
        {
            return m_awaiter.await_suspend(awaiting);
        }
    }
    auto await_resume() -> int64_t override
    {
        if constexpr (std::is_void_v<decltype(m_awaiter.await_resume())>)
        {
            m_awaiter.await_resume();
            return m_result();
        }
        else
        {
            return m_result(m_awaiter.await_resume());
        }
    }

private:
    Awaitable                                        m_awaitable;
    decltype(awaiter_of(std::declval<Awaitable&>())) m_awaiter;
    [[no_unique_address]] Result                     m_result;
};

/// The result of an await that has none.
struct no_result
{
    auto operator()() const noexcept -> int64_t { return GOCORO_OK; }
};
} // namespace detail

/// Builds the op_await of `make()` (the awaitable, by value or reference) in `storage`. `result` turns what the await
/// returns into the op's result; by default an await returns nothing and the result is GOCORO_OK.
template <typename Make, typename Result = detail::no_result>
auto emplace_await(op_await_storage& storage, Make&& make, Result result = {}) -> op_await*
{
    using await_type = detail::awaiting<decltype(make()), Result>;
    static_assert(sizeof(await_type) <= sizeof(op_await_storage::bytes), "op_await_storage too small for this await");
    static_assert(alignof(await_type) <= alignof(op_await_storage));
    return ::new (static_cast<void*>(storage.bytes)) await_type(std::forward<Make>(make), std::move(result));
}

/// Starts the await `request` describes, in `storage`: nullptr for a kind no construct serves. Throws what creating
/// the construct's awaitable throws (a stopped executor's schedule(), ...). Defined in await.cc.
auto start_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;

// Each construct's awaits (request.kind tells which of its ops), defined beside the construct.
auto thread_pool_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto event_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto io_scheduler_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto latch_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto mutex_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto shared_mutex_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto semaphore_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto ring_buffer_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
auto queue_await(const gocoro_op& request, op_await_storage& storage) -> op_await*;
} // namespace gocoro
