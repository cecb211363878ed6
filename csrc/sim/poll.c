/* sops.sim.poll: the simulator's event loop waits with poll(2), which has
 * no FD_SETSIZE bound (luasocket's select stops at 1,024 descriptors), and
 * may raise the process's descriptor limit to what the system allows. The
 * simulator's own module; without it the simulator falls back to select
 * with a connection limit. */
#include "../platform.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>

#include "../compat.h"

/* Reads the integers of the array at idx into fds[off..], with `events`. */
static void fill(lua_State *L, int idx, struct pollfd *fds, size_t off, size_t n, short events)
{
    size_t i;
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)(i + 1));
        fds[off + i].fd = (int)lua_tointeger(L, -1);
        fds[off + i].events = events;
        fds[off + i].revents = 0;
        lua_pop(L, 1);
    }
}

/* poll.wait(read_fds, write_fds, timeout_s) -> ready_read, ready_write: the
 * descriptors (integers) that are ready; an error or hang-up counts as
 * ready, so that the reader sees it. nil, message when poll failed (an
 * interrupted wait is two empty lists). */
static int poll_wait(lua_State *L)
{
    size_t nr, nw, i, n;
    int got, timeout_ms;
    lua_Number t;
    struct pollfd *fds;
    lua_Integer kr = 0, kw = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    t = luaL_checknumber(L, 3);
    luaL_argcheck(L, t == t, 3, "number expected");
    timeout_ms = t < 0 ? -1 : t > 86400 ? 86400000 : (int)(t * 1000 + 0.5);
    nr = lua_rawlen(L, 1);
    nw = lua_rawlen(L, 2);
    n = nr + nw;
    /* the descriptors in a userdata: whatever raises, the collector frees it */
    fds = lua_newuserdata(L, (n ? n : 1) * sizeof *fds);
    lua_createtable(L, 8, 0);
    lua_createtable(L, 8, 0);
    fill(L, 1, fds, 0, nr, POLLIN);
    fill(L, 2, fds, nr, nw, POLLOUT);
    got = poll(fds, (nfds_t)n, timeout_ms);
    if (got < 0) {
        int e = errno;
        if (e == EINTR)
            return 2;
        lua_pushnil(L);
        lua_pushstring(L, strerror(e));
        return 2;
    }
    for (i = 0; i < n && got > 0; i++) {
        if (fds[i].revents == 0)
            continue;
        got--;
        lua_pushinteger(L, fds[i].fd);
        if (i < nr)
            lua_rawseti(L, -3, ++kr);
        else
            lua_rawseti(L, -2, ++kw);
    }
    return 2;
}

/* poll.raise_fd_limit() -> the soft limit on open descriptors, raised to
 * the hard one where that is allowed. */
static int poll_raise_fd_limit(lua_State *L)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        lua_pushnil(L);
        return 1;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = rl;
        want.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
            rl = want;
        }
#ifdef OPEN_MAX
        /* macOS refuses a soft limit above OPEN_MAX (setrlimit(2)), and
         * its hard one is unlimited */
        else if ((rlim_t)OPEN_MAX > rl.rlim_cur && (rlim_t)OPEN_MAX < rl.rlim_max) {
            want.rlim_cur = OPEN_MAX;
            if (setrlimit(RLIMIT_NOFILE, &want) == 0)
                rl = want;
        }
#endif
    }
    lua_pushinteger(L, rl.rlim_cur == RLIM_INFINITY ? (lua_Integer)1 << 30 : (lua_Integer)rl.rlim_cur);
    return 1;
}

int luaopen_sops_sim_poll(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"wait", poll_wait},
        {"raise_fd_limit", poll_raise_fd_limit},
        {NULL, NULL},
    };
    luaL_newlib(L, funcs);
    return 1;
}
