/* The classification of a finished exchange into what a call returns:
 * value, nil, response (the decoded envelope) or nil, message, err. It
 * knows no transport: libcurl's (transport.c) and the cosocket one
 * (sops.cosocket, through core.answer) each say how their exchange ended
 * as a sops_outcome. It reads no socket, only what the exchange left, so
 * that it can be fuzzed on its own (spec/fuzz/response.c). */
#ifndef SOPS_RESPONSE_H
#define SOPS_RESPONSE_H

#include "buffer.h"
#include "compat.h"

/* How an exchange ended, whichever transport carried it. */
typedef enum sops_outcome {
    SOPS_ANSWERED = 0, /* an answer came, whole */
    SOPS_TIMED_OUT,    /* the call's time ran out */
    SOPS_TLS_FAILED,   /* TLS could not be set up, or the peer not verified */
    SOPS_TOO_LARGE,    /* the body passed max_body and was cut off */
    SOPS_BROKEN        /* no connection, a reset, a cut-off or unreadable answer */
} sops_outcome;

/* The answer's headers the classifier reads: one list for both transports
 * (core.ANSWER_HEADERS gives it to sops.cosocket), each header's name and
 * the field of sops_response (and of core.answer's table) it fills. */
enum { SOPS_H_REQUEST_ID, SOPS_H_ERROR_CODE, SOPS_H_TRACE_ID, SOPS_H_RETRY_AFTER, SOPS_H_COUNT };
extern const char *const SOPS_ANSWER_HEADERS[SOPS_H_COUNT];
extern const char *const SOPS_ANSWER_FIELDS[SOPS_H_COUNT];

typedef struct sops_response {
    sops_outcome outcome;    /* how the exchange ended */
    long status;             /* HTTP status, 0: none arrived */
    const char *body;        /* the answer's body (NUL-terminated), NULL when empty */
    size_t len;
    size_t max_body;
    int sent;                /* the request (or part of it) went out */
    int once;                /* it may have changed state: never retryable once sent */
    const char *detail;      /* the transport's words for a failure, "" for none */
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
