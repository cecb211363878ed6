/* Shared by the libFuzzer harnesses: one Lua state for the whole run, and
 * a deep comparison of two Lua values. */
#ifndef SOPS_FUZZ_COMMON_H
#define SOPS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <lualib.h>

#include "../../csrc/compat.h"

/* One state for the whole run (a harness is a program of its own), with a
 * full collection now and then so that memory stays bounded. */
static lua_State *fuzz_state(void)
{
    static lua_State *L;
    static unsigned runs;
    if (L == NULL) {
        L = luaL_newstate();
        if (L == NULL)
            abort();
    }
    if (++runs % 512 == 0)
        lua_gc(L, LUA_GCCOLLECT, 0);
    return L;
}

/* Whether the values at a and b are equal all the way down. */
static int deep_equal(lua_State *L, int a, int b, int depth)
{
    int n = 0;
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    if (lua_type(L, a) != lua_type(L, b))
        return 0;
    if (lua_type(L, a) != LUA_TTABLE)
        return lua_rawequal(L, a, b);
    if (depth > 2000 || !lua_checkstack(L, 4))
        abort();
    lua_pushnil(L);
    while (lua_next(L, a)) {
        lua_pushvalue(L, -2);
        lua_rawget(L, b);
        if (!deep_equal(L, -2, -1, depth + 1)) {
            lua_pop(L, 3);
            return 0;
        }
        lua_pop(L, 2);
        n++;
    }
    lua_pushnil(L);
    while (lua_next(L, b)) {
        lua_pop(L, 1);
        n--;
    }
    return n == 0;
}

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                  \
            abort();                                                            \
        }                                                                       \
    } while (0)

#endif
