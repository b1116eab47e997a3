#include "coro/poll.hpp"

#include <cstdint>

namespace coro
{
LIBCORO_INLINE_V16 namespace v16
{
    namespace
    {
    const std::string v16_status_read{"read"};
    const std::string v16_status_write{"write"};
    const std::string v16_status_timeout{"timeout"};
    const std::string v16_status_error{"error"};
    const std::string v16_status_closed{"closed"};
    const std::string v16_status_cancelled{"cancelled"};
    const std::string v16_status_unknown{"unknown"};
    } // namespace

    auto to_string(poll_status status) -> const std::string&
    {
        switch (status)
        {
            case poll_status::read:
                return v16_status_read;
            case poll_status::write:
                return v16_status_write;
            case poll_status::timeout:
                return v16_status_timeout;
            case poll_status::error:
                return v16_status_error;
            case poll_status::closed:
                return v16_status_closed;
            case poll_status::cancelled:
                return v16_status_cancelled;
        }
        return v16_status_unknown;
    }
} // namespace v16

auto poll_stop_source::signal_stop() noexcept -> void
{
    if (!m_state || m_state->m_signalled.exchange(true, std::memory_order_acq_rel))
    {
        return;
    }
    // The pipe is empty (only this one write ever happens), so a 4-byte write cannot be short.
    const uint32_t value = 1;
    (void)m_state->m_pipe.write(&value, sizeof(value));
}
} // namespace coro
