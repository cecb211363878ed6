/* core.listen: a small HTTP/1.1 server for completion callbacks (see
 * listener.h). Non-blocking descriptors, poll(2), one request per
 * connection (every answer closes it), and fixed bounds on everything a
 * sender controls: the connections open at once, the head, the body and the
 * time a connection may take. Lua errors are raised only by argument checks,
 * before anything is done, and by pushing results, whose memory the
 * userdata owns. */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "httphead.h"
#include "listener.h"

#define WRITE_BUDGET_MS 1000   /* an answer that cannot be written in this long is dropped */
#define MAX_CONNECTIONS 1024
#define LINGER_S 5.0           /* a refused sender's rest is read and dropped this long, at most */
#define ACCEPT_BATCH 64        /* connections accepted a turn: a flood cannot hold a wait past its end */

/* A write to a sender that went away fails with EPIPE, and must not raise
 * SIGPIPE, whose default action ends the process. MSG_NOSIGNAL on each send
 * where the system has it (POSIX.1-2008: Linux, the BSDs), else
 * SO_NOSIGPIPE on each connection (macOS). SOPS_FORCE_PORTABLE takes the
 * second way on Linux, which has no SO_NOSIGPIPE: there nothing guards. */
#if defined(MSG_NOSIGNAL) && !defined(SOPS_FORCE_PORTABLE)
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#if defined(SO_NOSIGPIPE)
#define SOPS_SO_NOSIGPIPE 1
#elif !defined(SOPS_FORCE_PORTABLE)
#error "neither MSG_NOSIGNAL nor SO_NOSIGPIPE: a sender that went away would end the process with SIGPIPE"
#endif
#endif

typedef struct {
    int fd;           /* -1: a free slot */
    int ready;        /* a whole request is read and waits for listener:answer */
    int continued;    /* "100 Continue" was sent */
    int lingering;    /* refused and answered: what it still sends is read and dropped, then it is closed */
    lua_Integer id;   /* what Lua answers it by */
    double since;     /* accepted at (monotonic seconds) */
    char *buf;
    size_t len, cap;
    size_t need;      /* head + Content-Length; 0 while the head is not all in */
    sops_http_head h;
} conn;

typedef struct {
    int fd; /* -1 once closed */
    int port;
    int nconn;
    size_t max_body;
    double idle;
    lua_Integer next_id, accepted, refused;
    conn *conns;
} sops_listener;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every descriptor the listener holds: non-blocking, closed on exec, and
 * (macOS) no SIGPIPE. 0, or -1 when one of them failed. */
static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
#ifdef SOPS_SO_NOSIGPIPE
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0)
        return -1;
