#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "answerhead.h"
#include "request.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "redact.h"
#include "response.h"
#include "sys.h"
#include "transport.h"

/* One request in flight: a libcurl handle and the buffers of its request. */
typedef struct sops_slot {
    sops_transport tr;
    sops_buf url, body;
    CURLcode rc;
    int once; /* the request may change state: sent at most once */
    struct curl_slist *headers; /* this request's own headers (a traceparent), NULL: the client's */
} sops_slot;


/* A buffer that grew past this for one large answer (or request) is freed
 * when its call ends, instead of being held for the life of the client. */
#define SOPS_KEEP_BUF (256 * 1024)

/* Bounds of the time options, in milliseconds. */
#define SOPS_MAX_TIMEOUT_MS 1000000000LL /* about 11.5 days */

typedef struct sops_client {
    int open;
    /* A call is inside the core. Lua code can run meanwhile (a metamethod
     * of the params, a finalizer during decoding): close() then only marks
     * the client, and the call releases it when it ends. */
    int busy;
    int close_pending;
    int sent;                           /* whether the current call's request went out */
    int direct; /* the Lua layer adds nothing to its calls: a method goes straight to call() */
    sops_slot slots[SOPS_MAX_PARALLEL]; /* slots[0] serves call(); call_many uses more */
    int nslots;                         /* how many have a libcurl handle */
    /* Every transfer runs through it, a single call as one of one: its
     * connection cache is the client's, and curl_multi_wait polls only the
     * transfers' sockets (curl_easy_perform and curl_multi_poll also poll
     * a wakeup socketpair lua-sops never uses: one poll more a request).
     * Made by the first call. */
    CURLM *multi;
    sops_transport_opts topts;
    size_t max_body;
    struct curl_slist *get_headers;  /* every request's headers */
    struct curl_slist *post_headers; /* the same, plus those of a JSON body */
    sops_buf scratch;
    sops_route route;
    int max_depth;
    long timeout_ms;
    /* owned copies of the option strings */
    char *base, *app_code, *app_secret, *user_field, *user_value, *ca_file, *proxy, *scope, *tenant;
    char *proxy_password; /* scrubbed from errors like the other secrets */
    /* the other forms of the three secrets (see secrets_of) */
    char *forms[3][SOPS_REDACT_EXTRA];
} sops_client;

static int make_forms(sops_client *c);

static char *dup(const char *s)
{
    char *p;
    size_t n;
    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

/* Frees everything; safe to call twice (close, then __gc). */
static void client_release(sops_client *c)
{
    int i;
    if (!c->open)
        return;
    c->open = 0;
    c->close_pending = 0;
    if (c->multi) {
        curl_multi_cleanup(c->multi); /* no handle is left in it between calls */
        c->multi = NULL;
    }
    for (i = 0; i < c->nslots; i++) {
        curl_slist_free_all(c->slots[i].headers);
        c->slots[i].headers = NULL;
        sops_transport_free(&c->slots[i].tr);
        sops_buf_free(&c->slots[i].url);
        sops_buf_free(&c->slots[i].body);
    }
    c->nslots = 0;
    curl_slist_free_all(c->get_headers);
    curl_slist_free_all(c->post_headers);
    c->get_headers = c->post_headers = NULL;
    sops_buf_free(&c->scratch);
    free(c->base);
    free(c->app_code);
    free(c->ca_file);
    wipe_free(c->proxy);
    wipe_free(c->proxy_password);
    free(c->scope);
    wipe_free(c->app_secret);
    free(c->user_field);
    wipe_free(c->user_value);
    free(c->tenant);
    sops_redact_free(c->forms[0]);
    sops_redact_free(c->forms[1]);
    sops_redact_free(c->forms[2]);
    c->base = c->app_code = c->app_secret = c->user_field = c->user_value = c->ca_file = c->proxy = c->tenant = NULL;
    c->scope = c->proxy_password = NULL;
}

/* Frees the buffers that one large call made large. */
static void trim_buffers(sops_client *c)
{
    int i;
    for (i = 0; i < c->nslots; i++) {
        sops_transport_trim(&c->slots[i].tr, SOPS_KEEP_BUF);
        sops_buf_trim(&c->slots[i].url, SOPS_KEEP_BUF);
        sops_buf_trim(&c->slots[i].body, SOPS_KEEP_BUF);
    }
    sops_buf_trim(&c->scratch, SOPS_KEEP_BUF);
}

/* The client metatable is in the registry twice: under SOPS_CLIENT_MT, as
 * luaL_checkudata knows it, and under the address of this static, which
 * finds it without hashing a name (three times a call). */
static const char CLIENT_MT_KEY = 0;

/* The client at i, or NULL when the value there is not one. */
static sops_client *to_client(lua_State *L, int i)
{
    sops_client *c = (sops_client *)lua_touserdata(L, i);
    int same;
    if (c == NULL || !lua_getmetatable(L, i))
        return NULL;
    sops_rawgetp(L, LUA_REGISTRYINDEX, &CLIENT_MT_KEY);
    same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same ? c : NULL;
}

static sops_client *check_client(lua_State *L, int i)
{
    sops_client *c = to_client(L, i);
    /* not a client: luaL_checkudata raises, in the words of the Lua in use */
    return c ? c : (sops_client *)luaL_checkudata(L, i, SOPS_CLIENT_MT);
}

/* The client of a body that pinned() runs: at 1, checked by pinned(). */
static sops_client *pinned_client(lua_State *L)
{
    return (sops_client *)lua_touserdata(L, 1);
}

/* The client at i, open and not inside a call of its own. */
static sops_client *check_open(lua_State *L, int i, const char *fn)
{
    sops_client *c = check_client(L, i);
    if (!c->open || c->close_pending)
        luaL_error(L, "bad argument #1 to '%s' (client is closed)", fn);
    if (c->busy)
        luaL_error(L, "bad argument #1 to '%s' (client is busy: called from inside one of its own calls)", fn);
    return c;
}

int sops_client_ready(lua_State *L, int i, int *has_biz)
{
    sops_client *c = to_client(L, i);
    if (c == NULL || !c->open || c->close_pending || c->busy)
        return 0;
    *has_biz = c->route.has_biz;
    return 1;
}

const char *sops_client_target(lua_State *L, int i, const char *fn, const struct sops_transport_opts **opts)
{
    sops_client *c = check_open(L, i, fn);
    *opts = &c->topts;
    return c->base;
}

/* option readers: opts table at index 1 */
static const char *opt_string(lua_State *L, const char *k)
{
    const char *s = NULL;
    lua_getfield(L, 1, k);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "bad option '%s' to 'new' (string expected)", k);
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1); /* the string stays alive: the opts table holds it */
    return s;
}

