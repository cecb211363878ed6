/* libFuzzer harness: the cosocket transport's answer head parser
 * (csrc/answerhead.c). Whatever the bytes, it answers done, more, too long
 * or not HTTP; a head it accepts lies within the bytes, starts with a status
 * line and ends in a blank line; a prefix of bytes it accepts is never
 * refused as not HTTP; the header values it gives (the classifier's, read
 * lazily) fit their buffer, end in a NUL and hold no line end and no
 * leading space.
 *
 * Input: what a server wrote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/answerhead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"x-bkapi-request-id", "retry-after", "content-length", "x"};
    const char *buf = (const char *)data;
    sops_answer_head h, p;
    char out[16];
    size_t i;
    int r = sops_answer_head_parse(buf, size, &h);
    if (r != SOPS_AH_DONE && r != SOPS_AH_MORE && r != SOPS_AH_TOO_LONG && r != SOPS_AH_NOT_HTTP)
        abort();
    if (r != SOPS_AH_DONE)
        return 0;
    if (h.len < 14 || h.len > size || memcmp(buf, "HTTP/", 5) != 0 || buf[h.len - 1] != '\n')
        abort();
    if (!(buf[h.len - 2] == '\n' || (buf[h.len - 2] == '\r' && buf[h.len - 3] == '\n')))
        abort();
    if (h.status < 100 || h.status > 999 || (h.minor != 0 && h.minor != 1) || h.length < -2)
        abort();
    /* a head cut short is never refused: more bytes may make it whole */
    for (i = 0; i < h.len; i += 1 + i / 8) {
        int q = sops_answer_head_parse(buf, i, &p);
        if (q == SOPS_AH_NOT_HTTP || q == SOPS_AH_DONE)
            abort();
    }
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k;
        sops_answer_head_value(buf, h.len, names[i], out, sizeof out);
        k = strlen(out);
        if (k >= sizeof out || memchr(out, '\n', k) || (k > 0 && out[0] == ' '))
            abort();
    }
    return 0;
}
