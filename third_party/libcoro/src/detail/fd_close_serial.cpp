#include "coro/detail/fd_close_serial.hpp"

#include <array>
#include <cstddef>
#include <new>

namespace coro::detail
{
namespace
{
constexpr std::size_t page_bits  = 10;
constexpr std::size_t page_size  = std::size_t{1} << page_bits;
constexpr std::size_t page_count = 1024;

using page = std::array<std::atomic<uint32_t>, page_size>;

/// Pages are created on first use and live as long as the process (4 KiB each).
std::array<std::atomic<page*>, page_count> g_pages{};
} // namespace

auto fd_close_serial::lookup(int fd, bool create) noexcept -> std::atomic<uint32_t>*
{
    if (fd < 0 || static_cast<std::size_t>(fd) >= page_size * page_count)
    {
        return nullptr;
    }
    auto& entry = g_pages[static_cast<std::size_t>(fd) >> page_bits];
    page* p     = entry.load(std::memory_order_acquire);
    if (p == nullptr)
    {
        if (!create)
        {
            return nullptr;
        }
        auto* fresh = new (std::nothrow) page{};
        if (fresh == nullptr)
        {
            return nullptr;
        }
        if (entry.compare_exchange_strong(p, fresh, std::memory_order_acq_rel, std::memory_order_acquire))
        {
            p = fresh;
        }
        else
        {
            delete fresh; // another thread installed one first; `p` holds it
        }
    }
    return &(*p)[static_cast<std::size_t>(fd) & (page_size - 1)];
}

auto fd_close_serial::counter(int fd) noexcept -> std::atomic<uint32_t>*
{
    return lookup(fd, true);
}

auto fd_close_serial::note_close(int fd) noexcept -> void
{
    // Without a page nobody registered this number (the scheduler creates the page before reading the serial).
    if (auto* c = lookup(fd, false); c != nullptr)
    {
        c->fetch_add(1, std::memory_order_acq_rel);
    }
}
} // namespace coro::detail