/* An integer option (in units of `scale`, e.g. 1000 for seconds given as
 * milliseconds) within [lo, hi]; raises otherwise. The core has no
 * defaults: sops.options gives every value. */
static long long opt_integer(lua_State *L, const char *k, lua_Number scale, long long lo, long long hi)
{
    lua_Number v;
    long long out = 0;
    lua_getfield(L, 1, k);
    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "bad option '%s' to 'new' (number expected)", k);
    v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!sops_number_to_int(v * scale, lo, hi, &out))
        luaL_error(L, "bad option '%s' to 'new' (out of range)", k);
    return out;
}

static int opt_bool(lua_State *L, const char *k)
{
    int v;
    lua_getfield(L, 1, k);
    if (lua_type(L, -1) != LUA_TBOOLEAN)
        luaL_error(L, "bad option '%s' to 'new' (boolean expected)", k);
    v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static int append(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (l == NULL)
        return 0;
    *list = l;
    return 1;
}

/* Adds "name: value" to the headers of POST requests, and of GET requests
 * too unless post_only. Each header costs libcurl work on every request,
 * so a GET carries only what it needs. */
static int add_header(sops_client *c, const char *name, const char *value, int post_only)
{
    sops_buf line = {NULL, 0, 0};
    int ok = sops_buf_adds(&line, name) && sops_buf_adds(&line, value)
        && append(&c->post_headers, line.data) && (post_only || append(&c->get_headers, line.data));
    if (line.data)
        memset(line.data, 0, line.len); /* it may hold the credentials */
    sops_buf_free(&line);
    return ok;
}

/* The password in a proxy URL's user info ("scheme://user:password@host"),
 * found even when the URL is otherwise malformed, so that no error can
 * echo it; NULL when there is none. */
static char *proxy_password(const char *proxy)
{
    const char *start, *at, *colon, *p;
    char *out;
    if (proxy == NULL)
        return NULL;
    start = strstr(proxy, "://");
    start = start ? start + 3 : proxy;
    at = NULL;
    for (p = start; *p && *p != '/'; p++)
        if (*p == '@')
            at = p; /* the last '@' before the path ends the user info */
    if (at == NULL)
        return NULL;
    colon = memchr(start, ':', (size_t)(at - start));
    if (colon == NULL || colon + 1 == at)
        return NULL;
    out = malloc((size_t)(at - colon));
    if (out) {
        memcpy(out, colon + 1, (size_t)(at - colon - 1));
        out[at - colon - 1] = '\0';
    }
    return out;
}

int sops_client_new(lua_State *L)
{
    sops_client *c;
    sops_transport_opts *to;
    const char *route, *ua, *lang, *tenant;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    c = (sops_client *)lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    luaL_getmetatable(L, SOPS_CLIENT_MT);
    lua_setmetatable(L, -2);
    /* from here on __gc frees whatever was made, on every path */

    to = &c->topts;
    to->timeout_ms = (long)opt_integer(L, "timeout", 1000, 1, SOPS_MAX_TIMEOUT_MS);
    to->connect_timeout_ms = (long)opt_integer(L, "connect_timeout", 1000, 1, SOPS_MAX_TIMEOUT_MS);
    c->timeout_ms = to->timeout_ms;
    to->verify_tls = opt_bool(L, "verify_tls");
    ua = opt_string(L, "user_agent");
    c->max_body = (size_t)opt_integer(L, "max_body", 1, 1, 1LL << 40);
    c->max_depth = SOPS_JSON_MAX_DEPTH; /* (the decoder's own limit: what the C stack holds) */

    c->open = 1;
    /* kept for the handles call_many adds later */
    to->ca_file = c->ca_file = dup(opt_string(L, "ca_file"));
    to->proxy = c->proxy = dup(opt_string(L, "proxy"));
    c->proxy_password = proxy_password(c->proxy);
    if (!sops_transport_init(&c->slots[0].tr, to, c->max_body))
        return luaL_error(L, "sops: libcurl could not create a handle");
    c->nslots = 1;

    route = opt_string(L, "route");
    c->route.route = !route                         ? SOPS_ROUTE_APIGW
                     : strcmp(route, "esb") == 0    ? SOPS_ROUTE_ESB
                     : strcmp(route, "system") == 0 ? SOPS_ROUTE_SYSTEM
                                                    : SOPS_ROUTE_APIGW;
    c->route.header_auth = c->route.route != SOPS_ROUTE_ESB || opt_bool(L, "header_auth");
    c->base = dup(opt_string(L, "url"));
    c->app_code = dup(opt_string(L, "app_code"));
    c->app_secret = dup(opt_string(L, "app_secret"));
    c->user_field = dup(opt_string(L, "user_field"));
    c->user_value = dup(opt_string(L, "user_value"));
    /* (an app-state client may act as no user) */
    if (!c->base || (c->route.route != SOPS_ROUTE_SYSTEM && (!c->user_field || !c->user_value))
        || (!c->user_field) != (!c->user_value))
        return luaL_error(L, "sops: 'new' needs url, user_field and user_value");
    {
        size_t n = strlen(c->base);
        while (n > 0 && c->base[n - 1] == '/')
            c->base[--n] = '\0';
    }
    c->route.base = c->base;
    c->route.app_code = c->app_code;
    c->route.app_secret = c->app_secret;
    c->route.user_field = c->user_field;
    c->route.user_value = c->user_value;
    c->scope = dup(opt_string(L, "scope"));
    if (!c->scope)
        return luaL_error(L, "sops: 'new' needs scope");
    c->route.scope = c->scope;
    if (!make_forms(c))
        return luaL_error(L, "sops: out of memory");
    lua_getfield(L, 1, "bk_biz_id");
    if (!lua_isnil(L, -1)) {
        lua_Integer biz;
        char why[SOPS_ID_WHY];
        if (!sops_id_read(L, -1, &biz, why))
            return luaL_error(L, "bad option 'bk_biz_id' to 'new' (%s)", why);
        c->route.has_biz = 1;
        c->route.biz = (long long)biz;
    }
    lua_pop(L, 1);

    if (!add_header(c, "Content-Type: ", "application/json", 1)
        || !add_header(c, "Expect:", "", 1) /* no 100-continue round trip */
        || (ua && !add_header(c, "User-Agent: ", ua, 0))) /* sops.client sends lua-sops' own */
        return luaL_error(L, "sops: out of memory");
    if (c->route.header_auth) {
        sops_buf auth = {NULL, 0, 0};
        int ok = sops_auth_header(&c->route, &auth) && add_header(c, "X-Bkapi-Authorization: ", auth.data, 0);
        if (auth.data)
            memset(auth.data, 0, auth.len);
        sops_buf_free(&auth);
        if (!ok)
            return luaL_error(L, "sops: out of memory");
    }
    lang = opt_string(L, "language");
    if (lang && (!add_header(c, "Accept-Language: ", lang, 0) || !add_header(c, "Blueking-Language: ", lang, 0)))
        return luaL_error(L, "sops: out of memory");
    tenant = opt_string(L, "tenant_id");
    c->tenant = dup(tenant);
    if (tenant && (!c->tenant || !add_header(c, "X-Bk-Tenant-Id: ", tenant, 0)))
        return luaL_error(L, "sops: out of memory");
    lua_getfield(L, 1, "headers");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "bad option 'headers' to 'new' (string names and values expected)");
            lua_pushvalue(L, -2);
            lua_pushliteral(L, ": ");
            lua_concat(L, 2);
            if (!add_header(c, lua_tostring(L, -1), lua_tostring(L, -2), 0))
                return luaL_error(L, "sops: out of memory");
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
    return 1;
}

