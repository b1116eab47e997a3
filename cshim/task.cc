#include "cshim/task.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/compat/frame.hpp"
#include "cshim/completion.h"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/event.hpp>
#include <coro/when_all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdlib>
#include <exception>
#include <linux/futex.h>
#include <memory>
#include <new>
#include <stdexcept>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace
{
class proxy;
} // namespace

/// The proxy coroutine's promise: a gocoro_task is the promise of a running or finished drive() coroutine.
struct gocoro_task
{
    // drive()'s promise is built from its parameters: the handle and the body's model are what matter.
    gocoro_task(uintptr_t h, const gocoro_op&, bool, int body_model) : handle(h), model(body_model) {}

    // Proxies are made on host threads and mostly end on executor threads: the core's frame cache moves their
    // memory back in batches.
    static auto operator new(std::size_t size) -> void* { return gocoro::compat::frame_allocate(size); }
    static auto operator delete(void* p, std::size_t size) noexcept -> void
    {
        gocoro::compat::frame_deallocate(p, size);
    }

    auto get_return_object() noexcept -> proxy;
    auto initial_suspend() noexcept -> std::suspend_always { return {}; }

    struct final_awaiter
    {
        auto await_ready() const noexcept -> bool { return false; }
        auto await_suspend(std::coroutine_handle<gocoro_task> h) noexcept -> std::coroutine_handle<>
        {
            gocoro_task& t = h.promise();
            if (t.continuation)
            {
                return t.continuation;
            }
            // Started and nobody awaits it: whichever of the starter and this finisher comes second frees it.
            if (t.started && t.start_state.exchange(2, std::memory_order_acq_rel) == 1)
            {
                h.destroy();
            }
            return std::noop_coroutine();
        }
        auto await_resume() const noexcept -> void {}
    };
    auto final_suspend() noexcept -> final_awaiter { return {}; }

    auto return_value(int64_t v) noexcept -> void { result = v; }
    auto unhandled_exception() noexcept -> void { error = std::current_exception(); }

    auto coroutine() -> std::coroutine_handle<gocoro_task>
    {
        return std::coroutine_handle<gocoro_task>::from_promise(*this);
    }

    /// Awaiting a proxy runs it on the awaiting thread (symmetric transfer) and resumes the awaiter when it ends.
    struct awaiter
    {
        gocoro_task* t;
        auto         await_ready() const noexcept -> bool { return t->coroutine().done(); }
        auto         await_suspend(std::coroutine_handle<> awaiting) noexcept -> std::coroutine_handle<>
        {
            t->continuation = awaiting;
            return t->coroutine();
        }
        auto await_resume() -> int64_t
        {
            if (t->error)
            {
                std::rethrow_exception(t->error);
            }
            return t->result;
        }
    };

    uintptr_t handle;
    /// How steps reach the body (GOCORO_TASK_*).
    int model;
    /// This proxy's step while it is left to the host (see host_step).
    gocoro_step             step{};
    int64_t                 result{0};
    std::exception_ptr      error;
    std::coroutine_handle<> continuation;
    bool                    started{false};
    /// For a started task: 0 the starter is still inside gocoro_task_start, 1 it returned (so the finisher frees
    /// the task), 2 the task finished (so a starter still inside reports that and its caller frees it).
    std::atomic<int> start_state{0};
};

namespace
{
class proxy
{
public:
    using promise_type = gocoro_task;
    explicit proxy(gocoro_task& t) : m_task(&t) {}
    auto task() const -> gocoro_task* { return m_task; }

private:
    gocoro_task* m_task;
};

auto await(gocoro_task* t) -> gocoro_task::awaiter
{
    return gocoro_task::awaiter{t};
}
} // namespace

auto gocoro_task::get_return_object() noexcept -> proxy
{
    return proxy{*this};
}

