#include <stdio.h>
#include <string.h>

#include "request.h"
#include "ids.h"
#include "json.h"

int sops_url_escape(sops_buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t i;
    if (!sops_buf_reserve(b, n * 3))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || c == '.' || c == '~') {
            b->data[b->len++] = (char)c;
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = hexd[c >> 4];
            b->data[b->len++] = hexd[c & 15];
        }
    }
    b->data[b->len] = '\0';
    return 1;
}

/* The path parameter called k: SOPS_PART_ID or SOPS_PART_STRING, or
 * SOPS_PART_TEXT when k is no path parameter. */
static int path_param(const sops_endpoint *ep, const char *k)
{
    int i;
    for (i = 0; i < ep->nids; i++)
        if (strcmp(ep->ids[i], k) == 0)
            return ep->id_is_text[i] ? SOPS_PART_STRING : SOPS_PART_ID;
    return SOPS_PART_TEXT;
}

/* Writes v in decimal at the end of tmp[32]; returns where it starts. */
static char *decimal(long long v, char *tmp)
{
    char *p = tmp + 31;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

/* Reads the id at idx (field k) into *id; on a bad one, writes why into
 * the builder's message buffer and points *err at it. */
static int read_id(lua_State *L, int idx, const char *k, lua_Integer *id, char *why, const char **err)
{
    char reason[SOPS_ID_WHY];
    if (sops_id_read(L, idx, id, reason))
        return 1;
    snprintf(why, SOPS_REQUEST_WHY, "field '%s': %s", k, reason);
    *err = why;
    return 0;
}

/* Appends s[0..n) escaped as one path segment: "." and ".." as "%2E" and
 * "%2E%2E", which no one on the way takes for a step up the path (libcurl,
 * a proxy or the server would otherwise send or route the request
 * elsewhere). */
static int add_segment(sops_buf *b, const char *s, size_t n)
{
    if (n <= 2 && strspn(s, ".") == n)
        return sops_buf_adds(b, n == 1 ? "%2E" : "%2E%2E");
    return sops_url_escape(b, s, n);
}

/* Appends the string parameter k of the path, as one segment. */
static int add_text(lua_State *L, int params, const char *k, sops_buf *b, char *why, const char **err)
{
    size_t n;
    const char *s;
    lua_getfield(L, params, k);
    s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    if (s == NULL || n == 0 || !sops_utf8_valid(s, n)) {
        lua_pop(L, 1);
        snprintf(why, SOPS_REQUEST_WHY, "field '%s': %s", k,
                 s == NULL ? "string expected" : n == 0 ? "non-empty string expected" : "invalid UTF-8");
        *err = why;
        return 0;
    }
    if (!add_segment(b, s, n)) {
        lua_pop(L, 1);
        *err = "out of memory";
        return 0;
    }
    lua_pop(L, 1);
    return 1;
}

/* Appends the id named k as digits, from params (or, for bk_biz_id, the
 * route's default). */
static int add_id(lua_State *L, int params, const sops_route *r, const char *k, sops_buf *b, char *why,
                  const char **err)
{
    char tmp[32];
    lua_Integer id;
    lua_getfield(L, params, k);
    if (lua_isnil(L, -1) && r->has_biz && strcmp(k, "bk_biz_id") == 0) {
        id = (lua_Integer)r->biz;
    } else if (!read_id(L, -1, k, &id, why, err)) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pop(L, 1);
    if (!sops_buf_adds(b, decimal((long long)id, tmp))) {
        *err = "out of memory";
        return 0;
    }
    return 1;
}

/* Appends "k=v" for a query; *sep is '?' before the first pair, then '&'. */
static int add_pair(lua_State *L, int vidx, const char *k, size_t klen, sops_buf *b, char *sep,
                    sops_buf *scratch, const char **err)
{
    size_t n;
    const char *v;
    char tmp[64];
    switch (lua_type(L, vidx)) {
    case LUA_TBOOLEAN:
        if (!lua_toboolean(L, vidx))
            return 1; /* flags are presence-only on the server: false is left out */
        v = "true";
        n = 4;
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, vidx)) {
            v = decimal((long long)lua_tointeger(L, vidx), tmp);
            n = strlen(v);
        } else {
            lua_Number x = lua_tonumber(L, vidx);
            if (x != x || x - x != 0) {
                *err = "cannot send NaN or infinity";
                return 0;
            }
            n = (size_t)snprintf(tmp, sizeof tmp, "%.17g", (double)x);
            v = tmp;
        }
        break;
    case LUA_TSTRING:
        v = lua_tolstring(L, vidx, &n);
        if (!sops_utf8_valid(v, n)) {
            *err = "invalid UTF-8 in a string";
            return 0;
        }
        break;
    case LUA_TTABLE:
        sops_buf_reset(scratch);
        if (!sops_json_encode(L, vidx, scratch, err))
            return 0;
        v = scratch->data;
        n = scratch->len;
        break;
    case LUA_TNIL:
        return 1;
    default:
        if (lua_type(L, vidx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, vidx) == NULL)
            return 1;
        *err = "cannot send a value of this type in a query";
        return 0;
    }
    if (!sops_buf_addc(b, *sep) || !sops_url_escape(b, k, klen) || !sops_buf_addc(b, '=')
        || !sops_url_escape(b, v, n)) {
        *err = "out of memory";
        return 0;
    }
    *sep = '&';
    return 1;
}

