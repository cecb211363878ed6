#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef SOPS_LINUX
#include <sys/prctl.h>
#elif defined(SOPS_BSD)
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#endif

#include "numeric.h"
#include "sys.h"

/* Sleeps req, ended early by a SIGWINCH too, with no handler and no flag.
 * Linux (and any system with POSIX's realtime signals): the signal is
 * blocked for the sleep and taken by sigtimedwait. macOS and the BSDs
 * (macOS and OpenBSD have no sigtimedwait): a kqueue watches it for the
 * sleep, which it sees though its action is to be ignored. A resize
 * outside the sleep is lost, which costs nothing: whoever draws reads the
 * size when it draws. 1: slept, 0: another signal, 2: a resize. */
static int sleep_or_resize(const struct timespec *req)
{
#ifdef SOPS_BSD
    struct kevent ch, ev;
    int kq = kqueue(), r, e;
    if (kq < 0)
        return nanosleep(req, NULL) == 0 || errno != EINTR;
    EV_SET(&ch, SIGWINCH, EVFILT_SIGNAL, EV_ADD, 0, 0, 0);
    r = kevent(kq, &ch, 1, &ev, 1, req);
    e = errno;
    close(kq);
    if ((r < 0 && e != EINTR) || (r > 0 && (ev.flags & EV_ERROR))) /* not watched: a plain sleep */
        return nanosleep(req, NULL) == 0 || errno != EINTR;
    if (r > 0)
        return ev.filter == EVFILT_SIGNAL && (int)ev.ident == SIGWINCH ? 2 : 1;
    return r < 0 ? 0 : 1;
#elif defined(SIGWINCH) && defined(_POSIX_REALTIME_SIGNALS) && _POSIX_REALTIME_SIGNALS > 0
    sigset_t set, old;
    int r, e;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return nanosleep(req, NULL) == 0 || errno != EINTR;
    r = sigtimedwait(&set, NULL, req);
    e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (r == SIGWINCH)
        return 2;
    return r < 0 && e == EINTR ? 0 : 1;
#else
    return nanosleep(req, NULL) == 0 || errno != EINTR;
#endif
}

int sops_sleep(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    int resize = lua_toboolean(L, 2), r;
    struct timespec req;
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
    r = resize ? sleep_or_resize(&req) : (nanosleep(&req, NULL) == 0 || errno != EINTR);
    if (r == 2)
        lua_pushliteral(L, "resize");
    else
        lua_pushboolean(L, r);
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

/* the most a file read_owned reads may hold (a config or secret file) */
#define SOPS_OWNED_MAX (64 * 1024)

/* Fails read_owned: nil, "path: why", what. */
static int owned_fail(lua_State *L, const char *path, const char *why, const char *what)
{
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, why);
    lua_pushstring(L, what);
    return 3;
}

int sops_read_owned(lua_State *L)
{
    struct stat st;
    const char *path = luaL_checkstring(L, 1);
    /* the room, made before the file is opened: nothing can raise while
     * the descriptor is held */
    char *buf = lua_newuserdata(L, SOPS_OWNED_MAX + 1);
    size_t got = 0;
    int fd, e = 0;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        e = errno;
        return owned_fail(L, path, strerror(e), e == ENOENT ? "missing" : "unreadable");
    }
    /* what was opened is what is judged: no stat-then-open race */
    if (fstat(fd, &st) != 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    while (!e && got <= SOPS_OWNED_MAX) {
        ssize_t n = read(fd, buf + got, SOPS_OWNED_MAX + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = errno;
        else if (n == 0)
            break;
        else
            got += (size_t)n;
    }
    close(fd);
    if (e == EINVAL)
        return owned_fail(L, path, "not a regular file", "unreadable");
    if (e)
        return owned_fail(L, path, strerror(e), "unreadable");
    if (got > SOPS_OWNED_MAX)
        return owned_fail(L, path, "larger than 64 KiB", "unreadable");
    lua_pushlstring(L, buf, got);
    memset(buf, 0, got); /* (a secret file's bytes: one copy fewer) */
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    lua_pushboolean(L, st.st_uid == geteuid() || st.st_uid == 0);
    return 3;
}

/* Writes all of buf to fd; 0, or an errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int sops_replace_file(lua_State *L)
{
    size_t len, plen;
    const char *path = luaL_checklstring(L, 1, &plen);
    const char *text = luaL_checklstring(L, 2, &len);
    lua_Integer mode = luaL_checkinteger(L, 3);
    char *tmp;
    int fd, e = 0;
    luaL_argcheck(L, mode >= 0 && mode <= 07777, 3, "permission bits expected");
    /* the room, made before the file is created: nothing can raise while
     * the descriptor is held */
    tmp = lua_newuserdata(L, plen + 8);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    fd = mkstemp(tmp); /* O_EXCL, mode 0600: nobody else can have it open */
    if (fd < 0) {
        e = errno;
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", tmp, strerror(e));
        return 2;
    }
    if (fchmod(fd, (mode_t)mode) != 0)
        e = errno;
    if (!e)
        e = write_all(fd, text, len);
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(e));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* SIGTERM or SIGHUP while a live view has the terminal: the terminal as
 * it was (colours reset, cursor shown, a fresh line), then the signal's
 * own end. Only constants and async-signal-safe calls; SA_RESETHAND has
 * the default action back before the signal is raised again. */
static void restore_terminal(int sig)
{
    static const char seq[] = "\033[0m\033[?25h\n";
    ssize_t n = write(1, seq, sizeof seq - 1);
    (void)n;
    raise(sig);
}

static const int GUARDED[] = {SIGTERM, SIGHUP};

int sops_guard_terminal(lua_State *L)
{
    int on = lua_toboolean(L, 1), mask = (int)luaL_optinteger(L, 2, 0), out = 0;
    size_t i;
    for (i = 0; i < sizeof GUARDED / sizeof GUARDED[0]; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sigemptyset(&sa.sa_mask);
        if (on) {
            /* a signal ignored (nohup) stays ignored, one handled stays so */
            if (sigaction(GUARDED[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
                continue;
            sa.sa_handler = restore_terminal;
            sa.sa_flags = SA_RESETHAND;
            if (sigaction(GUARDED[i], &sa, NULL) == 0)
                out |= 1 << i;
        } else if (mask & (1 << i)) {
            sa.sa_handler = SIG_DFL;
            sigaction(GUARDED[i], &sa, NULL);
        }
    }
    lua_pushinteger(L, out);
    return 1;
}

int sops_no_core_dumps(lua_State *L)
{
    struct rlimit none = {0, 0};
    int ok = setrlimit(RLIMIT_CORE, &none) == 0;
#ifdef SOPS_LINUX
    ok = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && ok;
#endif
    lua_pushboolean(L, ok);
    return 1;
}

int sops_interrupt_pending(void *ud)
{
    lua_State *L = ud;
    const int want = LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT;
    return lua_gethook(L) != NULL && lua_gethookcount(L) == 1 && (lua_gethookmask(L) & want) == want;
}

/* (older macOS and BSDs spell it MAP_ANON; Linux under POSIX.1-2008
 * shows neither, MAP_ANONYMOUS being POSIX.1-2024's: there the pages are
 * a private copy of /dev/zero's, which is the same thing) */
#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif

void *sops_pages(size_t n)
{
    void *p;
#ifdef MAP_ANONYMOUS
    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#else
    int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
#endif
    return p == MAP_FAILED ? NULL : p;
}

void sops_pages_free(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}
