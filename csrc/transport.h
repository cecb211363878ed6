/* HTTP through one reused libcurl easy handle. Its callbacks only copy bytes
 * into C buffers, or ask `cancel` whether to stop: they never call Lua, so
 * nothing can raise while libcurl is inside them. */
#ifndef SOPS_TRANSPORT_H
#define SOPS_TRANSPORT_H

#include <curl/curl.h>

#include "buffer.h"
#include "response.h"
#include "target.h"

#define SOPS_HDR_MAX 160

/* Asked while a transfer runs (libcurl's progress callback, a few times a
 * second and after a signal woke its poll): non-zero ends the transfer at
 * once (CURLE_ABORTED_BY_CALLBACK). It must not call Lua. */
typedef int (*sops_cancel_fn)(void *ctx);

typedef struct sops_transport {
    CURL *easy;
    sops_target target;      /* the URL, as libcurl takes it cheapest */
    sops_buf body;           /* response body of the last transfer */
    int mapped;              /* body.data is sops_pages' (a large body of known length), not malloc's */
    size_t max_body;         /* larger bodies abort the transfer */
    int too_large;           /* set by the callbacks when max_body was passed */
    /* the response headers lua-sops reads (SOPS_ANSWER_HEADERS, in its
     * order); valid after sops_transport_headers() */
    char header[SOPS_H_COUNT][SOPS_HDR_MAX];
    char errbuf[CURL_ERROR_SIZE];
    sops_cancel_fn cancel;   /* NULL: never */
    void *cancel_ctx;
} sops_transport;

typedef struct sops_transport_opts {
    long timeout_ms;
    long connect_timeout_ms;
    int verify_tls;
    const char *ca_file;  /* NULL: the system store */
    const char *proxy;    /* NULL: libcurl's default (environment) */
} sops_transport_opts;

/* Returns 0 when libcurl could not make a handle. */
int sops_transport_init(sops_transport *t, const sops_transport_opts *o, size_t max_body);
void sops_transport_free(sops_transport *t);

/* Frees the body when it is larger than keep bytes, or in pages of its
 * own: what a call needed for one large answer goes back when it ends. */
void sops_transport_trim(sops_transport *t, size_t keep);

/* Sets up the next request: a POST of body, or a GET when body is NULL.
 * Then the handle goes to the client's multi handle.
 * once: the request must not be sent twice. libcurl resends a request
 * silently when a reused keep-alive connection turns out dead before any
 * answer; such a request goes out on a fresh connection instead, where
 * libcurl never does. */
void sops_transport_prepare(sops_transport *t, const char *url, struct curl_slist *headers,
                            const char *body, size_t body_len, long timeout_ms, int once);

/* Whether the last transfer wrote any of its request to the network: when
 * it failed after that, the server may have acted on it. */
int sops_transport_sent(sops_transport *t);

/* The HTTP status of the last response, 0 when none arrived. */
long sops_transport_status(sops_transport *t);

/* Fills request_id, error_code, trace_id and retry_after from the last
 * response (only needed when something went wrong). */
void sops_transport_headers(sops_transport *t);

/* Copies the last response's Date header (trimmed, at most n - 1 bytes)
 * into out; 0 when there was none or this libcurl cannot say. */
int sops_transport_date(sops_transport *t, char *out, size_t n);

/* How the last transfer, which libcurl ended with rc, ended, in the
 * transport-neutral terms of response.h; and libcurl's words for it. */
sops_outcome sops_transport_outcome(const sops_transport *t, CURLcode rc);
const char *sops_transport_detail(const sops_transport *t, CURLcode rc);

#endif
