/* Lua 5.1-5.4 and LuaJIT: the few API differences lua-sops meets. */
#ifndef SOPS_COMPAT_H
#define SOPS_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
#define LUA_OK 0
#define lua_rawlen(L, i) lua_objlen((L), (i))
#define luaL_newlib(L, l) (lua_newtable(L), luaL_register((L), NULL, (l)))
#define lua_absindex(L, i) \
    (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
static void luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    (void)nup; /* lua-sops never uses upvalues */
    for (; l->name != NULL; l++) {
        lua_pushcfunction(L, l->func);
        lua_setfield(L, -2, l->name);
    }
}
static void *luaL_testudata(lua_State *L, int i, const char *tname)
{
    void *p = lua_touserdata(L, i);
    if (p == NULL || !lua_getmetatable(L, i))
        return NULL;
    luaL_getmetatable(L, tname);
    if (!lua_rawequal(L, -1, -2))
        p = NULL;
    lua_pop(L, 2);
    return p;
}
#endif

#if LUA_VERSION_NUM < 503
/* Before 5.3 every number is a float; an integral one counts as an integer. */
static int sops_isinteger(lua_State *L, int i)
{
    lua_Number n;
    if (lua_type(L, i) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, i);
    return n == (lua_Number)(lua_Integer)n;
}
#define lua_isinteger(L, i) sops_isinteger((L), (i))
#endif

#endif
