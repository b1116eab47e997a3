#include "cshim/completion.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace gocoro
{
namespace
{
/// Multi-producer, single-consumer queue of completions. Producers append under a short mutex; the deliverer
/// swaps the whole buffer out, so it takes the lock once per batch, and reads a flag before it locks: a deliverer
/// polling an empty queue must not contend with the producers (when it locked on every poll, one goroutine task
/// body's producer woke it through a futex on about a third of its awaits). When the deliverer finds it empty it
/// announces that it will sleep and waits on an eventfd, which the next producer writes: the host reads that
/// descriptor through its own poller (Go's netpoller), so its scheduler does the wake-up and no thread is held while
/// idle.
class completion_queue
{
public:
    completion_queue() : m_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    completion_queue(const completion_queue&)                    = delete;
    auto operator=(const completion_queue&) -> completion_queue& = delete;
    ~completion_queue()                                          = default; // process-wide: the fd lives as long

    auto post(gocoro_completion c) -> void
    {
        bool wake = false;
        {
            std::scoped_lock lk{m_mutex};
            m_pending.push_back(c);
            std::atomic_ref<uint32_t>{m_posted}.store(1, std::memory_order_relaxed);
            wake       = m_sleeping;
            m_sleeping = false;
        }
        if (wake)
        {
            const uint64_t one = 1;
            // Only fails if the counter would overflow, which a deliverer that reads it cannot let happen.
            while (::write(m_fd, &one, sizeof one) < 0 && errno == EINTR)
            {
            }
        }
    }

    auto take(gocoro_completion* out, std::size_t cap) -> std::size_t
    {
        if (m_taken == m_taking.size())
        {
            if (std::atomic_ref<uint32_t>{m_posted}.load(std::memory_order_relaxed) == 0)
            {
                return 0; // a stale 0 only delays the batch: sleep() looks again under the lock
            }
            m_taking.clear();
            m_taken = 0;
            std::scoped_lock lk{m_mutex};
            m_taking.swap(m_pending);
            std::atomic_ref<uint32_t>{m_posted}.store(0, std::memory_order_relaxed);
        }
        const std::size_t n = std::min(cap, m_taking.size() - m_taken);
        std::copy_n(m_taking.begin() + static_cast<std::ptrdiff_t>(m_taken), n, out);
        m_taken += n;
        return n;
    }

    auto sleep() -> bool
    {
        std::scoped_lock lk{m_mutex};
        if (!m_pending.empty() || m_taken < m_taking.size())
        {
            return false;
        }
        m_sleeping = true;
        return true;
    }

    auto fd() const -> int { return m_fd; }
    auto posted() -> const uint32_t* { return &m_posted; }

private:
    const int                      m_fd;
    std::mutex                     m_mutex;
    std::vector<gocoro_completion> m_pending;
    std::vector<gocoro_completion> m_taking; // owned by the deliverer
    std::size_t                    m_taken{0};
    alignas(std::atomic_ref<uint32_t>::required_alignment) uint32_t m_posted{0}; // m_pending may be non-empty
    bool m_sleeping{false}; // the deliverer waits on m_fd: the next post writes it
};

auto queue() -> completion_queue&
{
    static completion_queue q;
    return q;
}
} // namespace
} // namespace gocoro

extern "C" int gocoro_completion_fd(void)
{
    return gocoro::queue().fd();
}

extern "C" const uint32_t* gocoro_completion_posted(void)
{
    return gocoro::queue().posted();
}

extern "C" size_t gocoro_completion_take(gocoro_completion* out, size_t cap)
{
    return cap == 0 ? 0 : gocoro::queue().take(out, cap);
}

extern "C" int gocoro_completion_sleep(void)
{
    return gocoro::queue().sleep() ? 1 : 0;
}

extern "C" void gocoro_completion_post(uintptr_t handle, int64_t result)
{
    gocoro::queue().post(gocoro_completion{handle, result});
}
