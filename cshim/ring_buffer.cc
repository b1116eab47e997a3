#include "cshim/ring_buffer.h"
#include "cshim/await.hpp"
#include "cshim/callback.hpp"
#include "cshim/pending.hpp"

#include <coro/detail/task_self_deleting.hpp>
#include <coro/ring_buffer.hpp>
#include <coro/task.hpp>

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

struct gocoro_ring_buffer
{
    explicit gocoro_ring_buffer(std::size_t cap) : capacity(cap) {}
    virtual ~gocoro_ring_buffer() = default;

    gocoro_ring_buffer(const gocoro_ring_buffer&)                    = delete;
    auto operator=(const gocoro_ring_buffer&) -> gocoro_ring_buffer& = delete;

    /// gocoro_rb_status; see ring_buffer.h.
    virtual auto produce(uint64_t id, gocoro_pending** pending) noexcept -> int  = 0;
    virtual auto consume(uint64_t* id, gocoro_pending** pending) noexcept -> int = 0;
    /// co_await produce(id): 0 produced, 1 stopped, 2 notified.
    virtual auto produce_task(uint64_t id) -> coro::task<int64_t> = 0;
    /// co_await consume(): the id, or -1 when stopped, -2 when notified.
    virtual auto consume_task() -> coro::task<int64_t> = 0;
    virtual auto size() const -> std::size_t           = 0;
    virtual auto notify_waiters() -> void              = 0;
    virtual auto notify_producers() -> void            = 0;
    virtual auto notify_consumers() -> void            = 0;

    const std::size_t capacity;
};

namespace
{
/// Suspends on an operation whose await_ready() already returned false (and left the buffer's lock held for
/// await_suspend, as libcoro's ring_buffer does).
template <typename operation>
struct finish_await
{
    operation& op;

    auto await_ready() noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<> h) noexcept -> bool { return op.await_suspend(h); }
    auto await_resume() { return op.await_resume(); }
};

template <typename operation>
auto produce_code(const operation& op, coro::rb::produce_result r) -> int64_t
{
#if GOCORO_CORE_EXTENSIONS
    if (op.notified())
    {
        return 2;
    }
#endif
    return r == coro::rb::produce_result::produced ? 0 : 1;
}

template <typename operation, typename result>
auto consume_code(const operation& op, const result& r) -> int64_t
{
    if (r)
    {
        return static_cast<int64_t>(*r);
    }
#if GOCORO_CORE_EXTENSIONS
    return op.notified() ? -2 : -1;
#else
    return -1;
#endif
}

template <std::size_t N>
class ring_buffer_impl final : public gocoro_ring_buffer
{
    using rb_type = coro::ring_buffer<uint64_t, N>;

public:
    ring_buffer_impl() : gocoro_ring_buffer(N) {}
    ~ring_buffer_impl() override { m_rb.notify_waiters(); }

    auto produce(uint64_t id, gocoro_pending** pending) noexcept -> int override
    {
        auto op = m_rb.produce(id);
        if (op.await_ready())
        {
            // Stored, handed to a waiting consumer, or refused by a stopped buffer.
            return op.await_resume() == coro::rb::produce_result::produced ? GOCORO_RB_DONE : GOCORO_RB_STOPPED;
        }
        // The buffer is full (its lock is held): queue the operation as a waiting producer.
        auto* p = new gocoro_pending{};
        start(finish_produce(std::move(op), p));
        *pending = p;
        return GOCORO_RB_PENDING;
    }

    auto consume(uint64_t* id, gocoro_pending** pending) noexcept -> int override
    {
        auto op = m_rb.consume();
        if (op.await_ready())
        {
            auto r = op.await_resume();
            if (!r)
            {
                return GOCORO_RB_STOPPED;
            }
            *id = *r;
            return GOCORO_RB_DONE;
        }
        auto* p = new gocoro_pending{};
        start(finish_consume(std::move(op), p));
        *pending = p;
        return GOCORO_RB_PENDING;
    }

    auto produce_task(uint64_t id) -> coro::task<int64_t> override
    {
        auto       op = m_rb.produce(id);
        const auto r  = co_await op;
        co_return produce_code(op, r);
    }

    auto consume_task() -> coro::task<int64_t> override
    {
        auto op = m_rb.consume();
        auto r  = co_await op;
        co_return consume_code(op, r);
    }

    auto size() const -> std::size_t override { return m_rb.size(); }
    auto notify_waiters() -> void override { m_rb.notify_waiters(); }
#if GOCORO_CORE_EXTENSIONS
    auto notify_producers() -> void override { m_rb.notify_producers(); }
    auto notify_consumers() -> void override { m_rb.notify_consumers(); }
#else
    // Upstream v0.14's ring_buffer can only stop (notify_waiters); gocoro_ring_buffer_can_notify tells the host.
    auto notify_producers() -> void override {}
    auto notify_consumers() -> void override {}
#endif

private:
    static auto start(coro::task<void> t) -> void
    {
        auto waiter = coro::detail::make_task_self_deleting(std::move(t));
        waiter.handle().resume();
    }

