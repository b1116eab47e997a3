#include "cshim/await.hpp"

// Which construct serves which op kind (cshim/task.h, gocoro_op_kind). The proxy's own kinds (GOCORO_OP_DONE,
// GOCORO_OP_TASK, GOCORO_OP_WHEN_ALL, GOCORO_OP_WHEN_ANY) are task machinery and stay in task.cc.
auto gocoro::start_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    switch (request.kind)
    {
        case GOCORO_OP_SCHEDULE:
        case GOCORO_OP_YIELD:
            return thread_pool_await(request, storage);
        case GOCORO_OP_EVENT:
            return event_await(request, storage);
        case GOCORO_OP_IO_SCHEDULE:
        case GOCORO_OP_IO_YIELD:
        case GOCORO_OP_IO_YIELD_FOR:
        case GOCORO_OP_IO_POLL:
        case GOCORO_OP_IO_POLL_STOP:
            return io_scheduler_await(request, storage);
        case GOCORO_OP_LATCH:
            return latch_await(request, storage);
        case GOCORO_OP_MUTEX_LOCK:
            return mutex_await(request, storage);
        case GOCORO_OP_SHARED_MUTEX_LOCK:
            return shared_mutex_await(request, storage);
        case GOCORO_OP_SEMAPHORE_ACQUIRE:
            return semaphore_await(request, storage);
        case GOCORO_OP_RING_PRODUCE:
        case GOCORO_OP_RING_CONSUME:
            return ring_buffer_await(request, storage);
        case GOCORO_OP_QUEUE_POP:
            return queue_await(request, storage);
        default:
            return nullptr;
    }
}
