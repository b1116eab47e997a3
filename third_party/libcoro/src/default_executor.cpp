#include "coro/default_executor.hpp"

#include <mutex>
#include <utility>

namespace coro::default_executor
{
namespace
{
std::mutex           g_options_mutex;
thread_pool::options g_executor_options{};
#ifdef LIBCORO_FEATURE_NETWORKING
scheduler::options g_io_executor_options{};
#endif
} // namespace

void set_executor_options(thread_pool::options thread_pool_options)
{
    std::lock_guard lk{g_options_mutex};
    g_executor_options = std::move(thread_pool_options);
}

auto executor() -> std::unique_ptr<coro::thread_pool>&
{
    // A function-local static: created once, concurrent first callers block until it exists.
    static std::unique_ptr<coro::thread_pool> pool = []
    {
        std::lock_guard lk{g_options_mutex};
        return coro::thread_pool::make_unique(g_executor_options);
    }();
    return pool;
}

#ifdef LIBCORO_FEATURE_NETWORKING
void set_io_executor_options(scheduler::options scheduler_options)
{
    std::lock_guard lk{g_options_mutex};
    g_io_executor_options = std::move(scheduler_options);
}

auto io_executor() -> std::unique_ptr<coro::scheduler>&
{
    static std::unique_ptr<coro::scheduler> instance = []
    {
        std::lock_guard lk{g_options_mutex};
        return coro::scheduler::make_unique(g_io_executor_options);
    }();
    return instance;
}
#endif
} // namespace coro::default_executor
