#ifndef GOCORO_CSHIM_STATUS_H
#define GOCORO_CSHIM_STATUS_H

/* Status codes and error reporting shared by every cshim function. Plain C: no C++ type crosses. */

#ifdef __cplusplus
extern "C" {
#endif

enum gocoro_status
{
    GOCORO_OK = 0,
    /* The executor or primitive has been shut down / closed. */
    GOCORO_ESHUTDOWN = 1,
    /* An argument was invalid (null handle, zero threads, ...). */
    GOCORO_EINVAL = 2,
    /* A C++ exception was caught at the boundary; the message says which. */
    GOCORO_EEXCEPTION = 3,
    /* Out of memory. */
    GOCORO_ENOMEM = 4,
    /* The libcoro the shim was built against lacks the feature (an upstream v0.14 under libcoro_external). */
    GOCORO_ENOTSUP = 5
};

/* Filled in by a failing call when the caller passes one; message is NUL-terminated. */
typedef struct gocoro_error
{
    int  code;
    char message[256];
} gocoro_error;

#ifdef __cplusplus
}
#endif

#endif
