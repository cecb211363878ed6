/* The head of an HTTP/1.x request, as the callback listener reads it: the
 * request line, Content-Length, Content-Type and Expect, with fixed bounds.
 * A pure function of the bytes, so that it can be fuzzed on its own. */
#ifndef SOPS_HTTPHEAD_H
#define SOPS_HTTPHEAD_H

#include <stddef.h>

#define SOPS_HEAD_MAX 8192 /* request line and headers, CRLFCRLF included */

typedef struct {
    char method[16];
    char content_type[256]; /* cut to fit */
    size_t target_off, target_len; /* the request target, within the head */
    size_t head;   /* the head's length, CRLFCRLF included */
    size_t length; /* Content-Length (0 without one) */
    int expect_continue;
} sops_http_head;

/* Reads the head at the start of buf[0, len): 1 when it is all there and
 * good (*h filled in), 0 when more bytes are needed, or the HTTP status to
 * refuse the request with: 400 (malformed), 411 (chunked), 413 (a body over
 * max_body), 431 (no end within SOPS_HEAD_MAX). */
int sops_http_head_parse(const char *buf, size_t len, size_t max_body, sops_http_head *h);

#endif