/* the secrets, each in every form it travels in */
#define SOPS_SECRETS (3 * (1 + SOPS_REDACT_EXTRA))

/* The client's secrets: app_secret, the user's token (bk_token or
 * access_token; a bk_username is no secret) and the proxy's password. */
static void raw_secrets(sops_client *c, const char **out)
{
    out[0] = c->app_secret;
    out[1] = (c->user_field && strcmp(c->user_field, "bk_username") != 0) ? c->user_value : NULL;
    out[2] = c->proxy_password;
}

/* Works out the other forms of the secrets; 0: no memory. */
static int make_forms(sops_client *c)
{
    const char *raw[3];
    int i;
    raw_secrets(c, raw);
    for (i = 0; i < 3; i++)
        if (!sops_redact_forms(raw[i], c->forms[i]))
            return 0;
    return 1;
}

static void secrets_of(sops_client *c, const char **out)
{
    int i, j, k = 3;
    raw_secrets(c, out);
    for (i = 0; i < 3; i++)
        for (j = 0; j < SOPS_REDACT_EXTRA; j++)
            out[k++] = c->forms[i][j];
}

/* sops_response's way to read the headers, only when they are needed */
static void fetch_headers(const sops_response *r)
{
    sops_transport_headers((sops_transport *)r->ud);
}

static int push_failure(lua_State *L, sops_client *c, sops_error *e)
{
    const char *secrets[SOPS_SECRETS];
    secrets_of(c, secrets);
    return sops_error_return(L, e, secrets, SOPS_SECRETS);
}

/* Turns the slot's finished transfer into value, nil, response or nil,
 * message, err,
 * and notes in c->sent whether the request went out. */
static int finish_call(lua_State *L, sops_client *c, sops_slot *slot, const char *api)
{
    sops_transport *t = &slot->tr;
    sops_response r;
    const char *secrets[SOPS_SECRETS];
    r.outcome = sops_transport_outcome(t, slot->rc);
    r.status = sops_transport_status(t);
    r.body = t->body.data;
    r.len = t->body.len;
    r.max_body = t->max_body;
    r.sent = slot->rc == CURLE_OK || sops_transport_sent(t);
    c->sent |= r.sent;
    r.once = slot->once;
    r.detail = sops_transport_detail(t, slot->rc);
    r.request_id = t->header[SOPS_H_REQUEST_ID];
    r.error_code = t->header[SOPS_H_ERROR_CODE];
    r.trace_id = t->header[SOPS_H_TRACE_ID];
    r.retry_after = t->header[SOPS_H_RETRY_AFTER];
    r.fetch_headers = fetch_headers;
    r.ud = t;
    secrets_of(c, secrets);
    return sops_response_push(L, &r, api, c->max_depth, &c->scratch, secrets, SOPS_SECRETS);
}

/* Raises "bad argument ..." (fmt) at the caller's line (sops_where). */
static int arg_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    sops_where(L);
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    return lua_error(L);
}

