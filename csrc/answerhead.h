/* The head of an HTTP/1.x answer, as the cosocket transport (sops.cosocket)
 * reads it: the status line and the framing headers on the hot path, the
 * headers the classifier reads (SOPS_ANSWER_HEADERS) only when a failure
 * needs them. Pure functions of the bytes, so that they can be fuzzed on
 * their own (spec/fuzz/answer_head.c). */
#ifndef SOPS_ANSWERHEAD_H
#define SOPS_ANSWERHEAD_H

#include <stddef.h>

/* libcurl's bounds on an answer's head, which the cosocket transport keeps
 * too: one line, and all the header lines of an exchange together
 * (informational answers included). */
#define SOPS_ANSWER_LINE_MAX (100 * 1024)
#define SOPS_ANSWER_HEAD_MAX (300 * 1024)

enum {
    SOPS_AH_DONE = 1,      /* a whole head: *h filled in */
    SOPS_AH_MORE = 0,      /* no blank line yet: read more */
    SOPS_AH_TOO_LONG = -1, /* a line over SOPS_ANSWER_LINE_MAX */
    SOPS_AH_NOT_HTTP = -2  /* no "HTTP/d.d ddd" status line */
};

typedef struct {
    int status;          /* 100..999 */
    int minor;           /* 1 for HTTP/1.1 and later 1.x, else 0 */
    size_t len;          /* the head's length, its blank line included */
    long long length;    /* Content-Length; -1 without one, -2 when it is no decimal number or given twice */
    int chunked;         /* Transfer-Encoding names chunked */
    int close;           /* Connection names close */
} sops_answer_head;

/* Reads the head at the start of buf[0, n). Lines end in LF or CRLF. */
int sops_answer_head_parse(const char *buf, size_t n, sops_answer_head *h);

/* The value of the header `name` (case-insensitive) in the head at the
 * start of buf[0, n) (which parsed), trimmed, its repeats joined by ", ",
 * cut to fit out[0, size); "" when absent. */
void sops_answer_head_value(const char *buf, size_t n, const char *name, char *out, size_t size);

#endif