#endif
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Writes all of data within WRITE_BUDGET_MS; 0 on success. */
static int write_all(int fd, const char *data, size_t len)
{
    double end = now_s() + WRITE_BUDGET_MS / 1000.0;
    while (len > 0) {
        ssize_t w = send(fd, data, len, SEND_FLAGS);
        if (w > 0) {
            data += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p;
            double left = end - now_s();
            if (left <= 0)
                return -1;
            p.fd = fd;
            p.events = POLLOUT;
            p.revents = 0;
            if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

/* Writes an answer of status and a JSON body on c; 0 on success. */
static int conn_write(conn *c, int status, const char *body, size_t blen)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %lu\r\n"
                     "Connection: close\r\n\r\n",
                     status, reason_of(status), (unsigned long)blen);
    int ok = n > 0 && (size_t)n < sizeof head && write_all(c->fd, head, (size_t)n) == 0 &&
             write_all(c->fd, body, blen) == 0;
    return ok ? 0 : -1;
}

/* Answers on c, then closes it (its request was read whole). */
static int conn_answer(conn *c, int status, const char *body, size_t blen)
{
    int r = conn_write(c, status, body, blen);
    conn_close(c);
    return r;
}

/* Refuses c's request with status. A sender may still be writing a body
 * the refusal did not read: closing now would have the kernel answer it
 * with a reset, which may destroy the refusal before it is read (RFC 9112
 * section 9.6). So a connection in a slot is half-closed and lingers: what
 * it still sends is read and dropped until it closes or LINGER_S pass. */
static void conn_refuse(sops_listener *l, conn *c, int status, int in_slot)
{
    char body[96];
    int n = snprintf(body, sizeof body, "{\"result\": false, \"message\": \"%s\"}", reason_of(status));
    l->refused++;
    if (conn_write(c, status, body, n > 0 ? (size_t)n : 0) != 0 || !in_slot || shutdown(c->fd, SHUT_WR) != 0) {
        conn_close(c);
        return;
    }
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = c->need = 0;
    c->lingering = 1;
    c->since = now_s();
}

/* Reads and drops what a lingering connection sends; closes it at its end. */
static void conn_drain(conn *c)
{
    char sink[4096];
    size_t total = 0;
    while (total < 256 * 1024) { /* (a turn's share: others wait) */
        ssize_t r = recv(c->fd, sink, sizeof sink, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            conn_close(c);
            return;
        }
        total += (size_t)r;
    }
}

/* Reads the head of c once it is all in: 0 (more to come, or a good head),
 * or the status to refuse the request with. */
static int parse_head(sops_listener *l, conn *c)
{
    int r = sops_http_head_parse(c->buf, c->len, l->max_body, &c->h);
    if (r != 1)
        return r;
    c->need = c->h.head + c->h.length;
    if (c->h.expect_continue && c->len < c->need && !c->continued) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        c->continued = 1;
        if (write_all(c->fd, cont, sizeof cont - 1) != 0)
            return 400;
    }
    return 0;
}

/* Reads what c has; returns 1 when a whole request is in, 0 for more to
 * come, -1 when the peer went away, or a status to refuse with. */
static int conn_read(sops_listener *l, conn *c)
{
    size_t limit = SOPS_HEAD_MAX + l->max_body;
    for (;;) {
        ssize_t r;
        if (c->len == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 4096;
            char *b;
            if (c->cap >= limit)
                return c->need ? 413 : 431;
            if (cap > limit)
                cap = limit;
            b = realloc(c->buf, cap);
            if (!b)
                return 503;
            c->buf = b;
            c->cap = cap;
        }
        r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
        if (!c->need) {
            int st = parse_head(l, c);
            if (st)
                return st;
        }
        if (c->need && c->len >= c->need)
            return 1;
    }
}

static sops_listener *check_listener(lua_State *L, int i)
{
    return (sops_listener *)luaL_checkudata(L, i, SOPS_LISTENER_MT);
}

static sops_listener *check_open(lua_State *L)
{
    sops_listener *l = check_listener(L, 1);
    if (l->fd < 0)
        luaL_argerror(L, 1, "listener is closed");
    return l;
}

