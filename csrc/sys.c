#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

int sops_sleep(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    struct timespec req, rem;
    luaL_argcheck(L, s >= 0 && s == s, 1, "non-negative number expected");
    if (s > 1e9)
        s = 1e9;
    req.tv_sec = (time_t)s;
    req.tv_nsec = (long)((s - (lua_Number)req.tv_sec) * 1e9);
    if (req.tv_nsec >= 1000000000L)
        req.tv_nsec = 999999999L;
    /* sleep the whole time even when a signal interrupts */
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
    return 0;
}

static lua_Number seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9;
}

int sops_monotime(lua_State *L)
{
    lua_pushnumber(L, seconds(CLOCK_MONOTONIC));
    return 1;
}

int sops_time(lua_State *L)
{
    lua_pushnumber(L, seconds(CLOCK_REALTIME));
    return 1;
}

int sops_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)) == 1);
    return 1;
}