/* The timeout argument at idx (of call `fn`): the client's own, or
 * shorter. */
static long call_timeout(lua_State *L, sops_client *c, int idx, const char *fn)
{
    long timeout_ms = c->timeout_ms;
    if (!lua_isnoneornil(L, idx)) {
        lua_Number t = lua_tonumber(L, idx);
        long long ms;
        if (lua_type(L, idx) != LUA_TNUMBER || !(t > 0))
            arg_error(L, "bad argument #%d to '%s' (positive number expected)", idx - 1, fn);
        if (sops_number_to_int(t * 1000, 0, timeout_ms, &ms))
            timeout_ms = ms > 0 ? (long)ms : 1;
    }
    return timeout_ms;
}

/* Builds the request of api with the params at idx into slot and sets its
 * handle up. Raises on parameters that cannot be sent. */
static const sops_endpoint *prepare(lua_State *L, sops_client *c, sops_slot *slot, const char *api, int idx,
                                    long timeout_ms)
{
    const char *err = NULL;
    char why[SOPS_REQUEST_WHY];
    const sops_endpoint *ep = sops_catalog_find(L, api);
    if (ep == NULL) {
        sops_where(L);
        lua_pushfstring(L, "bad argument #1 to 'call' (unknown bk-sops api '%s')", api);
        lua_concat(L, 2);
        lua_error(L);
    }
    if (c->route.route == SOPS_ROUTE_ESB && !ep->esb) {
        sops_where(L);
        lua_pushfstring(L, "bad argument #1 to 'sops.%s' (ESB has no api '%s': use the API gateway route)", api, api);
        lua_concat(L, 2);
        lua_error(L);
    }
    if (c->route.route == SOPS_ROUTE_SYSTEM && !ep->system) {
        sops_where(L);
        lua_pushfstring(L, "bad argument #1 to 'sops.%s' (the app-state route has no '%s': bk-sops has no "
                        "system_%s; use a client of route 'apigw' with a user)", api, api, api);
        lua_concat(L, 2);
        lua_error(L);
    }
    if (!sops_build_request(L, idx, ep, &c->route, &slot->url, &slot->body, &c->scratch, why, &err)) {
        /* at the caller's line, wherever in the library the call began */
        sops_where(L);
        lua_pushfstring(L, "bad argument #1 to 'sops.%s' (%s)", api, err);
        lua_concat(L, 2);
        lua_error(L);
    }
    slot->once = ep->changes_state;
    sops_transport_prepare(&slot->tr, slot->url.data, ep->post ? c->post_headers : c->get_headers,
                           ep->post ? slot->body.data : NULL, slot->body.len, timeout_ms, slot->once);
    return ep;
}

/* Pushes nil and the error of a call whose client was closed while the
 * call was inside the core (by a metamethod or a finalizer). */
static int push_closed(lua_State *L, sops_client *c, const char *api)
{
    sops_error e;
    memset(&e, 0, sizeof e);
    e.kind = "closed";
    e.api = api;
    e.message = c->sent ? "the client was closed during the call, after its request was sent"
                        : "the client was closed during the call; nothing was sent";
    e.retry_after = -1;
    e.sent = c->sent;
    return push_failure(L, c, &e);
}

/* Gives the slot's request the client's headers plus "traceparent: tp".
 * Returns 0 when memory ran out. */
static int add_traceparent(sops_client *c, sops_slot *slot, const char *tp, int post)
{
    struct curl_slist *h, *list = NULL;
    sops_buf line = {NULL, 0, 0};
    int ok = 1;
    curl_slist_free_all(slot->headers);
    slot->headers = NULL;
    for (h = post ? c->post_headers : c->get_headers; h && ok; h = h->next)
        ok = append(&list, h->data);
    ok = ok && sops_buf_adds(&line, "traceparent: ") && sops_buf_adds(&line, tp) && append(&list, line.data);
    sops_buf_free(&line);
    if (!ok) {
        curl_slist_free_all(list);
        return 0;
    }
    slot->headers = list;
    curl_easy_setopt(slot->tr.easy, CURLOPT_HTTPHEADER, list);
    return 1;
}

/* The body of client:call, run pinned (see pinned()): (client, api,
 * params [, timeout [, traceparent]]). */
/* The api name (at 2) and the parameters (a table at 3) of a call of
 * the core's, each refused at the caller's line when it is not one (fn:
 * the call as the caller knows it). */
static const char *api_and_params(lua_State *L, const char *fn)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        arg_error(L, "bad argument #1 to '%s' (an api name expected, got %s)", fn, luaL_typename(L, 2));
    if (lua_type(L, 3) != LUA_TTABLE)
        arg_error(L, "bad argument #2 to '%s' (table expected, got %s)", fn, luaL_typename(L, 3));
    return lua_tostring(L, 2);
}

/* Runs slots [0, n) at once through the client's multi handle; each
 * slot's rc says how its transfer ended. Ctrl-C in the lua interpreter
 * (sops_interrupt_pending, read by the progress callback) ends them at
 * once: a signal interrupts the wait, which libcurl takes as a wake-up. */
static void run_parallel(lua_State *L, sops_client *c, int n)
{
    int i, running = 0, left;
    CURLMsg *msg;
    for (i = 0; i < n; i++) {
        c->slots[i].rc = CURLE_FAILED_INIT;
        c->slots[i].tr.cancel = sops_interrupt_pending;
        c->slots[i].tr.cancel_ctx = L;
        curl_multi_add_handle(c->multi, c->slots[i].tr.easy);
    }
    do {
        CURLMcode mc = curl_multi_perform(c->multi, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_wait(c->multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK)
            break;
    } while (running);
    while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        for (i = 0; i < n; i++)
            if (c->slots[i].tr.easy == msg->easy_handle)
                c->slots[i].rc = msg->data.result;
    }
    for (i = 0; i < n; i++) {
        curl_multi_remove_handle(c->multi, c->slots[i].tr.easy);
        c->slots[i].tr.cancel = NULL;
    }
}