/* Frees everything; safe to call twice (close, then __gc). */
static void listener_release(sops_listener *l)
{
    int i;
    if (l->conns) {
        for (i = 0; i < l->nconn; i++)
            conn_close(&l->conns[i]);
        free(l->conns);
        l->conns = NULL;
    }
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

/* Reads what c has and acts on it: a whole request makes it ready, a peer
 * gone closes it, a bad request is refused. */
static void conn_step(sops_listener *l, conn *c)
{
    int r;
    if (c->lingering) {
        conn_drain(c);
        return;
    }
    r = conn_read(l, c);
    if (r == 1)
        c->ready = 1;
    else if (r < 0)
        conn_close(c);
    else if (r > 1)
        conn_refuse(l, c, r, 1);
}

/* Closes the connection that has sent nothing for the longest, else the
 * one that has been reading the longest (a slow sender loses its place):
 * its slot, or NULL when every connection holds a request waiting for its
 * answer. */
static conn *evict(sops_listener *l)
{
    conn *oldest = NULL, *silent = NULL;
    int i;
    for (i = 0; i < l->nconn; i++) {
        conn *c = &l->conns[i];
        if (c->fd >= 0 && c->lingering) { /* refused already: the first to go */
            conn_close(c);
            return c;
        }
    }
    for (i = 0; i < l->nconn; i++) {
        conn *c = &l->conns[i];
        if (c->fd < 0 || c->ready)
            continue;
        if (!oldest || c->since < oldest->since)
            oldest = c;
        if (c->len == 0 && (!silent || c->since < silent->since))
            silent = c;
    }
    if (silent)
        oldest = silent;
    if (oldest) {
        l->refused++;
        conn_close(oldest);
    }
    return oldest;
}

/* A slot for a new connection. Every connection still reading is read
 * first (a request already in the kernel's buffers becomes ready, and
 * cannot be pushed out); then a free slot, else one evict() makes. */
static conn *free_slot(sops_listener *l)
{
    int i;
    for (i = 0; i < l->nconn; i++) {
        conn *c = &l->conns[i];
        if (c->fd >= 0 && !c->ready)
            conn_step(l, c);
        if (c->fd < 0)
            return c;
    }
    return evict(l);
}

/* Accepts what waits: 0, or -1 when the process is out of descriptors and
 * no connection could make room (the caller then leaves the listening
 * socket alone for a moment rather than spin on it). */
static int accept_all(sops_listener *l, double t)
{
    int retried = 0, i, taken = 0;
    while (taken++ < ACCEPT_BATCH) {
        conn *c;
        int fd = accept(l->fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && !retried) {
                retried = 1;
                for (i = 0; i < l->nconn; i++) { /* requests already in are kept */
                    if (l->conns[i].fd >= 0 && !l->conns[i].ready)
                        conn_step(l, &l->conns[i]);
                }
                if (evict(l)) /* a descriptor freed: try once more */
                    continue;
            }
            return (errno == EMFILE || errno == ENFILE) ? -1 : 0;
        }
        retried = 0;
        if (set_nonblocking(fd) != 0) {
            close(fd);
            continue;
        }
        l->accepted++;
        c = free_slot(l);
        if (!c) {
            conn tmp;
            memset(&tmp, 0, sizeof tmp);
            tmp.fd = fd;
            conn_refuse(l, &tmp, 503, 0);
            continue;
        }
        c->fd = fd;
        c->since = t;
        c->id = ++l->next_id;
        conn_step(l, c); /* its request may be all there already */
    }
    return 0; /* (more may wait: the caller's next poll says so) */
}

/* Pushes the request held by c as {id, method, target, content_type, body}. */
static void push_request(lua_State *L, conn *c)
{
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, c->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, c->h.method);
    lua_setfield(L, -2, "method");
    lua_pushlstring(L, c->buf + c->h.target_off, c->h.target_len);
    lua_setfield(L, -2, "target");
    lua_pushstring(L, c->h.content_type);
    lua_setfield(L, -2, "content_type");
    lua_pushlstring(L, c->buf + c->h.head, c->h.length);
    lua_setfield(L, -2, "body");
}

/* listener:wait(seconds) -> requests, interrupted: waits up to `seconds`
 * for whole requests, and returns as soon as there is one (a list of
 * {id, method, target, content_type, body}, each to be answered with
 * listener:answer), or at the end with an empty list. interrupted is true
 * when a signal the process handles (Ctrl-C in the lua interpreter) cut the
 * wait short. nil, message when poll fails. */
