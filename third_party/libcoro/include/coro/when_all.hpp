#pragma once

#include "coro/concepts/awaitable.hpp"
#include "coro/gocoro_extensions.hpp"
#if GOCORO_CORE_EXTENSIONS
    #include "coro/detail/frame_allocator.hpp"
#endif
#include "coro/detail/void_value.hpp"
#include "coro/detail/when_all_latch.hpp"
#include "coro/task.hpp"

#include <atomic>
#include <coroutine>
#include <exception>
#include <memory>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace coro
{
namespace detail
{
template <typename task_container_type>
class when_all_ready_awaitable;

template <typename return_type>
class when_all_task;

/// Zero children: immediately ready, yields an empty tuple.
template <>
class when_all_ready_awaitable<std::tuple<>>
{
public:
    constexpr when_all_ready_awaitable() noexcept {}
    explicit constexpr when_all_ready_awaitable(std::tuple<>) noexcept {}

    constexpr auto await_ready() const noexcept -> bool { return true; }
    auto           await_suspend(std::coroutine_handle<>) noexcept -> void {}
    auto           await_resume() const noexcept -> std::tuple<> { return {}; }
};

template <typename... task_types>
class when_all_ready_awaitable<std::tuple<task_types...>>
{
public:
    explicit when_all_ready_awaitable(task_types&&... tasks) noexcept(
        std::conjunction_v<std::is_nothrow_move_constructible<task_types>...>)
        : m_latch(sizeof...(task_types)), m_tasks(std::move(tasks)...)
    {
    }

    explicit when_all_ready_awaitable(std::tuple<task_types...>&& tasks) noexcept(
        std::is_nothrow_move_constructible_v<std::tuple<task_types...>>)
        : m_latch(sizeof...(task_types)), m_tasks(std::move(tasks))
    {
    }

    when_all_ready_awaitable(const when_all_ready_awaitable&) = delete;
    when_all_ready_awaitable(when_all_ready_awaitable&& other)
        : m_latch(std::move(other.m_latch)), m_tasks(std::move(other.m_tasks))
    {
    }

    auto operator=(const when_all_ready_awaitable&) -> when_all_ready_awaitable& = delete;
    auto operator=(when_all_ready_awaitable&&) -> when_all_ready_awaitable&      = delete;

    auto operator co_await() & noexcept
    {
        struct awaiter
        {
            explicit awaiter(when_all_ready_awaitable& awaitable) noexcept : m_awaitable(awaitable) {}
            auto await_ready() const noexcept -> bool { return m_awaitable.is_ready(); }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                return m_awaitable.try_await(awaiting_coroutine);
            }
            auto await_resume() noexcept -> std::tuple<task_types...>& { return m_awaitable.m_tasks; }

        private:
            when_all_ready_awaitable& m_awaitable;
        };
        return awaiter{*this};
    }

    auto operator co_await() && noexcept
    {
        struct awaiter
        {
            explicit awaiter(when_all_ready_awaitable& awaitable) noexcept : m_awaitable(awaitable) {}
            auto await_ready() const noexcept -> bool { return m_awaitable.is_ready(); }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                return m_awaitable.try_await(awaiting_coroutine);
            }
            auto await_resume() noexcept -> std::tuple<task_types...>&& { return std::move(m_awaitable.m_tasks); }

        private:
            when_all_ready_awaitable& m_awaitable;
        };
        return awaiter{*this};
    }

private:
    auto is_ready() const noexcept -> bool { return m_latch.is_ready(); }

    auto try_await(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        // Children start in argument order on this thread; each runs until its first suspension. Once the last
        // one has started, this awaitable may already be gone (when_all_latch::arrive).
        m_latch.set_awaiting(awaiting_coroutine);
        when_all_latch& latch           = m_latch;
        std::size_t     finished_inline = 0;
        std::apply([&](auto&&... tasks) { ((finished_inline += tasks.start(latch)), ...); }, m_tasks);
        return latch.arrive(finished_inline, sizeof...(task_types));
    }

    when_all_latch            m_latch;
    std::tuple<task_types...> m_tasks;
};

template <typename task_container_type>
class when_all_ready_awaitable
{
public:
    explicit when_all_ready_awaitable(task_container_type&& tasks) noexcept
        : m_latch(std::size(tasks)), m_tasks(std::forward<task_container_type>(tasks))
    {
    }

    when_all_ready_awaitable(const when_all_ready_awaitable&) = delete;
    when_all_ready_awaitable(when_all_ready_awaitable&& other) noexcept(
        std::is_nothrow_move_constructible_v<task_container_type>)
        : m_latch(std::move(other.m_latch)), m_tasks(std::move(other.m_tasks))
    {
    }