static int add_str_pair(sops_buf *b, const char *k, const char *v, char *sep)
{
    if (!v)
        return 1;
    if (!sops_buf_addc(b, *sep) || !sops_url_escape(b, k, strlen(k)) || !sops_buf_addc(b, '=')
        || !sops_url_escape(b, v, strlen(v)))
        return 0;
    *sep = '&';
    return 1;
}

static int add_json_member(sops_buf *b, const char *k, const char *v, int *first)
{
    if (!v)
        return 1;
    if ((!*first && !sops_buf_addc(b, ',')) || !sops_json_add_string(b, k, strlen(k))
        || !sops_buf_addc(b, ':') || !sops_json_add_string(b, v, strlen(v)))
        return 0;
    *first = 0;
    return 1;
}

int sops_auth_header(const sops_route *r, sops_buf *out)
{
    int first = 1;
    return sops_buf_addc(out, '{') && add_json_member(out, "bk_app_code", r->app_code, &first)
        && add_json_member(out, "bk_app_secret", r->app_secret, &first)
        && add_json_member(out, r->user_field, r->user_value, &first) && sops_buf_addc(out, '}');
}

/* Where the members of a request go while it is built. */
typedef struct builder {
    const sops_endpoint *ep;
    int esb, first;
    char sep;
    sops_buf *url, *body, *scratch;
    char *why; /* SOPS_REQUEST_WHY bytes for a message made on the spot */
} builder;

/* Adds the member whose key and value are at -2 and -1 (left there). An
 * id travels as its digits in the path (gateway) or as a JSON integer or
 * query number (ESB), whatever form the caller gave it in. */
static int add_member(lua_State *L, builder *bd, const char **err)
{
    size_t klen;
    const char *k;
    int pushed = 0, ok, kind;
    if (lua_type(L, -2) != LUA_TSTRING) {
        *err = "parameter names must be strings";
        return 0;
    }
    k = lua_tolstring(L, -2, &klen);
    kind = path_param(bd->ep, k);
    if (kind != SOPS_PART_TEXT && !bd->esb)
        return 1; /* in the path already */
    if (kind == SOPS_PART_ID) {
        lua_Integer id;
        if (!read_id(L, -1, k, &id, bd->why, err))
            return 0;
        lua_pushinteger(L, id);
        pushed = 1;
    }
    if (!bd->ep->post) {
        ok = add_pair(L, lua_gettop(L), k, klen, bd->url, &bd->sep, bd->scratch, err);
    } else if ((!bd->first && !sops_buf_addc(bd->body, ',')) || !sops_json_add_string(bd->body, k, klen)
               || !sops_buf_addc(bd->body, ':')) {
        *err = "out of memory";
        ok = 0;
    } else {
        bd->first = 0;
        ok = sops_json_encode(L, -1, bd->body, err);
    }
    if (pushed)
        lua_pop(L, 1);
    if (!ok && *err != bd->why) {
        snprintf(bd->why, SOPS_REQUEST_WHY, "field '%.40s': %s", k, *err);
        *err = bd->why;
    }
    return ok;
}

