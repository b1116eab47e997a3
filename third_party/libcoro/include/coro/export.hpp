#pragma once

// libcoro generates this header with CMake; gocoro builds statically, so the macros are empty.
#ifndef CORO_EXPORT
    #define CORO_EXPORT
#endif
#ifndef CORO_NO_EXPORT
    #define CORO_NO_EXPORT
#endif
#ifndef CORO_DEPRECATED
    #define CORO_DEPRECATED [[deprecated]]
#endif
