/* libFuzzer harness: the JSON decoder on any bytes.
 *
 * Each input is decoded without the state's string cache, then twice with
 * it (the second time its strings come from the cache, and its containers
 * are made at the sizes the first decode remembered): the three must agree,
 * all refused with the same message or all equal all the way down, integers
 * as integers and empty arrays marked alike. The cache stays across inputs,
 * full of earlier inputs' strings, so that hits, misses and evictions mix;
 * every 100th input it is dropped, and the next decode makes a new one, as
 * small as a new state's (the Makefile builds the harnesses with a cache
 * that starts at 32 slots, so that decodes make it grow often).
 *
 * For what it accepts, a round trip through the encoder: decode(encode(v))
 * must be v (as Lua compares them: 1e2 comes back as the integer 100). The encoder may refuse only what JSON from a server can hold
 * and a request cannot (invalid UTF-8, numbers that overflowed to infinity,
 * nesting at the limit); invalid UTF-8 only when the input was not UTF-8
 * (a lone \ud800 escape is valid JSON, and encodes back). */
#include <stdint.h>
#include <string.h>

#include "../../csrc/json.h"
#include "../../csrc/strcache.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    lua_State *L = fuzz_state();
    int top, ok;
    char err[96], err_cached[96], err_again[96];
    const char *eerr = NULL;
    sops_buf out = {NULL, 0, 0};
    char *buf = malloc(size + 1); /* the decoder wants a NUL after the text */
    if (buf == NULL)
        return 0;
    if (runs++ == 0) {
        /* the state as luaopen_sops_core makes it */
        luaL_newmetatable(L, SOPS_ARRAY_MT);
        lua_pop(L, 1);
        sops_json_open(L);
    }
    if (runs % 100 == 0) {
        lua_pushcfunction(L, sops_strcache_lua);
        lua_pushstring(L, "clear");
        lua_call(L, 1, 0);
    }
    top = lua_gettop(L);
    memcpy(buf, data, size);
    buf[size] = '\0';
    ok = sops_json_decode_with(L, buf, size, 0, 0, err, sizeof err);
    FUZZ_CHECK(ok == sops_json_decode_with(L, buf, size, 0, 1, err_cached, sizeof err_cached));
    FUZZ_CHECK(ok == sops_json_decode_with(L, buf, size, 0, 1, err_again, sizeof err_again));
    if (ok) {
        FUZZ_CHECK(lua_gettop(L) == top + 3);
        FUZZ_CHECK(deep_equal(L, top + 1, top + 2, 1, 0));
        FUZZ_CHECK(deep_equal(L, top + 1, top + 3, 1, 0));
        lua_settop(L, top + 1);
        if (sops_json_encode(L, -1, &out, &eerr)) {
            FUZZ_CHECK(sops_json_decode(L, out.data, out.len, 0, err, sizeof err));
            FUZZ_CHECK(deep_equal(L, -2, -1, 0, 0));
        } else {
            FUZZ_CHECK(strstr(eerr, "NaN or infinity") || strstr(eerr, "too deep")
                       || (strstr(eerr, "UTF-8") && !sops_utf8_valid(buf, size)));
        }
    } else {
        FUZZ_CHECK(lua_gettop(L) == top); /* nothing left behind */
        FUZZ_CHECK(strlen(err) > 0);
        FUZZ_CHECK(strcmp(err, err_cached) == 0 && strcmp(err, err_again) == 0);
    }
    lua_settop(L, top);
    sops_buf_free(&out);
    free(buf);
    return 0;
}
