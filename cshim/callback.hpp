#pragma once

// C++-side helpers of the shim (not part of the C ABI).

#include "cshim/callback.h"
#include "cshim/status.h"

#include <cstddef>
#include <cstdint>

namespace gocoro
{
/// Runs the host function behind `handle` on this thread via the installed callback.
auto run_host(uintptr_t handle) noexcept -> void;
/// Advances the host task behind `handle` to its next await (described in `op`).
auto step_host(uintptr_t handle, gocoro_op* op) noexcept -> void;
/// Reports a worker start/stop to the host; no-op for handle 0.
auto thread_event(uintptr_t handle, std::size_t index, bool started) noexcept -> void;
/// Fills `err` (if non-null) and returns `code`.
auto set_error(gocoro_error* err, int code, const char* message) noexcept -> int;
} // namespace gocoro
