/* libFuzzer harness: the JSON decoder on any bytes, and for what it
 * accepts, a round trip through the encoder: decode(encode(v)) must be v.
 * The encoder may refuse only what JSON from a server can hold and a
 * request cannot (invalid UTF-8, numbers that overflowed to infinity,
 * nesting at the limit); invalid UTF-8 only when the input was not UTF-8
 * (a lone \ud800 escape is valid JSON, and encodes back). */
#include <stdint.h>
#include <string.h>

#include "../../csrc/json.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_state();
    int top = lua_gettop(L);
    char err[96];
    const char *eerr = NULL;
    sops_buf out = {NULL, 0, 0};
    char *buf = malloc(size + 1); /* the decoder wants a NUL after the text */
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    if (sops_json_decode(L, buf, size, 0, err, sizeof err)) {
        FUZZ_CHECK(lua_gettop(L) == top + 1);
        if (sops_json_encode(L, -1, &out, &eerr)) {
            FUZZ_CHECK(sops_json_decode(L, out.data, out.len, 0, err, sizeof err));
            FUZZ_CHECK(deep_equal(L, -2, -1, 0));
        } else {
            FUZZ_CHECK(strstr(eerr, "NaN or infinity") || strstr(eerr, "too deep")
                       || (strstr(eerr, "UTF-8") && !sops_utf8_valid(buf, size)));
        }
    } else {
        FUZZ_CHECK(lua_gettop(L) == top); /* nothing left behind */
        FUZZ_CHECK(strlen(err) > 0);
    }
    lua_settop(L, top);
    sops_buf_free(&out);
    free(buf);
    return 0;
}
