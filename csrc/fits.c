#include <string.h>

#include "client.h"
#include "fits.h"
#include "ids.h"

/* A plan is a Lua table: plan[field] = kind | REQUIRED for each field the
 * call takes, plan[1] = how many are required, plan[2] = flags, plan[3] =
 * the set of its actions, if it has one. */
enum { K_SLOW, K_ID, K_COUNT, K_INTEGER, K_STRING, K_BOOLEAN, K_NUMBER, K_OBJECT, K_ANY, K_MASK = 15 };
#define REQUIRED 16
enum { F_SCOPED = 1, F_OPEN = 2, F_NEVER = 4 };

/* the kinds of sops.check, and those the Lua layer must see (lists and
 * id lists are reshaped, a traceparent is not sent as a field, a receiver
 * is the Lua layer's own) */
static const struct {
    const char *name;
    int kind;
} KINDS[] = {{"id", K_ID},           {"count", K_COUNT},   {"integer", K_INTEGER}, {"string", K_STRING},
             {"boolean", K_BOOLEAN}, {"number", K_NUMBER}, {"object", K_OBJECT},   {"any", K_ANY},
             {"list", K_SLOW},       {"ids", K_SLOW},      {"traceparent", K_SLOW}, {"receiver", K_SLOW}};

static int kind_of(lua_State *L, const char *field, const char *name)
{
    size_t i;
    for (i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (strcmp(KINDS[i].name, name) == 0)
            return KINDS[i].kind;
    }
    return luaL_error(L, "bad argument #1 to 'plan' (field '%s': unknown kind '%s')", field, name);
}

/* Marks every field named in the table spec[k] (a set, or with
 * list = 1 a list of {name = ...}) as the Lua layer's. */
static void mark_slow(lua_State *L, int plan, const char *k, int list)
{
    lua_getfield(L, 1, k);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (list)
            lua_getfield(L, -1, "name");
        else
            lua_pushvalue(L, -2);
        lua_pushinteger(L, K_SLOW);
        lua_rawset(L, plan);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

int sops_plan(lua_State *L)
{
    int plan, required = 0, flags = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_newtable(L);
    plan = lua_gettop(L);
    lua_getfield(L, 1, "fields");
    luaL_argcheck(L, lua_type(L, -1) == LUA_TTABLE, 1, "fields expected");
    if (lua_getmetatable(L, -1)) { /* any field goes (sops.api's OPEN) */
        flags |= F_OPEN;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        const char *field, *name;
        int code;
        luaL_argcheck(L, lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE, 1, "bad field");
        field = lua_tostring(L, -2);
        lua_rawgeti(L, -1, 1);
        name = lua_tostring(L, -1);
        code = kind_of(L, field, name ? name : "?");
        lua_rawgeti(L, -2, 2);
        if (lua_toboolean(L, -1)) {
            code |= REQUIRED;
            required++;
        }
        lua_pop(L, 3);
        lua_pushvalue(L, -1);
        lua_pushinteger(L, code);
        lua_rawset(L, plan);
    }
    lua_pop(L, 1);
    mark_slow(L, plan, "local_fields", 0);
    mark_slow(L, plan, "reshape", 1);
    lua_getfield(L, 1, "scoped");
    if (lua_toboolean(L, -1))
        flags |= F_SCOPED;
    lua_getfield(L, 1, "fixed");
    if (!lua_isnil(L, -1))
        flags |= F_NEVER; /* fields to add: the Lua layer copies the table */
    lua_pop(L, 2);
    lua_getfield(L, 1, "actions");
    if (lua_type(L, -1) == LUA_TTABLE)
        lua_rawseti(L, plan, 3);
    else
        lua_pop(L, 1);
    lua_pushinteger(L, required);
    lua_rawseti(L, plan, 1);
    lua_pushinteger(L, flags);
    lua_rawseti(L, plan, 2);
    return 1;
}

/* Whether the value at idx is of kind k, as sops.check.mismatch finds it. */
static int kind_fits(lua_State *L, int idx, int k)
{
    switch (k) {
    case K_ID: {
        lua_Integer id;
        char why[SOPS_ID_WHY];
        return sops_id_read(L, idx, &id, why);
    }
    case K_COUNT:
        return lua_isinteger(L, idx) && lua_tonumber(L, idx) > 0;
    case K_INTEGER:
        return lua_isinteger(L, idx) && lua_tonumber(L, idx) >= 0;
    case K_STRING:
        return lua_type(L, idx) == LUA_TSTRING;
    case K_BOOLEAN:
        return lua_type(L, idx) == LUA_TBOOLEAN;
    case K_NUMBER: {
        lua_Number n = lua_tonumber(L, idx);
        return lua_type(L, idx) == LUA_TNUMBER && n == n;
    }
    case K_OBJECT:
        return lua_type(L, idx) == LUA_TTABLE;
    case K_ANY:
        return 1;
    default:
        return 0;
    }
}

int sops_args_fit(lua_State *L, int plan, int client, int args)
{
    int flags, required, seen = 0, has_biz;
    if (!sops_client_ready(L, client, &has_biz) || lua_type(L, args) != LUA_TTABLE)
        return 0;
    if (lua_getmetatable(L, args))
        return 0; /* (what __index or __pairs would make of it is the Lua layer's to see) */
    lua_rawgeti(L, plan, 1);
    lua_rawgeti(L, plan, 2);
    required = (int)lua_tointeger(L, -2);
    flags = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    if (flags & F_NEVER)
        return 0;
    lua_pushnil(L);
    while (lua_next(L, args)) {
        int code;
        if (lua_type(L, -2) != LUA_TSTRING)
            return 0;
        lua_pushvalue(L, -2);
        lua_rawget(L, plan);
        if (lua_isnil(L, -1))
            code = (flags & F_OPEN) ? K_ANY : K_SLOW;
        else
            code = (int)lua_tointeger(L, -1);
        if (!kind_fits(L, -2, code & K_MASK))
            return 0;
        if (code & REQUIRED)
            seen++;
        lua_pop(L, 2);
    }
    if (seen != required)
        return 0;
    if ((flags & F_SCOPED) && !has_biz) {
        lua_getfield(L, args, "bk_biz_id");
        if (lua_isnil(L, -1))
            return 0;
        lua_pop(L, 1);
    }
    lua_rawgeti(L, plan, 3);
    if (!lua_isnil(L, -1)) {
        lua_getfield(L, args, "action");
        if (lua_type(L, -1) != LUA_TSTRING)
            return 0;
        lua_rawget(L, -2);
        return lua_toboolean(L, -1);
    }
    return 1;
}

int sops_fits(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 3);
    lua_pushboolean(L, sops_args_fit(L, 1, 2, 3));
    return 1;
}
