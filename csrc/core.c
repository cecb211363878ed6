/* luaopen_sops_core: the module table of the C core. */
#include <curl/curl.h>

#include "catalog.h"
#include "client.h"
#include "fits.h"
#include "method.h"
#include "response.h"
#include "answerhead.h"
#include "request.h"
#include "compat.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "strcache.h"
#include "listener.h"
#include "secret.h"
#include "probe.h"
#include "sys.h"

/* core.decode(s [, max_depth | options]) -> value | nil, message
 * max_depth can lower the decoder's depth limit, never raise it: the
 * decoder recurses, and SOPS_JSON_MAX_DEPTH is what the C stack holds.
 * options: {max_depth = n, cache = false}; cache false decodes without the
 * state's string cache (neither reading it nor filling it: the same value,
 * only slower; for comparing the two, and for timing a decode with no help
 * from earlier ones). */
static int core_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Number asked = SOPS_JSON_MAX_DEPTH;
    long long depth = SOPS_JSON_MAX_DEPTH;
    int cache = 1;
    char err[96];
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_getfield(L, 2, "max_depth");
        if (!lua_isnil(L, -1)) {
            luaL_argcheck(L, lua_type(L, -1) == LUA_TNUMBER, 2, "max_depth: a number expected");
            asked = lua_tonumber(L, -1);
        }
        lua_getfield(L, 2, "cache");
        cache = lua_isnil(L, -1) || lua_toboolean(L, -1);
        lua_pop(L, 2);
    } else if (!lua_isnoneornil(L, 2)) {
        asked = luaL_checknumber(L, 2);
    }
    luaL_argcheck(L, asked >= 1, 2, "positive number expected");
    sops_number_to_int(asked, 1, SOPS_JSON_MAX_DEPTH, &depth); /* larger: the limit stands */
    if (sops_json_decode_with(L, s, len, (int)depth, cache, err, sizeof err))
        return 1;
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

/* core.encode(v) -> string; raises on values JSON cannot hold */
/* core.encode(value [, {order_key = NAME}]): with order_key, a table whose
 * metatable has that field (a list of keys) is an object written in that
 * order (sops_json_encode_ordered). */
static int core_encode(lua_State *L)
{
    sops_buf b = {NULL, 0, 0};
    const char *err = NULL, *order_key = NULL;
    int ok;
    luaL_checkany(L, 1);
    lua_settop(L, 2);
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "order_key");
        luaL_argcheck(L, lua_isnil(L, 3) || lua_type(L, 3) == LUA_TSTRING, 2, "order_key: a string expected");
        order_key = lua_tostring(L, 3); /* stays on the stack, so stays valid */
    }
    /* nothing below raises while b holds memory: the buffer is freed first */
    ok = sops_json_encode_ordered(L, 1, order_key, &b, &err);
    if (ok)
        lua_pushlstring(L, b.data ? b.data : "", b.len);
    sops_buf_free(&b);
    if (!ok)
        return luaL_error(L, "bad argument #1 to 'encode' (%s)", err);
    return 1;
}

/* core.head(buf [, from]): the HTTP answer head starting at buf's byte
 * `from` (default 1): status, 1 for HTTP/1.1 (else 0), the index of the
 * head's last byte, Content-Length (nil without one, false when bad),
 * chunked, close; or nil and "more", "too long" or "not an HTTP answer". */
