/* libFuzzer harness: the callback listener's request head parser. Whatever
 * the bytes, it answers 0, 1 or a refusal status; a head it accepts lies
 * within the bytes, ends in CRLFCRLF, holds its request target, and a body
 * it asks for is within the bound; its method is upper-case letters and its
 * target visible ASCII.
 *
 * Input: byte 0 picks the body bound (0..255 times 257 bytes), the rest is
 * what a sender wrote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/httphead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sops_http_head h;
    size_t max_body, len, i;
    const char *buf;
    int r;
    if (size < 1)
        return 0;
    max_body = (size_t)data[0] * 257;
    buf = (const char *)data + 1;
    len = size - 1;
    r = sops_http_head_parse(buf, len, max_body, &h);
    if (r == 0) {
        if (len >= SOPS_HEAD_MAX)
            abort();
        return 0;
    }
    if (r != 1) {
        if (r != 400 && r != 411 && r != 413 && r != 431)
            abort();
        return 0;
    }
    if (h.head < 4 || h.head > len || h.head > SOPS_HEAD_MAX || memcmp(buf + h.head - 4, "\r\n\r\n", 4) != 0)
        abort();
    if (h.target_len == 0 || h.target_off + h.target_len > h.head || h.length > max_body)
        abort();
    for (i = 0; i < h.target_len; i++) {
        char ch = buf[h.target_off + i];
        if (ch < 0x21 || ch > 0x7e)
            abort();
    }
    for (i = 0; h.method[i]; i++) {
        if (h.method[i] < 'A' || h.method[i] > 'Z')
            abort();
    }
    if (i == 0 || strlen(h.content_type) >= sizeof h.content_type)
        abort();
    return 0;
}
