#ifndef EXAMPLES_NATIVE_HANDLER_LINECOUNT_H
#define EXAMPLES_NATIVE_HANDLER_LINECOUNT_H

/* The C face of the example's C++ handler (linecount.cc): what the Go side of this package calls. */

#include "cshim/net/server.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Shared by every connection of a server (its user_arg): counts the lines answered. */
typedef struct linecount_state linecount_state;

const gocoro_server_handler* linecount_handler(void);
/* An echo handler taking a coro::net::tcp::client, as written for libcoro's own tcp::server. */
const gocoro_server_handler* libcoro_echo_handler(void);
linecount_state*             linecount_state_new(void);
uint64_t                     linecount_state_lines(const linecount_state* s);
void                         linecount_state_free(linecount_state* s);

#ifdef __cplusplus
}
#endif

#endif
