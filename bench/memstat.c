/* make bench-memory's helper (bench/memory.lua), a Lua module built for
 * the runtime measured, not part of lua-sops:
 *   track()       counts what the Lua state's allocator holds from now on,
 *                 so that the Lua heap's peak is seen even inside a C call
 *                 (a decode), where collectgarbage("count") cannot look;
 *   peak()        the most it held since track() or reset(), and now, in
 *                 bytes;
 *   reset()       the peak starts again from now;
 *   trim()        gives the C heap's free pages back to the system
 *                 (glibc's malloc_trim; false elsewhere), so that a
 *                 baseline is what the process holds, not what it once
 *                 held and malloc kept.
 * Linked with -z nodelete: the counting allocator outlives the state's
 * unloading of its C modules. */
#include <stddef.h>

#include "../csrc/compat.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

static lua_Alloc next_alloc;
static void *next_ud;
static size_t held, most;

static void *counting_alloc(void *ud, void *p, size_t osize, size_t nsize)
{
    void *q = next_alloc(next_ud, p, osize, nsize);
    (void)ud;
    if (nsize == 0 || q != NULL) {
        if (p != NULL)
            held -= osize; /* (for a new block osize is a type tag) */
        held += nsize;
        if (held > most)
            most = held;
    }
    return q;
}

static int track(lua_State *L)
{
    if (next_alloc == NULL) {
        next_alloc = lua_getallocf(L, &next_ud);
        held = (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
        lua_setallocf(L, counting_alloc, NULL);
    }
    most = held;
    return 0;
}

static int peak(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)most);
    lua_pushnumber(L, (lua_Number)held);
    return 2;
}

static int trim(lua_State *L)
{
#if defined(__GLIBC__)
    malloc_trim(0);
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    return 1;
}

int luaopen_bench_memstat(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"track", track}, {"reset", track}, {"peak", peak}, {"trim", trim}, {NULL, NULL},
    };
    luaL_newlib(L, funcs);
    return 1;
}
