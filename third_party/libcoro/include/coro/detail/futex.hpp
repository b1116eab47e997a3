#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace coro::detail
{
// Thin wrappers over the Linux futex: used where a thread must sleep on a 32-bit atomic without a
// mutex (sync_wait, idle pool workers). Private futexes: never shared across processes.
inline auto futex_wait(std::atomic<uint32_t>& word, uint32_t expected, const timespec* timeout = nullptr) noexcept
    -> void
{
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

inline auto futex_wake(std::atomic<uint32_t>& word, int count) noexcept -> void
{
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

/// One pause instruction: tells the core we are spinning (frees the sibling hyperthread, saves power).
inline auto cpu_relax() noexcept -> void
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}
} // namespace coro::detail
