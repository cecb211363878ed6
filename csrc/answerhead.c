#include <string.h>
#include <strings.h>

#include "answerhead.h"

/* The end of the line starting at p (at its LF), or NULL when end comes
 * first. */
static const char *line_end(const char *p, const char *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

/* p[0, e) without the CR of a CRLF. */
static const char *strip_cr(const char *p, const char *e)
{
    return e > p && e[-1] == '\r' ? e - 1 : e;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether the line p[0, e) is the header `name` (k bytes); *v is its value
 * then, trimmed, to *ve. */
static int header_is(const char *p, const char *e, const char *name, size_t k, const char **v, const char **ve)
{
    if ((size_t)(e - p) <= k || p[k] != ':' || strncasecmp(p, name, k) != 0)
        return 0;
    p += k + 1;
    while (p < e && is_space(*p))
        p++;
    while (e > p && is_space(e[-1]))
        e--;
    *v = p;
    *ve = e;
    return 1;
}

/* Whether v[0, ve) holds the token `word` (case-insensitive), as a
 * comma-separated list item or part of one ("chunked", "gzip, chunked"). */
static int names(const char *v, const char *ve, const char *word)
{
    size_t k = strlen(word);
    for (; (size_t)(ve - v) >= k; v++)
        if (strncasecmp(v, word, k) == 0)
            return 1;
    return 0;
}

static long long content_length(const char *v, const char *ve)
{
    long long n = 0;
    if (v == ve || ve - v > 15)
        return -2;
    for (; v < ve; v++) {
        if (*v < '0' || *v > '9')
            return -2;
        n = n * 10 + (*v - '0');
    }
    return n;
}

int sops_answer_head_parse(const char *buf, size_t n, sops_answer_head *h)
{
    const char *p = buf, *end = buf + n, *e, *le;
    int s;
    memset(h, 0, sizeof *h);
    h->length = -1;
    e = line_end(p, end);
    le = e ? strip_cr(p, e) : end;
    if (le - p >= 12 && memcmp(p, "HTTP/", 5) == 0) {
        if (p[5] < '0' || p[5] > '9' || p[6] != '.' || p[7] < '0' || p[7] > '9' || p[8] != ' ')
            return SOPS_AH_NOT_HTTP;
        for (s = 9; s < 12; s++)
            if (p[s] < '0' || p[s] > '9')
                return SOPS_AH_NOT_HTTP;
    } else if (e || (size_t)(end - p) >= 12 || memcmp(p, "HTTP/", (size_t)(end - p) < 5 ? (size_t)(end - p) : 5) != 0) {
        return SOPS_AH_NOT_HTTP;
    }
    if (!e)
        return (size_t)(end - p) > SOPS_ANSWER_LINE_MAX ? SOPS_AH_TOO_LONG : SOPS_AH_MORE;
    if ((size_t)(le - p) > SOPS_ANSWER_LINE_MAX)
        return SOPS_AH_TOO_LONG;
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    h->minor = p[5] == '1' && p[7] >= '1' ? 1 : 0;
    if (h->status < 100)
        return SOPS_AH_NOT_HTTP;
    for (p = e + 1; p < end; p = e + 1) {
        const char *v, *ve;
        e = line_end(p, end);
        if (!e)
            break;
        le = strip_cr(p, e);
        if ((size_t)(le - p) > SOPS_ANSWER_LINE_MAX)
            return SOPS_AH_TOO_LONG;
        if (le == p) {
            h->len = (size_t)(e + 1 - buf);
            return SOPS_AH_DONE;
        }
        switch (*p | 0x20) { /* most lines are none of these: one test */
        case 'c':
            if (header_is(p, le, "content-length", 14, &v, &ve))
                h->length = h->length == -1 ? content_length(v, ve) : -2;
            else if (header_is(p, le, "connection", 10, &v, &ve) && names(v, ve, "close"))
                h->close = 1;
            break;
        case 't':
            if (header_is(p, le, "transfer-encoding", 17, &v, &ve) && names(v, ve, "chunked"))
                h->chunked = 1;
            break;
        default:
            break;
        }
    }
    return (size_t)(end - p) > SOPS_ANSWER_LINE_MAX ? SOPS_AH_TOO_LONG : SOPS_AH_MORE;
}

void sops_answer_head_value(const char *buf, size_t n, const char *name, char *out, size_t size)
{
    const char *p, *end = buf + n, *e = line_end(buf, end);
    size_t k = strlen(name), used = 0;
    out[0] = '\0';
    if (size == 0 || !e)
        return;
    for (p = e + 1; p < end && (e = line_end(p, end)) != NULL; p = e + 1) {
        const char *le = strip_cr(p, e), *v, *ve;
        size_t m;
        if (le == p)
            return;
        if (!header_is(p, le, name, k, &v, &ve))
            continue;
        if (used > 0 && used + 2 < size) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        m = (size_t)(ve - v);
        if (m > size - 1 - used)
            m = size - 1 - used;
        memcpy(out + used, v, m);
        used += m;
        out[used] = '\0';
    }
}
