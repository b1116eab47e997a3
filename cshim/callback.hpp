#pragma once

// C++-side helpers of the shim (not part of the C ABI).

#include "cshim/callback.h"
#include "cshim/status.h"
#include "cshim/task.h"

#include <cstddef>
#include <cstdint>
#include <functional>

namespace gocoro
{
/// Runs the host function behind `handle` on this thread via the installed callback.
auto run_host(uintptr_t handle) noexcept -> void;
/// Advances the host task behind `handle` to its next await (described in `op`).
auto step_host(uintptr_t handle, gocoro_op* op) noexcept -> void;
/// Collects the host task steps (cshim/task.h) that are reached inside one host call on this thread, e.g. an
/// unlock() handing the lock to a waiting task body: instead of calling back into the host — which would block
/// the calling host thread until that body's next await, nesting one blocked thread per hand-off when the body
/// unlocks in turn — the proxy suspends and the step is left for the host to run after the call returns
/// (gocoro_step_continue). Scopes nest; callbacks into the host (run_host, thread_event) run outside any scope.
class host_call
{
public:
    /// Starts collecting on this thread.
    host_call() noexcept;
    ~host_call();
    host_call(const host_call&)                    = delete;
    auto operator=(const host_call&) -> host_call& = delete;

    /// The steps left for the host, oldest first, followed by the list `then`; the scope then holds none.
    auto take(gocoro_step* then = nullptr) noexcept -> gocoro_step*;
    /// Appends `step` to the innermost scope on this thread; false if there is none (the step runs as a callback).
    static auto defer(gocoro_step* step) noexcept -> bool;

private:
    host_call*   m_previous;
    gocoro_step* m_head{nullptr};
    gocoro_step* m_tail{nullptr};
};
/// Reports a worker start/stop to the host; no-op for handle 0.
auto thread_event(uintptr_t handle, std::size_t index, bool started) noexcept -> void;
/// The shim executor (gocoro_thread_pool*, gocoro_io_scheduler*) whose thread this is, or nullptr: set for a worker's
/// or event thread's whole life (and around a manual process_events call), so that a Close made from one of the
/// executor's own threads — which would wait for, or join, the calling thread itself — can be recognised.
auto owning_executor() noexcept -> const void*;
/// Marks this thread as belonging to `executor` until the scope ends.
class executor_thread_scope
{
public:
    explicit executor_thread_scope(const void* executor) noexcept;
    ~executor_thread_scope();
    executor_thread_scope(const executor_thread_scope&)                    = delete;
    auto operator=(const executor_thread_scope&) -> executor_thread_scope& = delete;

private:
    const void* m_previous;
};
/// Worker start/stop functors that mark the thread as `executor`'s and then report to the host (handle 0: no
/// report).
auto mark_start(const void* executor, uintptr_t handle) -> std::function<void(std::size_t)>;
auto mark_stop(uintptr_t handle) -> std::function<void(std::size_t)>;
/// Fills `err` (if non-null) and returns `code`.
auto set_error(gocoro_error* err, int code, const char* message) noexcept -> int;
} // namespace gocoro
