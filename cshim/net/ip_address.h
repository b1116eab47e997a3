#ifndef GOCORO_CSHIM_NET_IP_ADDRESS_H
#define GOCORO_CSHIM_NET_IP_ADDRESS_H

/* coro::net::ip_address for the Go package net/ip: parsing (from_string), formatting (to_string), the binary
 * constructor and to_string(domain_t).
 *
 * Addresses cross by value (domain + 16 bytes in network order, the unused tail zero), so the host passes no
 * pointer except the text or bytes to read, used only during the call. No C++ exception crosses: failures are
 * negated errno values (-EINVAL: malformed text or too many bytes, -EAFNOSUPPORT: unknown domain). Every function
 * is pure and thread-safe. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_ip_address
{
    int32_t domain; /* AF_INET (libcoro domain_t::ipv4) or AF_INET6 (domain_t::ipv6) */
    uint8_t bytes[16];
} gocoro_ip_address;

typedef struct gocoro_ip_result
{
    int32_t           status; /* 0 or a negated errno */
    gocoro_ip_address address;
} gocoro_ip_result;

/* Text output: len >= 0 is the length of text (NUL-terminated), or a negated errno. */
typedef struct gocoro_ip_text
{
    int32_t len;
    char    text[48];
} gocoro_ip_text;

/* ip_address::from_string(std::string(text, len), domain). Text with an embedded NUL is malformed. */
gocoro_ip_result gocoro_ip_address_from_string(const char* text, size_t len, int32_t domain);

/* ip_address(span(bytes, len), domain): at most 4 bytes for AF_INET, 16 for AF_INET6; the rest is zero. */
gocoro_ip_result gocoro_ip_address_from_bytes(const uint8_t* bytes, size_t len, int32_t domain);

/* ip_address::to_string(): canonical text ("127.0.0.1", "::1", "1::"). */
gocoro_ip_text gocoro_ip_address_to_string(gocoro_ip_address address);

/* coro::net::to_string(domain_t): "ipv4" or "ipv6". */
gocoro_ip_text gocoro_ip_domain_to_string(int32_t domain);

#ifdef __cplusplus
}
#endif

#endif
