#include <string.h>

#include "errors.h"
#include "method.h"
#include "redact.h"

static int alnum(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

void sops_scrub_push(lua_State *L, const char *s, size_t len, const char *const *secrets, int n)
{
    luaL_Buffer b;
    size_t i = 0, run = 0;
    luaL_buffinit(L, &b);
    while (i < len) {
        int j, hit = 0;
        for (j = 0; j < n; j++) {
            const char *sec = secrets[j];
            size_t sl = sec ? strlen(sec) : 0;
            if (sl > 0 && sl <= len - i && memcmp(s + i, sec, sl) == 0
                && (sl >= SOPS_REDACT_SHORT
                    || ((i == 0 || !alnum((unsigned char)s[i - 1]))
                        && (i + sl == len || !alnum((unsigned char)s[i + sl]))))) {
                luaL_addlstring(&b, s + run, i - run);
                luaL_addstring(&b, "***");
                i += sl;
                run = i;
                hit = 1;
                break;
            }
        }
        if (!hit)
            i++;
    }
    luaL_addlstring(&b, s + run, len - run);
    luaL_pushresult(&b);
}

/* Pushes a copy of the value at idx with the secrets scrubbed from every
 * string in it, keys included; depth bounds the copy of nested tables
 * (deeper ones become the string "..."). */
void sops_scrub_copy_push(lua_State *L, int idx, const char *const *secrets, int n, int depth)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        sops_scrub_push(L, s, len, secrets, n);
        return;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        lua_pushvalue(L, idx);
        return;
    }
    if (depth <= 0 || !lua_checkstack(L, 6)) {
        lua_pushliteral(L, "...");
        return;
    }
    lua_newtable(L);
    if (lua_getmetatable(L, idx)) /* keeps sops.array marks */
        lua_setmetatable(L, -2);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        sops_scrub_copy_push(L, -2, secrets, n, depth - 1);
        sops_scrub_copy_push(L, -2, secrets, n, depth - 1);
        lua_rawset(L, -5);
        lua_pop(L, 1);
    }
}

/* Sets field k of the table on top to v scrubbed of the secrets, unless
 * v is NULL or empty. (Every string a server sent is scrubbed: a hostile
 * one may echo a secret back in a header as well as in a body.) */
static void set_string(lua_State *L, const char *k, const char *v, const char *const *secrets, int n)
{
    if (v && *v) {
        sops_scrub_push(L, v, strlen(v), secrets, n);
        lua_setfield(L, -2, k);
    }
}

void sops_error_push(lua_State *L, const sops_error *e, const char *const *secrets, int n)
{
    int detail = e->detail ? lua_absindex(L, e->detail) : 0;
    int code_idx = e->code_idx ? lua_absindex(L, e->code_idx) : 0;
    const char *msg = e->message ? e->message : e->kind;
    lua_createtable(L, 0, 12);
    lua_pushstring(L, e->kind);
    lua_setfield(L, -2, "kind");
    sops_scrub_push(L, msg, strlen(msg), secrets, n);
    lua_setfield(L, -2, "message");
    if (e->has_code) {
        lua_pushinteger(L, e->code);
        lua_setfield(L, -2, "code");
    } else if (code_idx) {
        lua_pushvalue(L, code_idx);
        lua_setfield(L, -2, "code");
    }
    if (e->http_status) {
        lua_pushinteger(L, (lua_Integer)e->http_status);
        lua_setfield(L, -2, "http_status");
    }
    set_string(L, "request_id", e->request_id, secrets, n);
    set_string(L, "trace_id", e->trace_id, secrets, n);
    set_string(L, "api", e->api, secrets, 0); /* ours: the endpoint's name */
    lua_pushboolean(L, e->retryable);
    lua_setfield(L, -2, "retryable");
    if (e->retry_after >= 0) {
        lua_pushnumber(L, (lua_Number)e->retry_after);
        lua_setfield(L, -2, "retry_after");
    }
    if (e->sent >= 0) {
        lua_pushboolean(L, e->sent);
        lua_setfield(L, -2, "sent");
    }
    if (detail) {
        sops_scrub_copy_push(L, detail, secrets, n, 32);
        lua_setfield(L, -2, "detail");
    }
    luaL_getmetatable(L, SOPS_ERROR_MT);
    lua_setmetatable(L, -2);
}