static int call_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    const char *api = api_and_params(L, "call");
    const char *tp = lua_type(L, 5) == LUA_TSTRING ? lua_tostring(L, 5) : NULL;
    const sops_endpoint *ep;
    long timeout_ms;
    sops_slot *slot = &c->slots[0];

    timeout_ms = call_timeout(L, c, 4, "call");
    if (tp && strpbrk(tp, "\r\n"))
        return arg_error(L, "bad argument #4 to 'call' (traceparent with a line break)");
    lua_settop(L, 5); /* the traceparent stays referenced while it is used */
    ep = prepare(L, c, slot, api, 3, timeout_ms);
    if (tp && !add_traceparent(c, slot, tp, ep->post))
        return luaL_error(L, "sops: out of memory");
    if (c->close_pending)
        return push_closed(L, c, api);
    if (c->multi == NULL && (c->multi = curl_multi_init()) == NULL)
        return luaL_error(L, "sops: libcurl could not create a multi handle");
    /* Ctrl-C in the lua interpreter ends the transfer at once */
    run_parallel(L, c, 1);
    /* libcurl has returned: only now may anything raise */
    return finish_call(L, c, slot, api);
}

/* Runs body(client, args...) with the client pinned: Lua code that runs
 * meanwhile (a metamethod of the params, a finalizer while a large answer
 * is decoded) may close the client, and that only marks it; a call of its
 * own is refused. When body ends, normally or by an error, the client is
 * released if it was closed meanwhile and closed(L, c) (with the original
 * arguments at 1..n) makes the results instead; buffers grown by a large
 * answer are freed. Nothing is raised while the client is pinned. */
static int pinned(lua_State *L, lua_CFunction body, const char *fn, int results,
                  int (*closed)(lua_State *L, sops_client *c))
{
    sops_client *c = check_open(L, 1, fn);
    int n = lua_gettop(L), i, status;
    /* the arguments stay below, for closed() and to keep the client alive */
    lua_pushcfunction(L, body);
    for (i = 1; i <= n; i++)
        lua_pushvalue(L, i);
    /* pushing the body may collect garbage (under Lua 5.1 a C function is
     * an allocation), and a finalizer may close the client: released then,
     * before it was busy, so the body must not run on it */
    if (!c->open) {
        lua_settop(L, n);
        c->sent = 0;
        closed(L, c);
        return results;
    }
    c->busy = 1;
    c->sent = 0;
    status = lua_pcall(L, n, results, 0);
    c->busy = 0;
    if (c->open)
        trim_buffers(c);
    if (c->close_pending) {
        if (status == LUA_OK) {
            lua_settop(L, n);
            closed(L, c);
        }
        client_release(c);
    }
    if (status != LUA_OK)
        return lua_error(L);
    return results;
}

static int call_closed(lua_State *L, sops_client *c)
{
    return push_closed(L, c, lua_tostring(L, 2));
}

/* core.call(client, api, params [, timeout [, traceparent]]): one call,
 * for the Lua layer's methods; argument errors are reported at the first
 * frame outside the library (sops_where). */
int sops_client_call(lua_State *L)
{
    return pinned(L, call_body, "call", 3, call_closed);
}

/* core.set_direct(client, yes): whether the Lua layer has nothing to add
 * to the client's calls (no retry policy, no hooks, libcurl's transport),
 * so that a method whose arguments fit goes straight to call(). */
int sops_client_set_direct(lua_State *L)
{
    check_client(L, 1)->direct = lua_toboolean(L, 2);
    return 0;
}

int sops_client_is_direct(lua_State *L, int i)
{
    sops_client *c = to_client(L, i);
    return c != NULL && c->direct;
}

/* Replaces the three results on top of the stack with one table of them,
 * as table.pack would make it: {n = 3, [1], [2], [3]}. */
static void push_entry(lua_State *L)
{
    int i;
    lua_createtable(L, 3, 1);
    for (i = 3; i >= 1; i--) {
        lua_pushvalue(L, -1 - i);
        lua_rawseti(L, -2, 4 - i);
    }
    lua_pushinteger(L, 3);
    lua_setfield(L, -2, "n");
    lua_replace(L, -4);
    lua_pop(L, 2);
}

/* The body of client:call_many, run pinned. */
static int call_many_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    long timeout_ms;
    int n, done = 0, results;

    if (lua_type(L, 2) != LUA_TTABLE)
        arg_error(L, "bad argument #1 to 'call_many' (table expected, got %s)", luaL_typename(L, 2));
    timeout_ms = call_timeout(L, c, 3, "call_many");
    lua_settop(L, 2);
    n = (int)lua_rawlen(L, 2);
    lua_createtable(L, n, 0);
    results = lua_gettop(L);
    if (n > 0 && c->multi == NULL && (c->multi = curl_multi_init()) == NULL)
        return luaL_error(L, "sops: libcurl could not create a multi handle");
    while (done < n) {
        int wave = n - done < SOPS_MAX_PARALLEL ? n - done : SOPS_MAX_PARALLEL;
        int i;
        for (i = 0; i < wave; i++) {
            sops_slot *slot = &c->slots[i];
            if (i >= c->nslots) {
                if (!sops_transport_init(&slot->tr, &c->topts, c->max_body))
                    return luaL_error(L, "sops: libcurl could not create a handle");
                c->nslots = i + 1;
            }
            lua_rawgeti(L, 2, done + i + 1);
            if (lua_type(L, -1) != LUA_TTABLE)
                return arg_error(L, "bad argument #1 to 'call_many' (calls[%d]: {api, params} expected)",
                                  done + i + 1);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TTABLE)
                return arg_error(L, "bad argument #1 to 'call_many' (calls[%d]: {api, params} expected)",
                                  done + i + 1);
            prepare(L, c, slot, lua_tostring(L, -2), lua_gettop(L), timeout_ms);
            lua_pop(L, 3);
        }
        if (c->close_pending)
            return 1; /* pinned() answers for every call */
        run_parallel(L, c, wave);
        /* every transfer of the wave has ended: now decode */
        for (i = 0; i < wave; i++) {
            int base = lua_gettop(L);
            lua_rawgeti(L, 2, done + i + 1);
            lua_rawgeti(L, -1, 1);
            /* its last three values are the results; it may leave more below */
            finish_call(L, c, &c->slots[i], lua_tostring(L, -1));
            push_entry(L);
            lua_rawseti(L, results, done + i + 1);
            lua_settop(L, base);
        }
        done += wave;
    }
    return 1;
}

