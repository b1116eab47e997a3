#pragma once

// The external build (a user's own libcoro) is written against upstream v0.14.x. Upstream v0.16 installs
// coro/scheduler.hpp (and v0.16's API); gocoro's embedded core has that header too, with its own marker
// coro/gocoro_extensions.hpp beside it. Stop at once with a clear message instead of failing deep in the shim.
// (v0.15 has no marker this can test apart from coro/queue.hpp, which cshim/compat/queue.hpp uses when present.)

#if __has_include(<coro/scheduler.hpp>) && !__has_include(<coro/gocoro_extensions.hpp>)
    #error \
        "gocoro (-tags libcoro_external / --config=libcoro_external) supports upstream libcoro v0.14.x only; this libcoro is v0.16 or later (it has coro/scheduler.hpp). Install v0.14.x, or drop the tag to build gocoro's embedded core."
#endif
