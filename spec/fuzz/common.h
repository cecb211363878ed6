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

/* Whether the values at a and b are equal all the way down; strict: the
 * same too in numbers' subtypes (an integer is not a float) and in
 * metatables (an empty array is marked as one), as Lua's == does not. */
static int deep_equal(lua_State *L, int a, int b, int strict, int depth)
{
    int n = 0;
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    if (lua_type(L, a) != lua_type(L, b))
        return 0;
    if (strict && lua_type(L, a) == LUA_TNUMBER && lua_isinteger(L, a) != lua_isinteger(L, b))
        return 0;
    if (lua_type(L, a) != LUA_TTABLE)
        return lua_rawequal(L, a, b);
    if (depth > 2000 || !lua_checkstack(L, 6))
        abort();
    if (strict) {
        int base = lua_gettop(L);
        int has_a = lua_getmetatable(L, a);
        int has_b = lua_getmetatable(L, b);
        int same_mt = has_a == has_b && (!has_a || lua_rawequal(L, -1, -2));
        lua_settop(L, base);
        if (!same_mt)
            return 0;
    }
    lua_pushnil(L);
    while (lua_next(L, a)) {
        lua_pushvalue(L, -2);
        lua_rawget(L, b);
        if (!deep_equal(L, -2, -1, strict, depth + 1)) {
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
