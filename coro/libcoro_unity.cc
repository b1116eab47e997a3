// go build only: compiles the C++ core and the C shim into package coro (Bazel uses cc_library instead).
#include "../third_party/libcoro/src/detail/task_self_deleting.cpp"
#include "../third_party/libcoro/src/event.cpp"
#include "../third_party/libcoro/src/sync_wait.cpp"
#include "../third_party/libcoro/src/thread_pool.cpp"

#include "../cshim/callback.cc"
#include "../cshim/thread_pool.cc"