    auto operator=(const when_all_ready_awaitable&) -> when_all_ready_awaitable& = delete;
    auto operator=(when_all_ready_awaitable&) -> when_all_ready_awaitable&       = delete;

    auto operator co_await() & noexcept
    {
        struct awaiter
        {
            awaiter(when_all_ready_awaitable& awaitable) : m_awaitable(awaitable) {}
            auto await_ready() const noexcept -> bool { return m_awaitable.is_ready(); }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                return m_awaitable.try_await(awaiting_coroutine);
            }
            auto await_resume() noexcept -> task_container_type& { return m_awaitable.m_tasks; }

        private:
            when_all_ready_awaitable& m_awaitable;
        };
        return awaiter{*this};
    }

    auto operator co_await() && noexcept
    {
        struct awaiter
        {
            awaiter(when_all_ready_awaitable& awaitable) : m_awaitable(awaitable) {}
            auto await_ready() const noexcept -> bool { return m_awaitable.is_ready(); }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                return m_awaitable.try_await(awaiting_coroutine);
            }
            auto await_resume() noexcept -> task_container_type&& { return std::move(m_awaitable.m_tasks); }

        private:
            when_all_ready_awaitable& m_awaitable;
        };
        return awaiter{*this};
    }

private:
    auto is_ready() const noexcept -> bool { return m_latch.is_ready(); }

    auto try_await(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        // As the tuple form: nothing of this awaitable is touched after the last child started.
        m_latch.set_awaiting(awaiting_coroutine);
        when_all_latch&   latch           = m_latch;
        const std::size_t children        = std::size(m_tasks);
        std::size_t       finished_inline = 0;
        for (auto& task : m_tasks)
        {
            finished_inline += task.start(latch);
        }
        return latch.arrive(finished_inline, children);
    }

    when_all_latch      m_latch;
    task_container_type m_tasks;
};

template <typename return_type>
class when_all_task_promise
{
public:
    using coroutine_handle_type = std::coroutine_handle<when_all_task_promise<return_type>>;

    when_all_task_promise() noexcept {}

#if GOCORO_CORE_EXTENSIONS
    // Frames come from the per-thread frame cache (see frame_allocator.hpp).
    static auto operator new(std::size_t size) -> void* { return frame_allocate(size); }
    static auto operator delete(void* frame, std::size_t size) noexcept -> void { frame_deallocate(frame, size); }
#endif

    auto get_return_object() noexcept { return coroutine_handle_type::from_promise(*this); }

    auto initial_suspend() noexcept -> std::suspend_always { return {}; }

    auto final_suspend() noexcept
    {
        struct completion_notifier
        {
            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(coroutine_handle_type coroutine) const noexcept -> std::coroutine_handle<>
            {
                if (t_starting_child == coroutine.address())
                {
                    // Finished inline: when_all's awaiter counts us. Counting down here could resume the awaiter
                    // nested inside its own await_suspend, and a loop of such when_alls would grow the stack.
                    t_starting_child = nullptr;
                    return std::noop_coroutine();
                }
                return coroutine.promise().m_latch->notify_awaitable_completed();
            }
            auto await_resume() const noexcept {}
        };
        return completion_notifier{};
    }

    auto unhandled_exception() noexcept { m_exception_ptr = std::current_exception(); }

    // The child's result stays alive in this suspended frame (it is an operand of the co_yield), so only
    // its address is kept: no copy, no move.
    auto yield_value(return_type&& value) noexcept
    {
        m_return_value = std::addressof(value);
        return final_suspend();
    }

    auto start(when_all_latch& latch) noexcept -> void
    {
        m_latch = &latch;
        coroutine_handle_type::from_promise(*this).resume();
    }

    // Named result(), not return_value(): a promise with return_value() may not also have return_void().
    auto result() -> std::remove_reference_t<return_type>&
    {
        if (m_exception_ptr)
        {
            std::rethrow_exception(m_exception_ptr);
        }
        return *m_return_value;
    }

    auto return_void() noexcept -> void {}

private:
    when_all_latch*                 m_latch{nullptr};
    std::exception_ptr              m_exception_ptr;
    std::add_pointer_t<return_type> m_return_value{nullptr};
};

template <>
class when_all_task_promise<void>
{
public:
    using coroutine_handle_type = std::coroutine_handle<when_all_task_promise<void>>;

