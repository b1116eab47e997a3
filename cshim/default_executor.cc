#include "cshim/default_executor.h"
#include "cshim/callback.hpp"
#include "cshim/io_scheduler.hpp"
#include "cshim/thread_pool.hpp"

#if GOCORO_CORE_EXTENSIONS
    #include <coro/default_executor.hpp>
#endif

#include <exception>
#include <new>

namespace
{
/// Runs `make` (which creates a handle) and reports what it throws in `err`; nullptr then.
template <typename Make>
auto make_default_handle(gocoro_error* err, const char* what, Make&& make) noexcept -> decltype(make())
{
    try
    {
        return make();
    }
    catch (const std::bad_alloc&)
    {
        gocoro::set_error(err, GOCORO_ENOMEM, what);
    }
    catch (const std::exception& e)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, e.what());
    }
    catch (...)
    {
        gocoro::set_error(err, GOCORO_EEXCEPTION, what);
    }
    return nullptr;
}
} // namespace

// The handles are made once and never freed: like the executors, they must outlive every user. With the embedded
// core, C++ static destruction shuts the executors down at exit (a Go program exits without it). Upstream v0.14 has
// no default_executor: the shim then makes the pair itself, with the same defaults, and never destroys it (upstream's
// shutdown() at exit would wait for every pending timer).

extern "C" gocoro_thread_pool* gocoro_default_thread_pool(gocoro_error* err)
{
#if GOCORO_CORE_EXTENSIONS
    return make_default_handle(
        err,
        "default thread_pool: out of memory",
        []
        {
            // A throwing initialiser leaves the static uninitialised: the next call tries again.
            static gocoro_thread_pool* const handle = new gocoro_thread_pool(*coro::default_executor::executor());
            return handle;
        });
#else
    return make_default_handle(
        err,
        "default thread_pool: out of memory",
        []
        {
            // The workers are not marked as the handle's, as with the embedded core's: nothing may shut it down.
            static gocoro_thread_pool* const handle = new gocoro_thread_pool(*new coro::thread_pool{});
            return handle;
        });
#endif
}

extern "C" gocoro_io_scheduler* gocoro_default_io_scheduler(gocoro_error* err)
{
#if GOCORO_CORE_EXTENSIONS
    return make_default_handle(
        err,
        "default io_scheduler: out of memory",
        []
        {
            static gocoro_io_scheduler* const handle = []
            {
                auto& face = coro::default_executor::io_executor();
                auto* h    = new gocoro_io_scheduler(face->io());
                h->face    = face.get();
                return h;
            }();
            return handle;
        });
#else
    return make_default_handle(
        err,
        "default io_scheduler: out of memory",
        []
        {
            // Upstream's defaults are default_executor's: a spawned event thread, tasks on a pool of hardware
            // threads - 1 (at least 1).
            static gocoro_io_scheduler* const handle = new gocoro_io_scheduler(coro::io_scheduler::make_shared());
            return handle;
        });
#endif
}
