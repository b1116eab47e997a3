#pragma once

// C++-side helpers of the shim (not part of the C ABI).

#include "cshim/callback.h"
#include "cshim/status.h"

#include <cstddef>
#include <cstdint>
#include <functional>

namespace gocoro
{
/// Runs the host function behind `handle` on this thread via the installed callback.
auto run_host(uintptr_t handle) noexcept -> void;
/// Advances the host task behind `handle` to its next await (described in `op`).
auto step_host(uintptr_t handle, gocoro_op* op) noexcept -> void;
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
