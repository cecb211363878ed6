#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "numeric.h"
#include "sys.h"

int sops_sleep(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    struct timespec req, rem;
    long long sec = 0, nsec = 0;
    luaL_argcheck(L, s >= 0 && s == s, 1, "non-negative number expected");
    if (s > 1e9)
        s = 1e9;
    sops_number_to_int(s, 0, 1000000000LL, &sec);
    sops_number_to_int((s - (lua_Number)sec) * 1e9, 0, 999999999LL, &nsec);
    req.tv_sec = (time_t)sec;
    req.tv_nsec = (long)nsec;
    /* a signal that is handled (Ctrl-C in the lua interpreter, whose hook
     * then raises "interrupted!") ends the sleep at once: false */
    lua_pushboolean(L, nanosleep(&req, &rem) == 0 || errno != EINTR);
    (void)rem;
    return 1;
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


int sops_term_size(lua_State *L)
{
    struct winsize ws;
    int fd = (int)luaL_checkinteger(L, 1);
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, ws.ws_col);
    lua_pushinteger(L, ws.ws_row);
    return 2;
}

int sops_file_mode(lua_State *L)
{
    struct stat st;
    const char *path = luaL_checkstring(L, 1);
    if (stat(path, &st) != 0) {
        int e = errno;
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(e));
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    return 1;
}

int sops_interrupt_pending(void *ud)
{
    lua_State *L = ud;
    const int want = LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT;
    return lua_gethook(L) != NULL && lua_gethookcount(L) == 1 && (lua_gethookmask(L) & want) == want;
}
