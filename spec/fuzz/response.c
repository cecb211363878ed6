/* libFuzzer harness: the classification of an answer (how the transfer
 * ended, status, the headers lua-sops reads, body) into value, response
 * or nil, err. Whatever the bytes, it returns three values: value, nil,
 * response or nil, message, err, where err is a table with a string kind
 * and message, and no secret survives in either.
 *
 * Input: byte 0-1 the status, byte 2 how the transfer ended, byte 3 flags,
 * then four header values separated by '\n' (request id, error code, trace
 * id, Retry-After), a '\n', and the body. */
#include <stdint.h>
#include <string.h>

#include "../../csrc/response.h"
#include "common.h"

static const char *const SECRETS[] = {"fuzz-app-secret", "fuzz-token"};

static const sops_outcome ENDINGS[] = {
    SOPS_ANSWERED, SOPS_TIMED_OUT, SOPS_TLS_FAILED, SOPS_TOO_LARGE, SOPS_BROKEN,
};

/* The next '\n'-terminated field of [*p, end), NUL-terminated in place. */
static const char *field(char **p, char *end)
{
    char *start = *p, *nl = memchr(start, '\n', (size_t)(end - start));
    if (nl == NULL)
        return "";
    *nl = '\0';
    *p = nl + 1;
    return start;
}

/* Whether a string at idx holds a secret. */
static int leaks(lua_State *L, int idx)
{
    const char *s;
    size_t i;
    if (lua_type(L, idx) != LUA_TSTRING)
        return 0;
    s = lua_tostring(L, idx);
    for (i = 0; i < sizeof SECRETS / sizeof SECRETS[0]; i++)
        if (strstr(s, SECRETS[i]))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_state();
    int top = lua_gettop(L);
    sops_response r;
    sops_buf scratch = {NULL, 0, 0};
    char *buf, *p, *end;
    if (size < 4)
        return 0;
    buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    memset(&r, 0, sizeof r);
    r.status = ((long)data[0] << 8 | data[1]) % 600;
    r.outcome = data[2] < 200 ? SOPS_ANSWERED : ENDINGS[data[2] % (sizeof ENDINGS / sizeof ENDINGS[0])];
    r.once = data[3] & 1;
    r.sent = (data[3] >> 1) & 1;
    if ((data[3] >> 2) & 1)
        r.outcome = SOPS_TOO_LARGE;
    r.max_body = 1 << 20;
    r.detail = (data[3] & 8) ? "Recv failure: fuzz-token in libcurl's words" : "";
    p = buf + 4;
    end = buf + size;
    r.request_id = field(&p, end);
    r.error_code = field(&p, end);
    r.trace_id = field(&p, end);
    r.retry_after = field(&p, end);
    r.body = p;
    r.len = (size_t)(end - p);

    FUZZ_CHECK(sops_response_push(L, &r, "get_task_status", 0, &scratch, SECRETS, 2) == 3);
    FUZZ_CHECK(lua_gettop(L) >= top + 3);
    if (lua_isnil(L, -3)) {
        FUZZ_CHECK(lua_type(L, -2) == LUA_TSTRING);
        FUZZ_CHECK(!leaks(L, -2));
        FUZZ_CHECK(lua_type(L, -1) == LUA_TTABLE);
        lua_getfield(L, -1, "kind");
        FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING);
        lua_pop(L, 1);
        lua_getfield(L, -1, "message");
        FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING);
        FUZZ_CHECK(!leaks(L, -1));
        lua_pop(L, 1);
        lua_getfield(L, -1, "retry_after");
        FUZZ_CHECK(lua_isnil(L, -1) || (lua_tonumber(L, -1) >= 0 && lua_tonumber(L, -1) <= 1e9));
        lua_pop(L, 1);
        lua_getfield(L, -1, "detail");
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                FUZZ_CHECK(!leaks(L, -1) && !leaks(L, -2));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    } else {
        FUZZ_CHECK(r.outcome == SOPS_ANSWERED && r.status >= 200 && r.status <= 299);
        FUZZ_CHECK(lua_isnil(L, -2));
        FUZZ_CHECK(lua_type(L, -1) == LUA_TTABLE);
    }
    lua_settop(L, top);
    sops_buf_free(&scratch);
    free(buf);
    return 0;
}