    static auto finish_produce(typename rb_type::produce_operation op, gocoro_pending* p) -> coro::task<void>
    {
        const auto r = co_await finish_await<typename rb_type::produce_operation>{op};
        p->complete(produce_code(op, r));
    }

    static auto finish_consume(typename rb_type::consume_operation op, gocoro_pending* p) -> coro::task<void>
    {
        auto r = co_await finish_await<typename rb_type::consume_operation>{op};
        p->complete(consume_code(op, r));
    }

    rb_type m_rb;
};

template <std::size_t N>
auto make_ring_buffer() -> gocoro_ring_buffer*
{
    return new (std::nothrow) ring_buffer_impl<N>();
}
} // namespace

extern "C" gocoro_ring_buffer* gocoro_ring_buffer_create(size_t capacity)
{
    switch (capacity)
    {
            // clang-format off
        case 1: return make_ring_buffer<1>();   case 2: return make_ring_buffer<2>();   case 3: return make_ring_buffer<3>();   case 4: return make_ring_buffer<4>();
        case 5: return make_ring_buffer<5>();   case 6: return make_ring_buffer<6>();   case 7: return make_ring_buffer<7>();   case 8: return make_ring_buffer<8>();
        case 9: return make_ring_buffer<9>();   case 10: return make_ring_buffer<10>(); case 11: return make_ring_buffer<11>(); case 12: return make_ring_buffer<12>();
        case 13: return make_ring_buffer<13>(); case 14: return make_ring_buffer<14>(); case 15: return make_ring_buffer<15>(); case 16: return make_ring_buffer<16>();
        case 32: return make_ring_buffer<32>();       case 64: return make_ring_buffer<64>();       case 128: return make_ring_buffer<128>();
        case 256: return make_ring_buffer<256>();     case 512: return make_ring_buffer<512>();     case 1024: return make_ring_buffer<1024>();
        case 2048: return make_ring_buffer<2048>();   case 4096: return make_ring_buffer<4096>();   case 8192: return make_ring_buffer<8192>();
        case 16384: return make_ring_buffer<16384>(); case 32768: return make_ring_buffer<32768>(); case 65536: return make_ring_buffer<65536>();
        // clang-format on
        default:
            return nullptr;
    }
}

extern "C" void gocoro_ring_buffer_destroy(gocoro_ring_buffer* rb)
{
    delete rb;
}

extern "C" size_t gocoro_ring_buffer_size(const gocoro_ring_buffer* rb)
{
    return rb->size();
}

extern "C" gocoro_step* gocoro_ring_buffer_notify_waiters(gocoro_ring_buffer* rb)
{
    gocoro::host_call scope;
    rb->notify_waiters();
    return scope.take();
}

extern "C" int gocoro_ring_buffer_can_notify(void)
{
#if GOCORO_CORE_EXTENSIONS
    return 1;
#else
    return 0;
#endif
}

extern "C" gocoro_step* gocoro_ring_buffer_notify_producers(gocoro_ring_buffer* rb)
{
    gocoro::host_call scope;
    rb->notify_producers();
    return scope.take();
}

extern "C" gocoro_step* gocoro_ring_buffer_notify_consumers(gocoro_ring_buffer* rb)
{
    gocoro::host_call scope;
    rb->notify_consumers();
    return scope.take();
}

extern "C" int
gocoro_ring_buffer_produce(gocoro_ring_buffer* rb, uint64_t id, gocoro_pending** pending, gocoro_step** steps)
{
    gocoro::host_call scope;
    const int         rc = rb->produce(id, pending);
    *steps               = scope.take();
    return rc;
}

extern "C" int
gocoro_ring_buffer_consume(gocoro_ring_buffer* rb, uint64_t* id, gocoro_pending** pending, gocoro_step** steps)
{
    gocoro::host_call scope;
    const int         rc = rb->consume(id, pending);
    *steps               = scope.take();
    return rc;
}

/// GOCORO_OP_RING_PRODUCE (request.arg: the id): 0 produced, 1 stopped, 2 notified. GOCORO_OP_RING_CONSUME: the id,
/// or -1 when stopped, -2 when notified.
auto gocoro::ring_buffer_await(const gocoro_op& request, op_await_storage& storage) -> op_await*
{
    auto* rb       = static_cast<gocoro_ring_buffer*>(request.target);
    auto  identity = [](int64_t v) { return v; };
    if (request.kind == GOCORO_OP_RING_PRODUCE)
    {
        return emplace_await(storage, [&] { return rb->produce_task(static_cast<uint64_t>(request.arg)); }, identity);
    }
    return emplace_await(storage, [&] { return rb->consume_task(); }, identity);
}
