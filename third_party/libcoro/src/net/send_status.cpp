// send_status has no out-of-line parts (libcoro v0.14 ships an empty send_status.cpp too).
#include "coro/net/send_status.hpp"
