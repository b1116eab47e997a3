#ifndef EXAMPLES_NATIVE_HANDLER_V16_HANDLERS_H
#define EXAMPLES_NATIVE_HANDLER_V16_HANDLERS_H

/* Handlers written against libcoro v0.16 (v16_handlers.cc), served through the same C ABI as linecount.cc's.
 * Both return NULL when built against a user's upstream libcoro v0.14 (no v0.16 API there). */

#include "cshim/net/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sends every byte back upper-cased, through gocoro::server::connection's v0.16 read_some / write_all. */
const gocoro_server_handler* upper16_handler(void);
/* An echo handler taking a v0.16 coro::net::tcp::client, as written for libcoro v0.16's own tcp::server. */
const gocoro_server_handler* libcoro16_echo_handler(void);

#ifdef __cplusplus
}
#endif

#endif