/* Adds "k": <integer> or "k": "<string>" for a default the params lack,
 * written straight into the query or body (no Lua values made). */
static int add_default(lua_State *L, int params, builder *bd, const char *k, const char *str, long long num,
                       const char **err)
{
    char digits[24];
    int given, ok;
    lua_getfield(L, params, k);
    given = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (given)
        return 1; /* given: sent with the rest */
    if (!str)
        snprintf(digits, sizeof digits, "%lld", num);
    if (!bd->ep->post) {
        ok = add_str_pair(bd->url, k, str ? str : digits, &bd->sep);
    } else {
        ok = (bd->first || sops_buf_addc(bd->body, ',')) && sops_json_add_string(bd->body, k, strlen(k))
             && sops_buf_addc(bd->body, ':')
             && (str ? sops_json_add_string(bd->body, str, strlen(str)) : sops_buf_adds(bd->body, digits));
        bd->first = 0;
    }
    if (!ok)
        *err = "out of memory";
    return ok;
}

int sops_build_request(lua_State *L, int params, const sops_endpoint *ep, const sops_route *r,
                       sops_buf *url, sops_buf *body, sops_buf *scratch, char *why, const char **err)
{
    builder bd;
    int i;
    params = lua_absindex(L, params);
    bd.ep = ep;
    bd.esb = r->route == SOPS_ROUTE_ESB;
    bd.first = 1;
    bd.sep = '?';
    bd.url = url;
    bd.body = body;
    bd.scratch = scratch;
    bd.why = why;

    sops_buf_reset(url);
    sops_buf_reset(body);
    if (!sops_buf_adds(url, r->base))
        goto oom;
    if (bd.esb) {
        /* ESB: /<name>/, the ids with the other parameters */
        if (!sops_buf_addc(url, '/') || !sops_buf_adds(url, ep->name) || !sops_buf_addc(url, '/'))
            goto oom;
    } else {
        /* the gateway: the endpoint's path template, ids in its own order;
         * an app-state twin's under /system */
        if (r->route == SOPS_ROUTE_SYSTEM && !sops_buf_adds(url, "/system"))
            goto oom;
        for (i = 0; i < ep->nparts; i++) {
            if (ep->part_kind[i] == SOPS_PART_ID) {
                if (!add_id(L, params, r, ep->parts[i], url, why, err))
                    return 0;
            } else if (ep->part_kind[i] == SOPS_PART_STRING) {
                if (!add_text(L, params, ep->parts[i], url, why, err))
                    return 0;
            } else if (!sops_buf_adds(url, ep->parts[i])) {
                goto oom;
            }
        }
    }

    if (bd.esb && !r->header_auth) {
        const char *user_field = strcmp(r->user_field, "access_token") == 0 ? "bk_access_token" : r->user_field;
        if (ep->post) {
            if (!sops_buf_addc(body, '{') || !add_json_member(body, "bk_app_code", r->app_code, &bd.first)
                || !add_json_member(body, "bk_app_secret", r->app_secret, &bd.first)
                || !add_json_member(body, user_field, r->user_value, &bd.first))
                goto oom;
        } else if (!add_str_pair(url, "bk_app_code", r->app_code, &bd.sep)
                   || !add_str_pair(url, "bk_app_secret", r->app_secret, &bd.sep)
                   || !add_str_pair(url, user_field, r->user_value, &bd.sep)) {
            goto oom;
        }
    } else if (ep->post && !sops_buf_addc(body, '{')) {
        goto oom;
    }

    lua_pushnil(L);
    while (lua_next(L, params)) {
        if (!add_member(L, &bd, err)) {
            lua_pop(L, 2);
            return 0;
        }
        lua_pop(L, 1);
    }
    /* then the defaults the params lack (ids are in the path on the
     * gateway); an api of no project reads neither */
    if (ep->scoped && (!add_default(L, params, &bd, "scope", r->scope, 0, err)
                       || (bd.esb && r->has_biz && !add_default(L, params, &bd, "bk_biz_id", NULL, r->biz, err))))
        return 0;
    if (ep->post && !sops_buf_addc(body, '}'))
        goto oom;
    return 1;
oom:
    *err = "out of memory";
    return 0;
}