/* "sops: <api>: api error 3540400: <message> (HTTP 200, request_id ...)"
 * of the error table at idx. */
void sops_error_message_push(lua_State *L, int idx)
{
    luaL_Buffer b;
    int extra = 0;
    idx = lua_absindex(L, idx);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "sops: ");
    lua_getfield(L, idx, "api");
    if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pushliteral(L, ": ");
        lua_concat(L, 2);
        luaL_addvalue(&b);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, idx, "kind");
    if (lua_type(L, -1) == LUA_TSTRING)
        luaL_addvalue(&b);
    else {
        lua_pop(L, 1);
        luaL_addstring(&b, "unknown");
    }
    luaL_addstring(&b, " error");
    lua_getfield(L, idx, "code");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        lua_pushfstring(L, " %s", lua_tostring(L, -1));
        lua_remove(L, -2);
        luaL_addvalue(&b);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, idx, "message");
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_addstring(&b, ": ");
        luaL_addvalue(&b);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, idx, "http_status");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        lua_pushfstring(L, " (HTTP %s", lua_tostring(L, -1));
        lua_remove(L, -2);
        luaL_addvalue(&b);
        extra = 1;
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, idx, "request_id");
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_addstring(&b, extra ? ", request_id " : " (request_id ");
        luaL_addvalue(&b);
        extra = 1;
    } else {
        lua_pop(L, 1);
    }
    if (extra)
        luaL_addchar(&b, ')');
    luaL_pushresult(&b);
}

static int error_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    sops_error_message_push(L, 1);
    return 1;
}

int sops_error_return(lua_State *L, const sops_error *e, const char *const *secrets, int n)
{
    lua_pushnil(L);
    sops_error_push(L, e, secrets, n);
    sops_error_message_push(L, -1);
    lua_insert(L, -2);
    return 3;
}

/* Pushes operand i of a concatenation as a string: an error through its
 * tostring, a string or number as Lua would write it. */
static void concat_part(lua_State *L, int i)
{
    int t = lua_type(L, i), is_error = 0;
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        lua_pushvalue(L, i);
        lua_tostring(L, -1); /* converts the copy, not the operand */
        return;
    }
    if (lua_getmetatable(L, i)) {
        luaL_getmetatable(L, SOPS_ERROR_MT);
        is_error = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    if (!is_error)
        luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
    lua_pushcfunction(L, error_tostring);
    lua_pushvalue(L, i);
    lua_call(L, 1, 1);
}

/* "failed: " .. err and err .. "": an error joins strings as its tostring
 * does, as the string errors of LuaSocket and lua-resty-http do. */
static int error_concat(lua_State *L)
{
    concat_part(L, 1);
    concat_part(L, 2);
    lua_concat(L, 2);
    return 1;
}

void sops_error_open(lua_State *L)
{
    if (luaL_newmetatable(L, SOPS_ERROR_MT)) {
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, error_concat);
        lua_setfield(L, -2, "__concat");
        lua_pushliteral(L, "sops.error");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}

int sops_error_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_getmetatable(L, SOPS_ERROR_MT);
    lua_setmetatable(L, 1);
    return 1;
}

int sops_error_fail(lua_State *L)
{
    sops_error_new(L);
    lua_pushnil(L);
    sops_error_message_push(L, 1);
    lua_pushvalue(L, 1);
    return 3;
}

#define SOPS_ROOT_KEY "sops.root"

int sops_set_root(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, SOPS_ROOT_KEY);
    return 0;
}

void sops_where(lua_State *L)
{
    lua_Debug ar;
    int level, lead = 1;
    size_t rl = 0;
    const char *root;
    lua_getfield(L, LUA_REGISTRYINDEX, SOPS_ROOT_KEY);
    root = lua_tolstring(L, -1, &rl); /* (the registry keeps it alive) */
    lua_pop(L, 1);
    for (level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "S", &ar);
        if (ar.what[0] == 'C') {
            int mine;
            if (lead)
                continue; /* the core's own */
            lua_getinfo(L, "f", &ar);
            mine = sops_method_at(L, -1); /* a method passing its call to the Lua layer */
            lua_pop(L, 1);
            if (mine)
                continue;
            break;
        }
        lead = 0;
        if (strcmp(ar.what, "tail") == 0)
            continue;
        if (root && rl > 0 && strncmp(ar.source, root, rl) == 0)
            continue;
        break;
    }
    luaL_where(L, level);
}
