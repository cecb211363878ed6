#include <string.h>

#include "httphead.h"

/* Whether the n bytes at s are `lower` (n long) in any case. */
static int same_word(const char *s, const char *lower, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != lower[i])
            return 0;
    }
    return 1;
}

/* Whether the header line [s, e) is named `name` (lower case), and if so
 * where its value starts and ends (trimmed). */
static int header_is(const char *s, const char *e, const char *name, const char **vs, const char **ve)
{
    size_t n = strlen(name);
    if ((size_t)(e - s) <= n || s[n] != ':' || !same_word(s, name, n))
        return 0;
    s += n + 1;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *vs = s;
    *ve = e;
    return 1;
}

/* Whether c may be in a header name (an RFC 9110 token character). */
static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Whether the head buf[0, head) has its lines ended by CRLF only (a bare CR
 * or LF could hide a header from us that a proxy in front would see), no
 * NUL or other control byte but HT, no folded line, and every header line a
 * token name right before its colon. */
static int well_formed(const char *buf, size_t head)
{
    size_t i, line = 0;
    int first = 1;
    for (i = 0; i + 2 < head; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r') {
            if (buf[i + 1] != '\n')
                return 0;
            if (!first) {
                size_t k = line;
                if (buf[line] == ' ' || buf[line] == '\t') /* obs-fold */
                    return 0;
                while (k < i && is_tchar(buf[k]))
                    k++;
                if (k == line || k == i || buf[k] != ':')
                    return 0;
            }
            first = 0;
            i++;
            line = i + 1;
        } else if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* The end of the head (just past CRLFCRLF) within buf[0, len), or 0. */
static size_t head_end(const char *buf, size_t len)
{
    size_t i, lim = len < SOPS_HEAD_MAX ? len : SOPS_HEAD_MAX;
    for (i = 0; i + 4 <= lim; i++) {
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    }
    return 0;
}

int sops_http_head_parse(const char *buf, size_t len, size_t max_body, sops_http_head *h)
{
    const char *p = buf, *end, *eol, *sp1, *sp2, *vp;
    long long length = -1;
    size_t head = head_end(buf, len);
    if (!head)
        return len >= SOPS_HEAD_MAX ? 431 : 0;
    memset(h, 0, sizeof *h);
    h->head = head;
    if (!well_formed(buf, head))
        return 400;
    end = buf + head - 2; /* the last header line's CRLF stays inside */
    eol = memchr(p, '\r', (size_t)(end - p));
    if (!eol || eol[1] != '\n')
        return 400;
    sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof h->method)
        return 400;
    sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (!sp2 || sp2 == sp1 + 1 || (size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
        (sp2[8] != '0' && sp2[8] != '1'))
        return 400;
    for (vp = p; vp < sp1; vp++) { /* a method is a token; bk-sops sends POST */
        if (*vp < 'A' || *vp > 'Z')
            return 400;
    }
    for (vp = sp1 + 1; vp < sp2; vp++) { /* a target is visible ASCII */
        if (*vp < 0x21 || *vp > 0x7e)
            return 400;
    }
    memcpy(h->method, p, (size_t)(sp1 - p));
    h->method[sp1 - p] = '\0';
    h->target_off = (size_t)(sp1 + 1 - buf);
    h->target_len = (size_t)(sp2 - sp1 - 1);
    for (p = eol + 2; p < end; p = eol + 2) {
        const char *vs, *ve;
        eol = memchr(p, '\r', (size_t)(end - p) + 1);
        if (!eol || eol[1] != '\n')
            return 400;
        if (header_is(p, eol, "content-length", &vs, &ve)) {
            long long v = 0;
            if (vs == ve)
                return 400;
            if (ve - vs > 12)
                return 413;
            for (; vs < ve; vs++) {
                if (*vs < '0' || *vs > '9')
                    return 400;
                v = v * 10 + (*vs - '0');
            }
            if (length >= 0 && length != v)
                return 400;
            length = v;
        } else if (header_is(p, eol, "transfer-encoding", &vs, &ve)) {
            return 411;
        } else if (header_is(p, eol, "content-type", &vs, &ve)) {
            size_t n = (size_t)(ve - vs);
            if (n >= sizeof h->content_type)
                n = sizeof h->content_type - 1;
            memcpy(h->content_type, vs, n);
            h->content_type[n] = '\0';
        } else if (header_is(p, eol, "expect", &vs, &ve)) {
            h->expect_continue = ve - vs == 12 && same_word(vs, "100-continue", 12);
        }
    }
    if (length < 0)
        length = 0;
    if ((unsigned long long)length > (unsigned long long)max_body)
        return 413;
    h->length = (size_t)length;
    return 1;
}
