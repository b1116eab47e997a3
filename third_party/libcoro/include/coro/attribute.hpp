#pragma once

// Marks helper coroutine templates `used` on GCC so they are emitted even when only referenced from
// other coroutine frames.
#if defined(__GNUC__) && !defined(__clang__)
    #define __ATTRIBUTE__(attr) __attribute__((attr))
#else
    #define __ATTRIBUTE__(attr)
#endif
