#include "cshim/callback.hpp"

#include <atomic>

namespace gocoro
{
namespace
{
std::atomic<gocoro_run_fn>          g_run{nullptr};
std::atomic<gocoro_thread_event_fn> g_thread_event{nullptr};
std::atomic<gocoro_step_fn>         g_step{nullptr};
thread_local const void*            t_executor{nullptr};
thread_local host_call*             t_host_call{nullptr};

/// Hides this thread's host_call scopes while the host runs a callback (which makes host calls of its own).
class outside_scope
{
public:
    outside_scope() noexcept : m_saved(t_host_call) { t_host_call = nullptr; }
    ~outside_scope() { t_host_call = m_saved; }
    outside_scope(const outside_scope&)                    = delete;
    auto operator=(const outside_scope&) -> outside_scope& = delete;

private:
    host_call* m_saved;
};
} // namespace

host_call::host_call() noexcept : m_previous(t_host_call)
{
    t_host_call = this;
}

host_call::~host_call()
{
    t_host_call = m_previous;
}

auto host_call::take(gocoro_step* then) noexcept -> gocoro_step*
{
    gocoro_step* head = m_head;
    if (head == nullptr)
    {
        return then;
    }
    m_tail->next = then;
    m_head = m_tail = nullptr;
    return head;
}

auto host_call::defer(gocoro_step* step) noexcept -> bool
{
    host_call* scope = t_host_call;
    if (scope == nullptr)
    {
        return false;
    }
    step->next = nullptr;
    if (scope->m_tail == nullptr)
    {
        scope->m_head = step;
    }
    else
    {
        scope->m_tail->next = step;
    }
    scope->m_tail = step;
    return true;
}

auto owning_executor() noexcept -> const void*
{
    return t_executor;
}

executor_thread_scope::executor_thread_scope(const void* executor) noexcept : m_previous(t_executor)
{
    t_executor = executor;
}

executor_thread_scope::~executor_thread_scope()
{
    t_executor = m_previous;
}

auto mark_start(const void* executor, uintptr_t handle) -> std::function<void(std::size_t)>
{
    return [executor, handle](std::size_t i)
    {
        t_executor = executor;
        thread_event(handle, i, true);
    };
}

auto mark_stop(uintptr_t handle) -> std::function<void(std::size_t)>
{
    return [handle](std::size_t i)
    {
        thread_event(handle, i, false);
        t_executor = nullptr;
    };
}

auto step_host(uintptr_t handle, gocoro_op* op) noexcept -> void
{
    g_step.load(std::memory_order_acquire)(handle, op);
}

auto run_host(uintptr_t handle) noexcept -> void
{
    if (auto fn = g_run.load(std::memory_order_acquire); fn != nullptr)
    {
        outside_scope outside;
        fn(handle);
    }
}

auto thread_event(uintptr_t handle, std::size_t index, bool started) noexcept -> void
{
    if (auto fn = g_thread_event.load(std::memory_order_acquire); fn != nullptr && handle != 0)
    {
        outside_scope outside;
        fn(handle, index, started ? 1 : 0);
    }
}

auto set_error(gocoro_error* err, int code, const char* message) noexcept -> int
{
    if (err != nullptr)
    {
        err->code     = code;
        std::size_t i = 0;
        for (; message != nullptr && message[i] != '\0' && i + 1 < sizeof(err->message); ++i)
        {
            err->message[i] = message[i];
        }
        err->message[i] = '\0';
    }
    return code;
}

} // namespace gocoro

extern "C" void gocoro_install_callbacks(gocoro_run_fn run, gocoro_thread_event_fn thread_event, gocoro_step_fn step)
{
    gocoro::g_step.store(step, std::memory_order_release);
    gocoro::g_run.store(run, std::memory_order_release);
    gocoro::g_thread_event.store(thread_event, std::memory_order_release);
}

extern "C" const void* gocoro_owning_executor(void)
{
    return gocoro::owning_executor();
}

extern "C" const void* gocoro_set_owning_executor(const void* executor)
{
    const void* previous = gocoro::t_executor;
    gocoro::t_executor   = executor;
    return previous;
}