    when_all_task_promise() noexcept {}

#if GOCORO_CORE_EXTENSIONS
    // Frames come from the per-thread frame cache (see frame_allocator.hpp).
    static auto operator new(std::size_t size) -> void* { return frame_allocate(size); }
    static auto operator delete(void* frame, std::size_t size) noexcept -> void { frame_deallocate(frame, size); }
#endif

    auto get_return_object() noexcept { return coroutine_handle_type::from_promise(*this); }

    auto initial_suspend() noexcept -> std::suspend_always { return {}; }

    auto final_suspend() noexcept
    {
        struct completion_notifier
        {
            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(coroutine_handle_type coroutine) const noexcept -> std::coroutine_handle<>
            {
                if (t_starting_child == coroutine.address())
                {
                    // Finished inline: when_all's awaiter counts us. Counting down here could resume the awaiter
                    // nested inside its own await_suspend, and a loop of such when_alls would grow the stack.
                    t_starting_child = nullptr;
                    return std::noop_coroutine();
                }
                return coroutine.promise().m_latch->notify_awaitable_completed();
            }
            auto await_resume() const noexcept -> void {}
        };
        return completion_notifier{};
    }

    auto unhandled_exception() noexcept -> void { m_exception_ptr = std::current_exception(); }

    auto return_void() noexcept -> void {}

    auto result() -> void
    {
        if (m_exception_ptr)
        {
            std::rethrow_exception(m_exception_ptr);
        }
    }

    auto start(when_all_latch& latch) -> void
    {
        m_latch = &latch;
        coroutine_handle_type::from_promise(*this).resume();
    }

private:
    when_all_latch*    m_latch{nullptr};
    std::exception_ptr m_exception_ptr;
};

/// Wraps one child of when_all: runs it, keeps its result or exception, and signals the latch.
template <typename return_type>
class when_all_task
{
public:
    // To be able to call start().
    template <typename task_container_type>
    friend class when_all_ready_awaitable;

    using promise_type          = when_all_task_promise<return_type>;
    using coroutine_handle_type = typename promise_type::coroutine_handle_type;

    when_all_task(coroutine_handle_type coroutine) noexcept : m_coroutine(coroutine) {}

    when_all_task(const when_all_task&) = delete;
    when_all_task(when_all_task&& other) noexcept : m_coroutine(std::exchange(other.m_coroutine, nullptr)) {}

    auto operator=(const when_all_task&) -> when_all_task& = delete;
    auto operator=(when_all_task&&) -> when_all_task&      = delete;

    ~when_all_task()
    {
        if (m_coroutine != nullptr)
        {
            m_coroutine.destroy();
        }
    }

    auto return_value() & -> decltype(auto)
    {
        if constexpr (std::is_void_v<return_type>)
        {
            m_coroutine.promise().result();
            return void_value{};
        }
        else
        {
            return m_coroutine.promise().result();
        }
    }

    auto return_value() const& -> decltype(auto)
    {
        if constexpr (std::is_void_v<return_type>)
        {
            m_coroutine.promise().result();
            return void_value{};
        }
        else
        {
            return m_coroutine.promise().result();
        }
    }

    /// libcoro v0.16 (D5): an rvalue task yields `return_type&&` (reference collapsing applies), so a move-only
    /// result can be moved out; v0.14 gave an lvalue reference here.
    auto return_value() && -> decltype(auto)
    {
        if constexpr (std::is_void_v<return_type>)
        {
            m_coroutine.promise().result();
            return void_value{};
        }
        else
        {
            return static_cast<return_type&&>(m_coroutine.promise().result());
        }
    }

private:
    /// False: the wrapper always counts itself down on the latch.
    /// True when the child finished inline, without counting itself down on the latch (t_starting_child).
    auto start(when_all_latch& latch) noexcept -> bool
    {
        void* const outer = t_starting_child; // a child's own when_all nests inside this
        t_starting_child  = m_coroutine.address();
        m_coroutine.promise().start(latch); // this wrapper may be gone once it returns: only locals from here
        const bool finished_inline = t_starting_child == nullptr;
        t_starting_child           = outer;
        return finished_inline;
    }

    coroutine_handle_type m_coroutine;
};

template <
    concepts::awaitable awaitable,
    typename return_type = typename concepts::awaitable_traits<awaitable&&>::awaiter_return_type>
static auto make_when_all_task(awaitable a) -> when_all_task<return_type>
{
    if constexpr (std::is_void_v<return_type>)
    {
        co_await static_cast<awaitable&&>(a);
        co_return;
    }
    else
    {
        co_yield co_await static_cast<awaitable&&>(a);
    }
}