/* Pushes s scrubbed of the client's secrets. */
static void push_scrubbed(lua_State *L, sops_client *c, const char *s, size_t n)
{
    const char *secrets[SOPS_SECRETS];
    secrets_of(c, secrets);
    sops_scrub_push(L, s, n, secrets, SOPS_SECRETS);
}

/* The body of core.build, run pinned: the request of api with params, as
 * it would be sent, secrets replaced by ***. */
static int build_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    const char *api = api_and_params(L, "prepare");
    sops_slot *slot = &c->slots[0];
    const sops_endpoint *ep;
    struct curl_slist *h;
    int i = 0;
    lua_settop(L, 3);
    ep = prepare(L, c, slot, api, 3, c->timeout_ms);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, ep->post ? "POST" : "GET");
    lua_setfield(L, -2, "method");
    push_scrubbed(L, c, slot->url.data, slot->url.len);
    lua_setfield(L, -2, "url");
    lua_newtable(L);
    for (h = ep->post ? c->post_headers : c->get_headers; h; h = h->next) {
        push_scrubbed(L, c, h->data, strlen(h->data));
        lua_rawseti(L, -2, ++i);
    }
    lua_setfield(L, -2, "headers");
    if (ep->post) {
        push_scrubbed(L, c, slot->body.data ? slot->body.data : "", slot->body.len);
        lua_setfield(L, -2, "body");
    }
    lua_pushboolean(L, ep->changes_state);
    lua_setfield(L, -2, "changes_state");
    return 1;
}

static int build_closed(lua_State *L, sops_client *c)
{
    (void)c;
    return luaL_error(L, "sops: the client was closed while the request was built");
}

/* core.build(client, api, params) -> {method, url, headers, body,
 * changes_state}; argument errors as for core.call. Nothing is sent. */
int sops_client_build(lua_State *L)
{
    return pinned(L, build_body, "prepare", 1, build_closed);
}

/* Adds the header lines of list, each ending in CRLF, as they go on the
 * wire ("Name:" lines, which tell libcurl to drop a header, left out;
 * "Name;" sent empty), then the traceparent's, if any. Returns whether one
 * of them is an Accept header. */
static int add_head_lines(luaL_Buffer *b, const struct curl_slist *h, const char *tp)
{
    int accept = 0;
    for (; h; h = h->next) {
        size_t n = strlen(h->data);
        if (n > 0 && h->data[n - 1] == ':')
            continue;
        if (n >= 7 && strncasecmp(h->data, "accept:", 7) == 0)
            accept = 1;
        if (n > 0 && h->data[n - 1] == ';') {
            luaL_addlstring(b, h->data, n - 1);
            luaL_addchar(b, ':');
        } else {
            luaL_addlstring(b, h->data, n);
        }
        luaL_addlstring(b, "\r\n", 2);
    }
    if (tp) {
        luaL_addlstring(b, "traceparent: ", 13);
        luaL_addstring(b, tp);
        luaL_addlstring(b, "\r\n", 2);
    }
    return accept;
}

/* The body of core.request, run pinned: (client, api, params [,
 * traceparent]) -> {method, url, head, body, once, max_body}, the request
 * exactly as libcurl would send it, secrets included, for another
 * transport (sops.cosocket), which keeps it to itself. head: the header
 * lines, each ending in CRLF, as they go on the wire ("Name:" lines, which
 * tell libcurl to drop a header, left out; "Name;" sent empty). */
static int request_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    const char *api = api_and_params(L, "call");
    const char *tp = lua_type(L, 4) == LUA_TSTRING ? lua_tostring(L, 4) : NULL;
    sops_slot *slot = &c->slots[0];
    const sops_endpoint *ep;
    luaL_Buffer b;
    lua_settop(L, 4);
    ep = prepare(L, c, slot, api, 3, c->timeout_ms);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, ep->post ? "POST" : "GET");
    lua_setfield(L, -2, "method");
    lua_pushlstring(L, slot->url.data, slot->url.len);
    lua_setfield(L, -2, "url");
    luaL_buffinit(L, &b);
    add_head_lines(&b, ep->post ? c->post_headers : c->get_headers, tp);
    luaL_pushresult(&b);
    lua_setfield(L, -2, "head");
    if (ep->post) {
        lua_pushlstring(L, slot->body.data ? slot->body.data : "", slot->body.len);
        lua_setfield(L, -2, "body");
    }
    lua_pushboolean(L, ep->changes_state);
    lua_setfield(L, -2, "once");
    lua_pushnumber(L, (lua_Number)c->max_body);
    lua_setfield(L, -2, "max_body");
    return 1;
}

/* core.request(client, api, params [, traceparent]): see request_body;
 * argument errors as for core.call. */