namespace
{
auto await_child(gocoro_task* child) -> coro::task<void>
{
    co_await await(child);
}

auto when_all_children(gocoro_task** children, int64_t count) -> coro::task<void>
{
    std::vector<coro::task<void>> waits;
    waits.reserve(static_cast<std::size_t>(count));
    for (int64_t i = 0; i < count; ++i)
    {
        waits.emplace_back(await_child(children[i]));
    }
    std::free(children);
    co_await coro::when_all(std::move(waits));
}

/// Shared by the racers of one when_any: the first to finish records its index and wakes the awaiter.
struct when_any_state
{
    std::atomic<bool> decided{false};
    int64_t           winner{-1};
    coro::event       done;
};

auto race(std::shared_ptr<when_any_state> state, gocoro_task* child, int64_t index, uintptr_t release)
    -> coro::task<void>
{
    co_await await(child);
    if (!state->decided.exchange(true, std::memory_order_acq_rel))
    {
        state->winner = index;
        state->done.set();
    }
    // Last touch of `child`: the host may destroy it once it sees this.
    gocoro_completion_post(release, 0);
}

auto when_any_children(gocoro_when_any_item* items, int64_t count) -> coro::task<int64_t>
{
    auto state = std::make_shared<when_any_state>();
    for (int64_t i = 0; i < count; ++i)
    {
        auto racer = coro::detail::make_task_self_deleting(race(state, items[i].task, i, items[i].release));
        racer.handle().resume();
    }
    std::free(items);
    co_await state->done;
    co_return state->winner;
}

/// gettid() of this thread, cached: the host reports which executor thread runs a task.
auto this_thread_id() noexcept -> int32_t
{
    static thread_local const int32_t id = static_cast<int32_t>(::gettid());
    return id;
}

/// gocoro_op::posted: the host has not described the next await yet, it has, or the waiting thread sleeps on it.
enum : uint32_t
{
    op_pending  = 0,
    op_posted   = 1,
    op_sleeping = 2,
};

/// How long a thread waiting for a posted step looks before it sleeps, at most: a body between two awaits usually
/// takes a few microseconds, and a futex wake-up costs tens of microseconds on a VM (the pool's workers spin as
/// long). Looking at a body that computes between awaits only burns a CPU the body may need, so each thread adapts:
/// a wait that ends while looking lets the next look longer, one that has to sleep halves the next look.
constexpr uint32_t    post_spin_max_ns = 50'000;
constexpr uint32_t    post_spin_min_ns = 1'000;
thread_local uint32_t t_post_spin_ns   = post_spin_max_ns;

/// A spin-wait hint to the CPU. The embedded core has one in its detail namespace, but the shim also builds against
/// upstream libcoro, which does not.
inline auto spin_pause() noexcept -> void
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

/// Waits until the host has described the next await in `op` (gocoro_op_post).
auto wait_posted(gocoro_op* op) noexcept -> void
{
    std::atomic_ref<uint32_t> word{op->posted};
    const auto                deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds{t_post_spin_ns};
    for (uint32_t round = 1; word.load(std::memory_order_acquire) != op_posted; ++round)
    {
        if ((round & 7) != 0 || std::chrono::steady_clock::now() < deadline)
        {
            for (int i = 0; i < 32; ++i)
            {
                spin_pause();
            }
            // The body's goroutine may be waiting for this CPU (2 vCPUs): let it go first.
            std::this_thread::yield();
            continue;
        }
        t_post_spin_ns = std::max(t_post_spin_ns / 2, post_spin_min_ns);
        do
        {
            uint32_t expected = op_pending;
            if (!word.compare_exchange_strong(expected, op_sleeping, std::memory_order_acquire) &&
                expected == op_posted)
            {
                return;
            }
            ::syscall(SYS_futex, &op->posted, FUTEX_WAIT_PRIVATE, op_sleeping, nullptr, nullptr, 0);
        } while (word.load(std::memory_order_acquire) != op_posted); // a spurious wake-up sleeps again
        return;
    }
    t_post_spin_ns = std::min(t_post_spin_ns + t_post_spin_ns / 4 + post_spin_min_ns, post_spin_max_ns);
}

/// Inside a host call the proxy leaves its step to the host (gocoro::host_call) and suspends until
/// gocoro_step_continue. Elsewhere (an executor thread) a step is posted to the completion queue: the host continues
/// a goroutine body's step from the body's goroutine while the thread goes on with other work, and a thread body's
/// step while the thread waits for it; a callback body is called back right away, on this thread.
struct host_step
{
    uintptr_t  handle;
    gocoro_op* op;

    auto await_ready() const noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<gocoro_task> h) noexcept -> bool
    {
        gocoro_step& s = h.promise().step;
        s              = gocoro_step{handle, op, &h.promise(), nullptr};
        if (gocoro::host_call::defer(&s))
        {
            return true;
        }
        switch (h.promise().model)
        {
            case GOCORO_TASK_GOROUTINE:
                // Last touch of the frame: the host may continue it on another thread as soon as this is posted.
                gocoro_completion_post(GOCORO_STEP_COMPLETION, static_cast<int64_t>(reinterpret_cast<intptr_t>(&s)));
                return true;
            case GOCORO_TASK_THREAD:
                std::atomic_ref<uint32_t>{op->posted}.store(op_pending, std::memory_order_relaxed);
                gocoro_completion_post(GOCORO_STEP_COMPLETION, static_cast<int64_t>(reinterpret_cast<intptr_t>(&s)));
                wait_posted(op);
                return false;
            default:
                gocoro::step_host(handle, op);
                return false;
        }
    }
    auto await_resume() const noexcept -> void {}
};

