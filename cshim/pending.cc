#include "cshim/pending.hpp"

extern "C" int gocoro_pending_bind(gocoro_pending* p, uintptr_t handle, int64_t* result)
{
    uintptr_t expected = 0;
    if (p->handle.compare_exchange_strong(expected, handle, std::memory_order_acq_rel, std::memory_order_acquire))
    {
        return 0;
    }
    *result = p->result;
    delete p;
    return 1;
}
