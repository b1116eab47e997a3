#include "coro/poll.hpp"

namespace coro
{
namespace
{
const std::string op_read{"read"};
const std::string op_write{"write"};
const std::string op_read_write{"read_write"};
const std::string status_event{"event"};
const std::string status_timeout{"timeout"};
const std::string status_error{"error"};
const std::string status_closed{"closed"};
const std::string unknown{"unknown"};
} // namespace

auto to_string(poll_op op) -> const std::string&
{
    switch (op)
    {
        case poll_op::read:
            return op_read;
        case poll_op::write:
            return op_write;
        case poll_op::read_write:
            return op_read_write;
    }
    return unknown;
}

LIBCORO_INLINE_V14 namespace v14
{
    auto to_string(poll_status status) -> const std::string&
    {
        switch (status)
        {
            case poll_status::event:
                return status_event;
            case poll_status::timeout:
                return status_timeout;
            case poll_status::error:
                return status_error;
            case poll_status::closed:
                return status_closed;
        }
        return unknown;
    }
} // namespace v14

} // namespace coro
