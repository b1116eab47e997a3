#ifndef GOCORO_CSHIM_NET_SERVER_TLS_H
#define GOCORO_CSHIM_NET_SERVER_TLS_H

/* The OpenSSL side of net/server's TLS termination: the table of cshim/net/tls.h functions that the server loop
 * (server.cc, which links no OpenSSL) calls through once it is installed with gocoro_server_install_tls. Lives with
 * the net/tls shim (the library that links OpenSSL); Go installs it from package net/server/servertls. */

#include "cshim/net/server.h"

#ifdef __cplusplus
extern "C" {
#endif

const gocoro_server_tls_ops* gocoro_server_tls_openssl(void);

#ifdef __cplusplus
}
#endif

#endif