/// A child of when_all that is a coro::task: the task's own promise counts down the latch at its end, so it needs
/// no wrapper coroutine (half the frames and resumes per child of a fork-join tree). Same face as when_all_task.
template <typename return_type>
class when_all_direct_task
{
public:
    // To be able to call start().
    template <typename task_container_type>
    friend class when_all_ready_awaitable;

    explicit when_all_direct_task(task<return_type>&& child) noexcept : m_task(std::move(child)) {}

    when_all_direct_task(const when_all_direct_task&)                    = delete;
    when_all_direct_task(when_all_direct_task&&) noexcept                = default;
    auto operator=(const when_all_direct_task&) -> when_all_direct_task& = delete;
    auto operator=(when_all_direct_task&&) -> when_all_direct_task&      = delete;
    ~when_all_direct_task()                                              = default;

    auto return_value() & -> decltype(auto) { return result(); }
    auto return_value() const& -> decltype(auto) { return result(); }
    /// As when_all_task (D5): an rvalue yields `return_type&&`, so a move-only result can be moved out.
    auto return_value() && -> decltype(auto)
    {
        if constexpr (std::is_void_v<return_type>)
        {
            return result();
        }
        else
        {
            return static_cast<return_type&&>(result());
        }
    }

private:
    /// True when the child finished inline, without counting itself down on the latch (t_starting_child).
    auto start(when_all_latch& latch) noexcept -> bool
    {
        if (m_task.is_ready())
        {
            return true;
        }
        m_task.promise().notify_latch_at_end(latch);
        void* const outer = t_starting_child; // a child's own when_all nests inside this
        t_starting_child  = m_task.handle().address();
        m_task.handle().resume();
        const bool finished_inline = t_starting_child == nullptr;
        t_starting_child           = outer;
        return finished_inline;
    }

    // Like when_all_task: a mutable reference to the result kept in the child's frame, whatever the constness of
    // this wrapper (the result belongs to the caller, who may move it out).
    auto result() const -> decltype(auto)
    {
        auto& promise = const_cast<task<return_type>&>(m_task).promise();
        if constexpr (std::is_void_v<return_type>)
        {
            promise.result();
            return void_value{};
        }
        else
        {
            auto&& value = std::move(promise).result();
            return static_cast<std::remove_reference_t<return_type>&>(value);
        }
    }

    task<return_type> m_task;
};

/// How when_all runs one awaitable: a coro::task directly, anything else through a when_all_task coroutine.
template <typename awaitable>
struct when_all_child
{
    using type = when_all_task<typename concepts::awaitable_traits<awaitable&&>::awaiter_return_type>;
    static auto make(awaitable&& a) -> type { return make_when_all_task(std::move(a)); }
};

template <typename return_type>
struct when_all_child<task<return_type>>
{
    using type = when_all_direct_task<return_type>;
    static auto make(task<return_type>&& child) noexcept -> type { return type{std::move(child)}; }
};

template <typename awaitable>
using when_all_child_t = typename when_all_child<awaitable>::type;

} // namespace detail

/// Awaits every awaitable (taken by value); they start in argument order on the awaiting thread and the awaiter
/// resumes on the thread that finishes the last one. Yields a tuple of when_all_task (when_all_direct_task for a
/// coro::task); each child's result or exception is read through its return_value().
template <concepts::awaitable... awaitables_type>
[[nodiscard]] auto when_all(awaitables_type... awaitables)
{
    return detail::when_all_ready_awaitable<std::tuple<detail::when_all_child_t<awaitables_type>...>>(
        std::make_tuple(detail::when_all_child<awaitables_type>::make(std::move(awaitables))...));
}

/// Range form: moves every element out of the range; always yields a std::vector in input order.
template <
    std::ranges::range  range_type,
    concepts::awaitable awaitable_type = std::ranges::range_value_t<range_type>,
    typename child_type                = detail::when_all_child_t<awaitable_type>>
[[nodiscard]] auto when_all(range_type awaitables) -> detail::when_all_ready_awaitable<std::vector<child_type>>
{
    std::vector<child_type> output_tasks;

    if constexpr (std::ranges::sized_range<range_type>)
    {
        output_tasks.reserve(std::size(awaitables));
    }

    for (auto&& a : awaitables)
    {
        output_tasks.emplace_back(detail::when_all_child<awaitable_type>::make(std::move(a)));
    }

    return detail::when_all_ready_awaitable<std::vector<child_type>>(std::move(output_tasks));
}

} // namespace coro
