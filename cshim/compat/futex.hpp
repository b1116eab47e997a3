#pragma once

// Futex sleep/wake on a 32-bit atomic, for the completion queue (cshim/completion.cc). The shim's own copy: the
// embedded core has one in coro/detail, which upstream libcoro does not, and the shim compiles against both.

#include <atomic>
#include <cstdint>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gocoro::compat
{
/// Sleeps while `word` holds `expected` (or until woken; spurious returns happen).
inline auto futex_wait(std::atomic<uint32_t>& word, uint32_t expected) noexcept -> void
{
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

/// Wakes up to `count` threads sleeping on `word`.
inline auto futex_wake(std::atomic<uint32_t>& word, int count) noexcept -> void
{
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

/// One pause instruction while spinning.
inline auto cpu_relax() noexcept -> void
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}
} // namespace gocoro::compat