int sops_client_request(lua_State *L)
{
    return pinned(L, request_body, "call", 1, build_closed);
}

/* The body of core.wire, run pinned: (client, api, params, traceparent,
 * host, prefix_len) -> the request's bytes as they go on an HTTP/1.1
 * keep-alive connection to host (the Host header), its target the URL
 * past its first prefix_len bytes ("scheme://host[:port]"); and whether it
 * must go once. Secrets included, for sops.cosocket, which keeps it to
 * itself. The same request as core.request's, built in one buffer. */
static int wire_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    const char *api = api_and_params(L, "call");
    const char *tp = lua_type(L, 4) == LUA_TSTRING ? lua_tostring(L, 4) : NULL;
    size_t host_len, skip = (size_t)luaL_checkinteger(L, 6);
    const char *host = luaL_checklstring(L, 5, &host_len);
    sops_slot *slot = &c->slots[0];
    const sops_endpoint *ep;
    luaL_Buffer b;
    char num[32];
    lua_settop(L, 6);
    ep = prepare(L, c, slot, api, 3, c->timeout_ms);
    if (skip > slot->url.len)
        skip = slot->url.len;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, ep->post ? "POST " : "GET ");
    if (skip == slot->url.len)
        luaL_addchar(&b, '/');
    else
        luaL_addlstring(&b, slot->url.data + skip, slot->url.len - skip);
    luaL_addlstring(&b, " HTTP/1.1\r\nHost: ", 17);
    luaL_addlstring(&b, host, host_len);
    luaL_addlstring(&b, "\r\n", 2);
    /* libcurl's own Accept, unless the client's headers have one */
    if (!add_head_lines(&b, ep->post ? c->post_headers : c->get_headers, tp))
        luaL_addlstring(&b, "Accept: */*\r\n", 13);
    if (ep->post) {
        snprintf(num, sizeof num, "Content-Length: %lu\r\n", (unsigned long)slot->body.len);
        luaL_addstring(&b, num);
    }
    luaL_addlstring(&b, "Connection: keep-alive\r\n\r\n", 26);
    if (ep->post && slot->body.len > 0)
        luaL_addlstring(&b, slot->body.data, slot->body.len);
    luaL_pushresult(&b);
    lua_pushboolean(L, ep->changes_state);
    return 2;
}

/* core.wire(client, api, params, traceparent, host, prefix_len): see
 * wire_body; argument errors as for core.call. */
int sops_client_wire(lua_State *L)
{
    return pinned(L, wire_body, "call", 2, build_closed);
}

/* A string field of the table at idx, or "" (copied into out, n bytes). */
static const char *answer_field(lua_State *L, int idx, const char *k, char *out, size_t n)
{
    const char *v;
    lua_getfield(L, idx, k);
    v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    snprintf(out, n, "%s", v);
    lua_pop(L, 1);
    return out;
}

/* The body of core.answer, run pinned: (client, api, t) where t says how
 * another transport's exchange ended: {status, body, request_id,
 * error_code, trace_id, retry_after, failure = nil | "timeout" | "tls" |
 * "transport", message, sent, once, too_large}. Classified and decoded as
 * libcurl's transfers are: value, nil, response | nil, message, err. */
/* The head an answer came with (sops.cosocket's read buffer), whose
 * headers are read only when a failure needs them. */
typedef struct {
    const char *head;
    size_t len;
    char value[SOPS_H_COUNT][128];
} lazy_head;

static void fetch_lazy(const sops_response *r)
{
    lazy_head *lh = r->ud;
    int i;
    for (i = 0; i < SOPS_H_COUNT; i++)
        sops_answer_head_value(lh->head, lh->len, SOPS_ANSWER_HEADERS[i], lh->value[i], sizeof lh->value[i]);
}

/* core.answer(client, api, status, buf, body_from, head_from, once): an
 * answer that came whole: its body buf[body_from..] (to the end of buf),
 * its head at buf[head_from..]; no table, no copy. */
static int answer_read(lua_State *L, sops_client *c, const char *api)
{
    size_t n;
    const char *buf = luaL_checklstring(L, 4, &n);
    lua_Integer from = luaL_checkinteger(L, 5), head = luaL_checkinteger(L, 6);
    lua_Number status = luaL_checknumber(L, 3);
    const char *secrets[SOPS_SECRETS];
    lazy_head lh;
    sops_response r;
    int i;
    luaL_argcheck(L, from >= 1 && (size_t)from <= n + 1, 5, "out of range");
    luaL_argcheck(L, head >= 1 && head <= from, 6, "out of range");
    memset(&r, 0, sizeof r);
    lh.head = buf + head - 1;
    lh.len = (size_t)(from - head);
    for (i = 0; i < SOPS_H_COUNT; i++)
        lh.value[i][0] = '\0';
    r.outcome = SOPS_ANSWERED;
    r.status = status >= 100 && status <= 999 ? (long)status : 0;
    r.len = n - (size_t)(from - 1);
    r.body = r.len > 0 ? buf + from - 1 : NULL; /* (a Lua string ends in a NUL byte) */
    r.sent = 1;
    r.once = lua_toboolean(L, 7);
    r.max_body = c->max_body;
    r.detail = "";
    r.request_id = lh.value[SOPS_H_REQUEST_ID];
    r.error_code = lh.value[SOPS_H_ERROR_CODE];
    r.trace_id = lh.value[SOPS_H_TRACE_ID];
    r.retry_after = lh.value[SOPS_H_RETRY_AFTER];
    r.fetch_headers = fetch_lazy;
    r.ud = &lh;
    secrets_of(c, secrets);
    return sops_response_push(L, &r, api, c->max_depth, &c->scratch, secrets, SOPS_SECRETS);
}

