/* The classification of a finished transfer into what a call returns:
 * value, nil, response (the decoded envelope) or nil, message, err. It reads no socket
 * and no libcurl handle, only what the transfer left, so that it can be
 * fuzzed on its own (spec/fuzz/response.c). */
#ifndef SOPS_RESPONSE_H
#define SOPS_RESPONSE_H

#include <curl/curl.h>

#include "buffer.h"
#include "compat.h"

typedef struct sops_response {
    CURLcode rc;             /* how the transfer ended */
    long status;             /* HTTP status, 0: none arrived */
    const char *body;        /* the answer's body (NUL-terminated), NULL when empty */
    size_t len;
    int too_large;           /* the body passed max_body and was cut off */
    size_t max_body;
    int sent;                /* the request (or part of it) went out */
    int once;                /* it may have changed state: never retryable once sent */
    const char *errbuf;      /* libcurl's message, "" for none */
    /* the headers read (each "" when absent); fetch_headers, when not
     * NULL, fills them first, and is called only when a failure needs them */
    const char *request_id, *error_code, *trace_id, *retry_after;
    void (*fetch_headers)(const struct sops_response *r);
    void *ud;
} sops_response;

/* Pushes value, nil, response or nil, message, err; returns 3. The answer
 * is decoded at most max_depth deep; the secrets (n, NULL entries skipped)
 * are scrubbed from every string of an error; scratch is a work buffer. */
int sops_response_push(lua_State *L, const sops_response *r, const char *api, int max_depth, sops_buf *scratch,
                       const char *const *secrets, int n);

/* Seconds from a Retry-After value: a number of seconds, or an HTTP date
 * (then counted from now, never below 0); -1 when it is neither. */
double sops_retry_after(const char *value);

#endif
