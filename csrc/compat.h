/* Lua 5.1-5.4 and LuaJIT: the few API differences lua-sops meets. */
#ifndef SOPS_COMPAT_H
#define SOPS_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#include "numeric.h"

#if LUA_VERSION_NUM < 502
#ifndef LUA_OK
#define LUA_OK 0
#endif
#define lua_rawlen(L, i) lua_objlen((L), (i))
#ifndef lua_absindex /* LuaJIT 2.1 has the 5.2 auxiliary functions */
#define lua_absindex(L, i) \
    (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#endif
#ifndef luaL_newlib
#define luaL_newlib(L, l) (lua_newtable(L), sops_setfuncs((L), (l)))
#define luaL_setfuncs(L, l, nup) sops_setfuncs((L), (l))
static inline void sops_setfuncs(lua_State *L, const luaL_Reg *l)
{
    for (; l->name != NULL; l++) {
        lua_pushcfunction(L, l->func);
        lua_setfield(L, -2, l->name);
    }
}
#endif
#endif

/* t[p], raw, for the table at idx and a light userdata key p (the address
 * of a static of ours): lua_rawgetp and lua_rawsetp (the value on the top
 * of the stack, popped) where the Lua in use has them. */
#if LUA_VERSION_NUM < 502
static inline void sops_rawgetp(lua_State *L, int idx, const void *p)
{
    idx = lua_absindex(L, idx);
    lua_pushlightuserdata(L, (void *)p);
    lua_rawget(L, idx);
}
static inline void sops_rawsetp(lua_State *L, int idx, const void *p)
{
    idx = lua_absindex(L, idx);
    lua_pushlightuserdata(L, (void *)p);
    lua_insert(L, -2);
    lua_rawset(L, idx);
}
#else
#define sops_rawgetp(L, idx, p) ((void)lua_rawgetp((L), (idx), (p)))
#define sops_rawsetp(L, idx, p) lua_rawsetp((L), (idx), (p))
#endif

/* A C function may call Lua code that yields (a cosocket, a hook in a
 * coroutine) where lua_callk takes a continuation as 5.3's does; before
 * 5.3 (and in LuaJIT) such a yield fails across the C function. */
#if LUA_VERSION_NUM >= 503
#define SOPS_HAVE_CALLK 1
#endif

#if LUA_VERSION_NUM < 503
/* Before 5.3 every number is a float; an integral one in the range of
 * lua_Integer counts as an integer. */
static inline int sops_isinteger(lua_State *L, int i)
{
    lua_Number n;
    long long v;
    if (lua_type(L, i) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, i);
    return sops_number_to_ll(n, &v) && (lua_Number)v == n;
}
#define lua_isinteger(L, i) sops_isinteger((L), (i))
#endif

#endif
