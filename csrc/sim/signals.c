/* sops.sim.signals: SIGTERM and SIGINT as a descriptor the simulator's
 * socket.select loop waits on, so that it stops cleanly. The simulator's
 * own module: a client library must not change a process's signal mask.
 * Linux: a signalfd, the signals blocked. macOS and the BSDs: a kqueue,
 * the signals ignored (a kqueue sees a signal whatever its action). */
#include "../platform.h"

#include <string.h>
#include <unistd.h>

#include "../compat.h"

#ifdef SOPS_LINUX
#include <signal.h>
#include <sys/signalfd.h>
#elif defined(SOPS_BSD)
#include <signal.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#endif

#define WATCHER_MT "sops.sim.signals"

/* The watcher: a userdata holding the signalfd or the kqueue, -1 once
 * closed. */
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

#if defined(SOPS_LINUX) || defined(SOPS_BSD)
static void push_signal(lua_State *L, int sig)
{
    lua_pushstring(L, sig == SIGTERM ? "TERM" : sig == SIGINT ? "INT" : "OTHER");
}
#endif

/* watcher:read() -> "TERM" | "INT" | nil when none is pending */
static int watcher_read(lua_State *L)
{
    int *fd = check_watcher(L);
#ifdef SOPS_LINUX
    struct signalfd_siginfo info;
    if (*fd >= 0 && read(*fd, &info, sizeof info) == (ssize_t)sizeof info) {
        push_signal(L, (int)info.ssi_signo);
        return 1;
    }
#elif defined(SOPS_BSD)
    struct kevent ev;
    struct timespec none = {0, 0};
    if (*fd >= 0 && kevent(*fd, NULL, 0, &ev, 1, &none) == 1 && ev.filter == EVFILT_SIGNAL &&
        !(ev.flags & EV_ERROR)) {
        push_signal(L, (int)ev.ident);
        return 1;
    }
#else
    (void)fd;
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

/* signals.watch() -> a watcher, or nil where the system has neither a
 * signalfd nor a kqueue. SIGTERM and SIGINT arrive through it from then on
 * (they stay blocked, or ignored, after close). */
static int signals_watch(lua_State *L)
{
#if defined(SOPS_LINUX) || defined(SOPS_BSD)
    int *fd = (int *)lua_newuserdata(L, sizeof *fd);
    *fd = -1;
    luaL_getmetatable(L, WATCHER_MT);
    lua_setmetatable(L, -2);
#endif
#ifdef SOPS_LINUX
    {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        *fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (*fd < 0 || sigprocmask(SIG_BLOCK, &mask, NULL) != 0) {
            lua_pushnil(L);
            return 1;
        }
    }
    return 1;
#elif defined(SOPS_BSD)
    {
        static const int sigs[] = {SIGTERM, SIGINT};
        struct kevent ch[2];
        struct sigaction ign;
        int i;
        *fd = kqueue();
        if (*fd < 0) {
            lua_pushnil(L);
            return 1;
        }
        for (i = 0; i < 2; i++)
            EV_SET(&ch[i], sigs[i], EVFILT_SIGNAL, EV_ADD, 0, 0, 0);
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        /* watched first, then ignored: none is lost between the two */
        if (kevent(*fd, ch, 2, NULL, 0, NULL) != 0 || sigaction(SIGTERM, &ign, NULL) != 0 ||
            sigaction(SIGINT, &ign, NULL) != 0) {
            lua_pushnil(L);
            return 1;
        }
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
