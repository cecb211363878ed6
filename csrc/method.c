/* The client's methods for the calls of sops.api (method.h). */
#include "client.h"
#include "fits.h"
#include "method.h"

#ifdef SOPS_HAVE_CALLK
/* The Lua method's results, however it returned (a yield inside it resumed
 * into this continuation). */
static int all_results(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

/* method(client, args). Upvalues: plan, api, the Lua method, outcome. */
static int method_call(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 2 && sops_client_is_direct(L, 1)) {
        lua_pushvalue(L, lua_upvalueindex(1));
        if (sops_args_fit(L, 3, 1, 2)) {
            lua_settop(L, 2);
            lua_pushvalue(L, lua_upvalueindex(2));
            lua_insert(L, 2); /* client, api, args: as core.call takes them */
            sops_client_call(L);
            if (!lua_isnil(L, -3))
                return 3;
            lua_pushvalue(L, lua_upvalueindex(4));
            lua_insert(L, -4);
            lua_call(L, 3, 3);
            return 3;
        }
        lua_settop(L, n);
    }
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_insert(L, 1);
    lua_callk(L, n, LUA_MULTRET, 0, all_results);
    return lua_gettop(L);
}
#endif

int sops_method_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TSTRING);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    luaL_checktype(L, 4, LUA_TFUNCTION);
    lua_settop(L, 4);
#ifdef SOPS_HAVE_CALLK
    lua_pushcclosure(L, method_call, 4);
#else
    lua_pushvalue(L, 3); /* (a yield could not pass a C method) */
#endif
    return 1;
}

int sops_method_at(lua_State *L, int idx)
{
#ifdef SOPS_HAVE_CALLK
    return lua_tocfunction(L, idx) == method_call;
#else
    (void)L;
    (void)idx;
    return 0;
#endif
}

int sops_method_is(lua_State *L)
{
    lua_pushboolean(L, sops_method_at(L, 1));
    return 1;
}
