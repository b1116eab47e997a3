#pragma once

// C++ side of gocoro_pending: the operation calls complete() exactly once, the host calls bind() exactly once;
// whichever comes second delivers the result and frees the record.

#include "cshim/completion.h"
#include "cshim/pending.h"

#include <atomic>
#include <cstdint>

struct gocoro_pending
{
    static constexpr uintptr_t finished = ~uintptr_t{0};

    auto complete(int64_t r) noexcept -> void
    {
        result            = r;
        const uintptr_t h = handle.exchange(finished, std::memory_order_acq_rel);
        if (h != 0)
        {
            gocoro_completion_post(h, r);
            delete this;
        }
    }

    std::atomic<uintptr_t> handle{0};
    int64_t                result{0};
};
