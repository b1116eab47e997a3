#pragma once

// C++ view of the shim's ring_buffer handle, for other shim sources: a type-erased ring_buffer<uint64_t, N>.

#include "cshim/pending.hpp"
#include "cshim/ring_buffer.h"

#include <coro/task.hpp>

#include <cstddef>
#include <cstdint>

struct gocoro_ring_buffer
{
    explicit gocoro_ring_buffer(std::size_t cap) : capacity(cap) {}
    virtual ~gocoro_ring_buffer() = default;

    gocoro_ring_buffer(const gocoro_ring_buffer&)                    = delete;
    auto operator=(const gocoro_ring_buffer&) -> gocoro_ring_buffer& = delete;

    /// gocoro_rb_status; see ring_buffer.h.
    virtual auto produce(uint64_t id, gocoro_pending** pending) noexcept -> int  = 0;
    virtual auto consume(uint64_t* id, gocoro_pending** pending) noexcept -> int = 0;
    /// co_await produce(id): 0 produced, 1 stopped.
    virtual auto produce_task(uint64_t id) -> coro::task<int64_t> = 0;
    /// co_await consume(): the id, or -1 when stopped.
    virtual auto consume_task() -> coro::task<int64_t> = 0;
    virtual auto size() const -> std::size_t           = 0;
    virtual auto notify_waiters() -> void              = 0;

    const std::size_t capacity;
};