static int answer_body(lua_State *L)
{
    sops_client *c = pinned_client(L);
    const char *api = luaL_checkstring(L, 2);
    const char *secrets[SOPS_SECRETS];
    char header[SOPS_H_COUNT][128], message[256], failure[16];
    const char *got[SOPS_H_COUNT];
    int i;
    sops_response r;
    size_t len = 0;
    const char *body;
    lua_Number status;
    if (lua_type(L, 3) == LUA_TNUMBER)
        return answer_read(L, c, api);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    lua_getfield(L, 3, "body"); /* stays at 4, referenced while it is read */
    body = lua_type(L, 4) == LUA_TSTRING ? lua_tolstring(L, 4, &len) : NULL;
    lua_getfield(L, 3, "status");
    status = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    lua_pop(L, 1);
    answer_field(L, 3, "failure", failure, sizeof failure);
    memset(&r, 0, sizeof r);
    r.outcome = SOPS_ANSWERED;
    if (strcmp(failure, "timeout") == 0)
        r.outcome = SOPS_TIMED_OUT;
    else if (strcmp(failure, "tls") == 0)
        r.outcome = SOPS_TLS_FAILED;
    else if (strcmp(failure, "transport") == 0)
        r.outcome = SOPS_BROKEN;
    r.status = status >= 100 && status <= 999 ? (long)status : 0;
    r.body = len > 0 ? body : NULL;
    r.len = len;
    lua_getfield(L, 3, "too_large");
    if (lua_toboolean(L, -1))
        r.outcome = SOPS_TOO_LARGE;
    lua_getfield(L, 3, "sent");
    r.sent = lua_toboolean(L, -1);
    lua_getfield(L, 3, "once");
    r.once = lua_toboolean(L, -1);
    lua_pop(L, 3);
    r.max_body = c->max_body;
    r.detail = answer_field(L, 3, "message", message, sizeof message);
    for (i = 0; i < SOPS_H_COUNT; i++)
        got[i] = answer_field(L, 3, SOPS_ANSWER_FIELDS[i], header[i], sizeof header[i]);
    r.request_id = got[SOPS_H_REQUEST_ID];
    r.error_code = got[SOPS_H_ERROR_CODE];
    r.trace_id = got[SOPS_H_TRACE_ID];
    r.retry_after = got[SOPS_H_RETRY_AFTER];
    secrets_of(c, secrets);
    return sops_response_push(L, &r, api, c->max_depth, &c->scratch, secrets, SOPS_SECRETS);
}

/* core.answer(client, api, t) -> value, nil, response | nil, message,
 * err: see
 * answer_body. */
int sops_client_answer(lua_State *L)
{
    return pinned(L, answer_body, "call", 3, call_closed);
}

/* Every call of a call_many whose client was closed during it gets
 * {n = 3, nil, message, err}. */
static int call_many_closed(lua_State *L, sops_client *c)
{
    int i, n = lua_type(L, 2) == LUA_TTABLE ? (int)lua_rawlen(L, 2) : 0;
    lua_createtable(L, n, 0);
    for (i = 1; i <= n; i++) {
        push_closed(L, c, "call_many");
        push_entry(L);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* client:call_many(calls [, timeout]) -> results
 * calls: a list of {api, params}. The requests go out at once (up to
 * SOPS_MAX_PARALLEL in flight); results[i] holds what call would return,
 * as table.pack does: {n = 3, value, nil, response} or {n = 3, nil,
 * message, err}. */
static int client_call_many(lua_State *L)
{
    return pinned(L, call_many_body, "call_many", 1, call_many_closed);
}

/* close() and __close: while a call is inside the core, only marks the
 * client (the call releases it when it ends). */
static int client_close(lua_State *L)
{
    sops_client *c = check_client(L, 1);
    if (c->busy)
        c->close_pending = c->open;
    else
        client_release(c);
    return 0;
}

/* __gc: nothing can be inside a call of a client nobody references. */
static int client_gc(lua_State *L)
{
    client_release(check_client(L, 1));
    return 0;
}

static int client_tostring(lua_State *L)
{
    sops_client *c = check_client(L, 1);
    if (!c->open || c->close_pending)
        lua_pushliteral(L, "sops.client (closed)");
    else
        lua_pushfstring(L, "sops.client (%s %s, app %s, %s %s%s%s)",
                        c->route.route == SOPS_ROUTE_ESB      ? "esb"
                        : c->route.route == SOPS_ROUTE_SYSTEM ? "system"
                                                              : "apigw",
                        c->base, c->app_code ? c->app_code : "-", c->user_field ? c->user_field : "no",
                        !c->user_field                               ? "user"
                        : strcmp(c->user_field, "bk_username") == 0 ? c->user_value
                                                                     : "***",
                        c->tenant ? ", tenant " : "", c->tenant ? c->tenant : "");
    return 1;
}

static int client_is_open(lua_State *L)
{
    sops_client *c = check_client(L, 1);
    lua_pushboolean(L, c->open && !c->close_pending);
    return 1;
}

void sops_client_open(lua_State *L)
{
    static const luaL_Reg meta[] = {
        {"__gc", client_gc},
        {"__close", client_close},
        {"__tostring", client_tostring},
        {NULL, NULL},
    };
    static const luaL_Reg methods[] = {
        {"call_many", client_call_many},
        {"close", client_close},
        {"is_open", client_is_open},
        {NULL, NULL},
    };
    luaL_newmetatable(L, SOPS_CLIENT_MT);
    lua_pushvalue(L, -1);
    sops_rawsetp(L, LUA_REGISTRYINDEX, &CLIENT_MT_KEY);
    luaL_setfuncs(L, meta, 0);
    lua_pushliteral(L, "sops.client");
    lua_setfield(L, -2, "__name");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__index");
    lua_remove(L, -2); /* leave the methods table */
}