static int listener_wait(lua_State *L)
{
    sops_listener *l = check_open(L);
    lua_Number s = luaL_checknumber(L, 2);
    double t = now_s(), deadline;
    struct pollfd *fds;
    int *slot_of;
    int i, interrupted = 0, found = 0;
    lua_Integer k = 0;
    double pause_accept = 0; /* out of descriptors: the listening socket rests until then */
    luaL_argcheck(L, s == s, 2, "number expected");
    deadline = t + (s < 0 ? 0 : s > 86400 ? 86400 : s);
    /* in userdata, so that a raise (out of memory) leaves nothing behind */
    fds = lua_newuserdata(L, (size_t)(l->nconn + 1) * sizeof *fds);
    slot_of = lua_newuserdata(L, (size_t)(l->nconn + 1) * sizeof *slot_of);
    for (;;) {
        int n = 0, got, ms;
        double wake;
        t = now_s();
        wake = deadline;
        for (i = 0; i < l->nconn; i++) {
            conn *c = &l->conns[i];
            if (c->fd < 0)
                continue;
            if (t - c->since > (c->lingering ? LINGER_S : l->idle)) { /* too slow, or never answered: dropped */
                l->refused += !c->ready && !c->lingering;
                conn_close(c);
                continue;
            }
            if (c->ready) {
                found |= c->id > 0;
                continue;
            }
            fds[n].fd = c->fd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            slot_of[n++] = i;
            if (c->since + (c->lingering ? LINGER_S : l->idle) < wake) /* wake for its timeout as well */
                wake = c->since + (c->lingering ? LINGER_S : l->idle);
        }
        if (found || t >= deadline)
            break;
        if (t >= pause_accept) {
            fds[n].fd = l->fd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            slot_of[n++] = -1;
        } else if (pause_accept < wake) {
            wake = pause_accept;
        }
        ms = (int)((wake - t) * 1000 + 0.999);
        got = poll(fds, (nfds_t)n, ms > 0 ? ms : 1);
        if (got < 0) {
            int e = errno;
            if (e == EINTR) {
                interrupted = 1;
                break;
            }
            lua_pushnil(L);
            lua_pushstring(L, strerror(e));
            return 2;
        }
        for (i = 0; i < n && got > 0; i++) {
            conn *c;
            if (!fds[i].revents)
                continue;
            got--;
            if (slot_of[i] < 0) {
                if (accept_all(l, now_s()) < 0)
                    pause_accept = now_s() + 0.1;
                continue;
            }
            c = &l->conns[slot_of[i]];
            if (c->fd >= 0 && !c->ready) /* (accepting may have read or closed it) */
                conn_step(l, c);
        }
    }
    lua_newtable(L);
    for (i = 0; i < l->nconn; i++) {
        conn *c = &l->conns[i];
        if (c->fd >= 0 && c->ready && c->id > 0) {
            push_request(L, c);
            lua_rawseti(L, -2, ++k);
            c->id = -c->id; /* handed out once */
        }
    }
    lua_pushboolean(L, interrupted);
    return 2;
}

/* listener:answer(id, status, body) -> true | nil, message: writes the
 * answer to request id and closes its connection. */
static int listener_answer(lua_State *L)
{
    sops_listener *l = check_open(L);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_Integer status = luaL_checkinteger(L, 3);
    size_t blen;
    const char *body = luaL_optlstring(L, 4, "", &blen);
    int i;
    luaL_argcheck(L, id > 0, 2, "request id expected");
    luaL_argcheck(L, status >= 200 && status <= 599, 3, "HTTP status expected");
    for (i = 0; i < l->nconn; i++) {
        conn *c = &l->conns[i];
        if (c->fd >= 0 && c->ready && c->id == -id) {
            if (conn_answer(c, (int)status, body, blen) == 0) {
                lua_pushboolean(L, 1);
                return 1;
            }
            lua_pushnil(L);
            lua_pushliteral(L, "the sender went away before its answer");
            return 2;
        }
    }
    lua_pushnil(L);
    lua_pushliteral(L, "no such request");
    return 2;
}

static int listener_port(lua_State *L)
{
    lua_pushinteger(L, check_listener(L, 1)->port);
    return 1;
}

/* listener:stats() -> {open, accepted, refused}: connections open now,
 * accepted in all, and closed without being handed to Lua (refused with an
 * answer, dropped as too slow, or pushed out by a newer one). */
