/* sops.sim.signals: SIGTERM and SIGINT as a descriptor the simulator's
 * socket.select loop waits on, so that it stops cleanly. The simulator's
 * own module: a client library must not change a process's signal mask. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "../compat.h"

#ifdef __linux__
#include <signal.h>
#include <sys/signalfd.h>
#endif

#define WATCHER_MT "sops.sim.signals"

/* The watcher: a userdata holding the signalfd, -1 once closed. */
static int *check_watcher(lua_State *L)
{
    return (int *)luaL_checkudata(L, 1, WATCHER_MT);
}

static int watcher_getfd(lua_State *L)
{
    lua_pushinteger(L, *check_watcher(L));
    return 1;
}

/* socket.select asks whether buffered data is waiting: never here */
static int watcher_dirty(lua_State *L)
{
    (void)check_watcher(L);
    lua_pushboolean(L, 0);
    return 1;
}

/* watcher:read() -> "TERM" | "INT" | nil when none is pending */
static int watcher_read(lua_State *L)
{
#ifdef __linux__
    int *fd = check_watcher(L);
    struct signalfd_siginfo info;
    if (*fd >= 0 && read(*fd, &info, sizeof info) == (ssize_t)sizeof info) {
        lua_pushstring(L, info.ssi_signo == SIGTERM ? "TERM" : info.ssi_signo == SIGINT ? "INT" : "OTHER");
        return 1;
    }
#else
    (void)check_watcher(L);
#endif
    lua_pushnil(L);
    return 1;
}

/* close() and __gc: idempotent */
static int watcher_close(lua_State *L)
{
    int *fd = check_watcher(L);
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return 0;
}

/* signals.watch() -> a watcher, or nil where the system has no signalfd.
 * SIGTERM and SIGINT are blocked from then on and arrive through it. */
static int signals_watch(lua_State *L)
{
#ifdef __linux__
    sigset_t mask;
    int *fd = (int *)lua_newuserdata(L, sizeof *fd);
    *fd = -1;
    luaL_getmetatable(L, WATCHER_MT);
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

int luaopen_sops_sim_signals(lua_State *L);
int luaopen_sops_sim_signals(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"getfd", watcher_getfd},
        {"dirty", watcher_dirty},
        {"read", watcher_read},
        {"close", watcher_close},
        {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"watch", signals_watch},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, WATCHER_MT)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, watcher_close);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    return 1;
}
