#pragma once

// Shared by the libcoro v0.16 parity tests (tests/cpp16): every file is compiled with LIBCORO_API_VERSION=1600.

#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <mutex>

static_assert(LIBCORO_API_VERSION == 1600, "tests/cpp16 must be compiled with -DLIBCORO_API_VERSION=1600");

// Catch2 assertions are not thread-safe; these serialise them for checks made on executor threads.
inline std::mutex g_catch2_thread_safe_mutex;

#define REQUIRE_THREAD_SAFE(expr)                                             \
    do                                                                        \
    {                                                                         \
        std::lock_guard catch2_thread_safe_lock_{g_catch2_thread_safe_mutex}; \
        REQUIRE(expr);                                                        \
    } while (0)