static int listener_stats(lua_State *L)
{
    sops_listener *l = check_listener(L, 1);
    int i, open = 0;
    for (i = 0; l->conns && i < l->nconn; i++)
        open += l->conns[i].fd >= 0;
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, open);
    lua_setfield(L, -2, "open");
    lua_pushinteger(L, l->accepted);
    lua_setfield(L, -2, "accepted");
    lua_pushinteger(L, l->refused);
    lua_setfield(L, -2, "refused");
    return 1;
}

static int listener_close(lua_State *L)
{
    listener_release(check_listener(L, 1));
    return 0;
}

static int listener_tostring(lua_State *L)
{
    sops_listener *l = check_listener(L, 1);
    if (l->fd < 0)
        lua_pushliteral(L, "sops.listener (closed)");
    else
        lua_pushfstring(L, "sops.listener (port %d)", l->port);
    return 1;
}

/* An option of the table at idx: its integer value within [lo, hi], else
 * dflt when absent; raises on a bad one (nothing is open yet). */
static lua_Integer opt_int(lua_State *L, int idx, const char *name, lua_Integer dflt, lua_Integer lo,
                           lua_Integer hi)
{
    lua_Integer v = dflt;
    if (lua_isnoneornil(L, idx))
        return v;
    lua_getfield(L, idx, name);
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < lo || lua_tointeger(L, -1) > hi)
            luaL_error(L, "bad argument #3 to 'listen' (%s: integer from %d to %d expected)", name, (int)lo,
                       (int)hi);
        v = lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

int sops_listener_new(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    lua_Integer port = luaL_checkinteger(L, 2);
    lua_Integer max_body, nconn, idle;
    struct addrinfo hints, *res = NULL, *ai;
    char service[16];
    sops_listener *l;
    int rc, fd = -1, e = 0, i;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    luaL_argcheck(L, port >= 0 && port <= 65535, 2, "port from 0 to 65535 expected");
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    max_body = opt_int(L, 3, "max_body", 65536, 1, 16 * 1024 * 1024);
    nconn = opt_int(L, 3, "max_connections", 32, 1, MAX_CONNECTIONS);
    idle = opt_int(L, 3, "idle_timeout", 10, 1, 3600);
    l = (sops_listener *)lua_newuserdata(L, sizeof *l);
    memset(l, 0, sizeof *l);
    l->fd = -1;
    luaL_getmetatable(L, SOPS_LISTENER_MT);
    lua_setmetatable(L, -2);
    /* from here on __gc frees whatever was made */
    l->conns = calloc((size_t)nconn, sizeof *l->conns);
    if (!l->conns) {
        lua_pushnil(L);
        lua_pushliteral(L, "out of memory");
        return 2;
    }
    l->nconn = (int)nconn;
    for (i = 0; i < l->nconn; i++)
        l->conns[i].fd = -1;
    l->max_body = (size_t)max_body;
    l->idle = (double)idle;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(service, sizeof service, "%d", (int)port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot listen on %s:%d: %s", host, (int)port, gai_strerror(rc));
        return 2;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int one = 1;
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (set_nonblocking(fd) == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot listen on %s:%d: %s", host, (int)port, strerror(e));
        return 2;
    }
    l->fd = fd;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return 1;
}

void sops_listener_open(lua_State *L)
{
    static const luaL_Reg meta[] = {
        {"__gc", listener_close},
        {"__close", listener_close},
        {"__tostring", listener_tostring},
        {NULL, NULL},
    };
    static const luaL_Reg methods[] = {
        {"wait", listener_wait},
        {"answer", listener_answer},
        {"port", listener_port},
        {"stats", listener_stats},
        {"close", listener_close},
        {NULL, NULL},
    };
    luaL_newmetatable(L, SOPS_LISTENER_MT);
    luaL_setfuncs(L, meta, 0);
    lua_pushliteral(L, SOPS_LISTENER_MT);
    lua_setfield(L, -2, "__name");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