/// Destroys a construct's await (built in the proxy's frame) when the proxy is done with it.
struct await_in_frame
{
    explicit await_in_frame(gocoro::op_await* a) noexcept : op(a) {}
    await_in_frame(const await_in_frame&)                    = delete;
    auto operator=(const await_in_frame&) -> await_in_frame& = delete;
    ~await_in_frame()
    {
        if (op != nullptr)
        {
            op->~op_await();
        }
    }

    gocoro::op_await* const op;
};

/// The proxy: alternates between running the host body (one step) and awaiting what the body asked for. An
/// exception from a native await (e.g. scheduling on a stopped executor throws std::runtime_error) becomes the
/// await's status instead of escaping into the host's task.
auto drive(uintptr_t handle, gocoro_op first, bool preset, int model) -> proxy
{
    gocoro_op                op = first;
    gocoro::op_await_storage storage;
    for (;;)
    {
        if (!preset)
        {
            op.thread_id = this_thread_id();
            co_await host_step{handle, &op};
        }
        preset                  = false;
        const gocoro_op request = op;
        op.result               = GOCORO_OK;
        if (request.kind == GOCORO_OP_DONE)
        {
            co_return request.result;
        }
        try
        {
            switch (request.kind)
            {
                case GOCORO_OP_TASK:
                    co_await await(static_cast<gocoro_task*>(request.target));
                    break;
                case GOCORO_OP_WHEN_ALL:
                    co_await when_all_children(static_cast<gocoro_task**>(request.target), request.arg);
                    break;
                case GOCORO_OP_WHEN_ANY:
                    op.result =
                        co_await when_any_children(static_cast<gocoro_when_any_item*>(request.target), request.arg);
                    break;
                default:
                {
                    // Any other kind is a construct's await (cshim/await.hpp).
                    const await_in_frame current{gocoro::start_await(request, storage)};
                    if (current.op == nullptr)
                    {
                        op.result = GOCORO_EINVAL;
                        break;
                    }
                    op.result = co_await *current.op;
                    break;
                }
            }
        }
        catch (const std::runtime_error&)
        {
            op.result = GOCORO_ESHUTDOWN;
        }
        catch (const std::bad_alloc&)
        {
            // A poll's result is its status, which has no value for this (as before: EEXCEPTION).
            op.result = request.kind == GOCORO_OP_IO_POLL ? GOCORO_EEXCEPTION : GOCORO_ENOMEM;
        }
        catch (...)
        {
            op.result = GOCORO_EEXCEPTION;
        }
    }
}

} // namespace

extern "C" gocoro_task* gocoro_task_create(uintptr_t handle, int model)
{
    try
    {
        return drive(handle, gocoro_op{}, false, model).task();
    }
    catch (const std::bad_alloc&)
    {
        return nullptr;
    }
}

extern "C" int gocoro_task_start(gocoro_task* t)
{
    if (t == nullptr)
    {
        return GOCORO_EINVAL;
    }
    t->started = true;
    t->coroutine().resume();
    return t->start_state.exchange(1, std::memory_order_acq_rel) == 2 ? GOCORO_TASK_FINISHED : GOCORO_OK;
}

extern "C" gocoro_step* gocoro_step_continue(gocoro_step* step)
{
    gocoro_step* const rest = step->next;
    gocoro_task* const t    = step->task;
    gocoro::host_call  scope;
    // From here on the proxy may finish and free itself (and `step` with it).
    t->coroutine().resume();
    // Depth first, as nested callbacks would run them: what this step led to comes before the older steps.
    return scope.take(rest);
}

extern "C" int gocoro_task_run_from(uintptr_t handle, int model, const gocoro_op* first, gocoro_step** steps)
{
    *steps = nullptr;
    gocoro::host_call scope;
    gocoro_task*      t = nullptr;
    try
    {
        t = drive(handle, *first, true, model).task();
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
    const int status = gocoro_task_start(t);
    if (status == GOCORO_TASK_FINISHED)
    {
        gocoro_task_destroy(t);
    }
    *steps = scope.take();
    return status;
}

extern "C" void gocoro_task_destroy(gocoro_task* t)
{
    if (t != nullptr)
    {
        t->coroutine().destroy();
    }
}

extern "C" int32_t gocoro_thread_id(void)
{
    return this_thread_id();
}

extern "C" void gocoro_op_post(gocoro_op* op)
{
    // The waiter may go on (and its proxy free `op`) as soon as it sees op_posted: the wake uses only the address.
    uint32_t* const word = &op->posted;
    if (std::atomic_ref<uint32_t>{*word}.exchange(op_posted, std::memory_order_release) == op_sleeping)
    {
        ::syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
}
