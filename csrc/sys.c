#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#ifdef __linux__
#include <signal.h>
#include <sys/signalfd.h>
#endif

#define SIGNALS_MT "sops.signals"

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

/* The watcher: a userdata holding the signalfd, -1 once closed. */
static int *check_signals(lua_State *L)
{
    return (int *)luaL_checkudata(L, 1, SIGNALS_MT);
}

static int signals_getfd(lua_State *L)
{
    lua_pushinteger(L, *check_signals(L));
    return 1;
}

static int signals_dirty(lua_State *L)
{
    (void)check_signals(L);
    lua_pushboolean(L, 0);
    return 1;
}

/* watcher:read() -> "TERM" | "INT" | nil when none is pending */
static int signals_read(lua_State *L)
{
#ifdef __linux__
    int *fd = check_signals(L);
    struct signalfd_siginfo info;
    if (*fd >= 0 && read(*fd, &info, sizeof info) == (ssize_t)sizeof info) {
        lua_pushstring(L, info.ssi_signo == SIGTERM ? "TERM" : info.ssi_signo == SIGINT ? "INT" : "OTHER");
        return 1;
    }
#else
    (void)check_signals(L);
#endif
    lua_pushnil(L);
    return 1;
}

static int signals_close(lua_State *L)
{
    int *fd = check_signals(L);
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return 0;
}

int sops_signals(lua_State *L)
{
#ifdef __linux__
    sigset_t mask;
    int *fd = (int *)lua_newuserdata(L, sizeof *fd);
    *fd = -1;
    luaL_getmetatable(L, SIGNALS_MT);
    lua_setmetatable(L, -2);
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    *fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (*fd < 0 || sigprocmask(SIG_BLOCK, &mask, NULL) != 0) {
        lua_pushnil(L);
        return 1;
    }
    return 1;
#else
    lua_pushnil(L);
    return 1;
#endif
}

void sops_sys_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"getfd", signals_getfd},
        {"dirty", signals_dirty},
        {"read", signals_read},
        {"close", signals_close},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, SIGNALS_MT)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, signals_close);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}