static int core_head(lua_State *L)
{
    size_t n;
    const char *buf = luaL_checklstring(L, 1, &n);
    lua_Integer from = luaL_optinteger(L, 2, 1);
    sops_answer_head h;
    int rc;
    luaL_argcheck(L, from >= 1 && (size_t)from <= n + 1, 2, "out of range");
    rc = sops_answer_head_parse(buf + from - 1, n - (size_t)(from - 1), &h);
    if (rc != SOPS_AH_DONE) {
        lua_pushnil(L);
        lua_pushstring(L, rc == SOPS_AH_MORE ? "more" : rc == SOPS_AH_TOO_LONG ? "too long" : "not an HTTP answer");
        return 2;
    }
    lua_pushinteger(L, h.status);
    lua_pushinteger(L, h.minor);
    lua_pushinteger(L, from - 1 + (lua_Integer)h.len);
    if (h.length == -1)
        lua_pushnil(L);
    else if (h.length == -2)
        lua_pushboolean(L, 0);
    else
        lua_pushnumber(L, (lua_Number)h.length);
    lua_pushboolean(L, h.chunked);
    lua_pushboolean(L, h.close);
    return 6;
}

/* curl_global_init once per process: the only mutable global. */
static int curl_ready = 0;

int luaopen_sops_core(lua_State *L);
int luaopen_sops_core(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"new", sops_client_new},
        {"call", sops_client_call},
        {"method", sops_method_new},
        {"is_method", sops_method_is},
        {"set_direct", sops_client_set_direct},
        {"build", sops_client_build},
        {"request", sops_client_request},
        {"answer", sops_client_answer},
        {"wire", sops_client_wire},
        {"head", core_head},
        {"register", sops_catalog_register},
        {"define", sops_catalog_define},
        {"plan", sops_plan},
        {"fits", sops_fits},
        {"decode", core_decode},
        {"decode_cache", sops_strcache_lua},
        {"encode", core_encode},
        {"new_error", sops_error_new},
        {"fail", sops_error_fail},
        {"set_root", sops_set_root},
        {"id", sops_id_lua},
        {"sleep", sops_sleep},
        {"monotime", sops_monotime},
        {"time", sops_time},
        {"isatty", sops_isatty},
        {"term_size", sops_term_size},
        {"read_owned", sops_read_owned},
        {"replace_file", sops_replace_file},
        {"probe", sops_probe},
        {"no_core_dumps", sops_no_core_dumps},
        {"guard_terminal", sops_guard_terminal},
        {"listen", sops_listener_new},
        {"random_hex", sops_random_hex},
        {"secret_equal", sops_secret_equal},
        {NULL, NULL},
    };
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return luaL_error(L, "sops: curl_global_init failed");
        curl_ready = 1;
    }
    sops_error_open(L);
    sops_json_open(L);
    sops_listener_open(L);
    luaL_newmetatable(L, SOPS_ARRAY_MT);
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__jsontype");
    lua_pop(L, 1);

    luaL_newlib(L, funcs);
    sops_client_open(L);
    lua_setfield(L, -2, "client_methods");
    luaL_getmetatable(L, SOPS_ARRAY_MT);
    lua_setfield(L, -2, "array_mt");
    luaL_getmetatable(L, SOPS_ERROR_MT);
    lua_setfield(L, -2, "error_mt");
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    /* libcurl's version number, for bksops --version: curl_version_info's
     * (curl_version()'s long text would start LDAP and SASL to name their
     * versions, about a tenth of loading this module) */
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "curl_version");
    lua_pushinteger(L, SOPS_MAX_PARALLEL);
    lua_setfield(L, -2, "MAX_PARALLEL");
    lua_pushinteger(L, SOPS_ANSWER_HEAD_MAX);
    lua_setfield(L, -2, "ANSWER_HEAD_MAX");
    lua_pushinteger(L, SOPS_ANSWER_LINE_MAX);
    lua_setfield(L, -2, "ANSWER_LINE_MAX");
    {
        int i;
        lua_createtable(L, 0, SOPS_H_COUNT);
        for (i = 0; i < SOPS_H_COUNT; i++) {
            lua_pushstring(L, SOPS_ANSWER_HEADERS[i]);
            lua_pushstring(L, SOPS_ANSWER_FIELDS[i]);
            lua_settable(L, -3);
        }
        lua_setfield(L, -2, "ANSWER_HEADERS");
    }
    return 1;
}
