#include "coro/semaphore.hpp"

namespace coro
{
std::string semaphore_acquire_result_acquired = "acquired";
std::string semaphore_acquire_result_shutdown = "shutdown";
std::string semaphore_acquire_result_unknown  = "unknown";

auto to_string(semaphore_acquire_result result) -> const std::string&
{
    switch (result)
    {
        case semaphore_acquire_result::acquired:
            return semaphore_acquire_result_acquired;
        case semaphore_acquire_result::shutdown:
            return semaphore_acquire_result_shutdown;
    }
    return semaphore_acquire_result_unknown;
}
} // namespace coro
