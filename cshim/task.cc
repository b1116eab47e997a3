#include "cshim/task.h"
#include "cshim/callback.hpp"
#include "cshim/completion.h"
#include "cshim/event.hpp"
#include "cshim/io_scheduler.hpp"
#include "cshim/latch.hpp"
#include "cshim/mutex.hpp"
#include "cshim/ring_buffer.hpp"
#include "cshim/semaphore.hpp"
#include "cshim/shared_mutex.hpp"
#include "cshim/thread_pool.hpp"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/when_all.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <unistd.h>
#include <new>
#include <stdexcept>
#include <vector>

namespace
{
auto drive(gocoro_task* self) -> coro::task<int64_t>;
} // namespace

struct gocoro_task
{
    explicit gocoro_task(uintptr_t h) : handle(h), proxy(drive(this)) {}
    uintptr_t           handle;
    coro::task<int64_t> proxy;
    /// Who frees a started task: 0 the starter is still inside gocoro_task_start, 1 it returned (so the finisher
    /// frees it), 2 the task finished (so a starter still inside reports that and its caller frees it).
    std::atomic<int> start_state{0};
};

namespace
{
auto await_child(gocoro_task* child) -> coro::task<void>
{
    co_await child->proxy;
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
    co_await child->proxy;
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

/// The proxy: alternates between running the host body (one step) and awaiting what the body asked for. An
/// exception from a native await (e.g. scheduling on a stopped executor throws std::runtime_error) becomes the
/// await's status instead of escaping into the host's task.
auto drive(gocoro_task* self) -> coro::task<int64_t>
{
    gocoro_op op{};
    for (;;)
    {
        op.thread_id = this_thread_id();
        gocoro::step_host(self->handle, &op);
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
                case GOCORO_OP_SCHEDULE:
                    co_await static_cast<gocoro_thread_pool*>(request.target)->pool.schedule();
                    break;
                case GOCORO_OP_YIELD:
                    co_await static_cast<gocoro_thread_pool*>(request.target)->pool.yield();
                    break;
                case GOCORO_OP_EVENT:
                    co_await static_cast<gocoro_event*>(request.target)->event;
                    break;
                case GOCORO_OP_TASK:
                    co_await static_cast<gocoro_task*>(request.target)->proxy;
                    break;
                case GOCORO_OP_WHEN_ALL:
                    co_await when_all_children(static_cast<gocoro_task**>(request.target), request.arg);
                    break;
                case GOCORO_OP_WHEN_ANY:
                    op.result = co_await when_any_children(static_cast<gocoro_when_any_item*>(request.target), request.arg);
                    break;
                case GOCORO_OP_IO_SCHEDULE:
                    co_await static_cast<gocoro_io_scheduler*>(request.target)->scheduler->schedule();
                    break;
                case GOCORO_OP_IO_YIELD:
                    co_await static_cast<gocoro_io_scheduler*>(request.target)->scheduler->yield();
                    break;
                case GOCORO_OP_IO_YIELD_FOR:
                    co_await static_cast<gocoro_io_scheduler*>(request.target)
                        ->scheduler->yield_for(std::chrono::milliseconds{request.arg});
                    break;
                case GOCORO_OP_IO_POLL:
                {
                    auto&      s      = *static_cast<gocoro_io_scheduler*>(request.target)->scheduler;
                    const auto events = static_cast<coro::poll_op>(request.arg2 & 0xff);
                    const auto status = co_await s.poll(
                        static_cast<coro::fd_t>(request.arg), events, std::chrono::milliseconds{request.arg2 >> 8});
                    op.result = static_cast<int64_t>(status);
                    break;
                }
                case GOCORO_OP_LATCH:
                    co_await static_cast<gocoro_latch*>(request.target)->latch;
                    break;
                case GOCORO_OP_MUTEX_LOCK:
                    co_await gocoro::lock_held(static_cast<gocoro_mutex*>(request.target));
                    break;
                case GOCORO_OP_SHARED_MUTEX_LOCK:
                    co_await gocoro::lock_held(static_cast<gocoro_shared_mutex*>(request.target), request.arg != 0);
                    break;
                case GOCORO_OP_SEMAPHORE_ACQUIRE:
                {
                    const auto r = co_await static_cast<gocoro_semaphore*>(request.target)->sem.acquire();
                    op.result    = r == coro::semaphore::acquire_result::acquired ? GOCORO_ACQUIRED
                                                                                  : GOCORO_SEMAPHORE_STOPPED;
                    break;
                }
                case GOCORO_OP_RING_PRODUCE:
                    op.result = co_await static_cast<gocoro_ring_buffer*>(request.target)
                                    ->produce_task(static_cast<uint64_t>(request.arg));
                    break;
                case GOCORO_OP_RING_CONSUME:
                    op.result = co_await static_cast<gocoro_ring_buffer*>(request.target)->consume_task();
                    break;
                default:
                    op.result = GOCORO_EINVAL;
                    break;
            }
        }
        catch (const std::runtime_error&)
        {
            op.result = GOCORO_ESHUTDOWN;
        }
        catch (...)
        {
            op.result = GOCORO_EEXCEPTION;
        }
    }
}

auto free_when_done(gocoro_task* t) -> coro::task<void>
{
    co_await t->proxy;
    // The host learnt the outcome from the body's last step; nobody else references a started task. Whichever of
    // the starter and this finisher comes second frees it.
    if (t->start_state.exchange(2, std::memory_order_acq_rel) == 1)
    {
        delete t;
    }
}
} // namespace

extern "C" gocoro_task* gocoro_task_create(uintptr_t handle)
{
    try
    {
        return new gocoro_task(handle);
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
    try
    {
        auto starter = coro::detail::make_task_self_deleting(free_when_done(t));
        starter.handle().resume();
        return t->start_state.exchange(1, std::memory_order_acq_rel) == 2 ? GOCORO_TASK_FINISHED : GOCORO_OK;
    }
    catch (const std::bad_alloc&)
    {
        return GOCORO_ENOMEM;
    }
}

extern "C" int gocoro_task_done(const gocoro_task* t)
{
    return t != nullptr && t->proxy.is_ready() ? 1 : 0;
}

extern "C" void gocoro_task_destroy(gocoro_task* t)
{
    delete t;
}
