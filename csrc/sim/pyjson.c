/* sops.sim.pyjson: JSON written byte for byte as bk-sops' two writers
 * write it, for the simulator's answers (sops.sim.json, which falls back to
 * a Lua writer of the same bytes without this module):
 *   - Django's JsonResponse: json.dumps with its defaults, ensure_ascii
 *     (every character past ASCII, and DEL, as \uXXXX, lower-case hex, a
 *     pair of escapes past the BMP) and the separators ", " and ": ";
 *   - DRF's JSONRenderer (bk-sops' settings keep its defaults): compact
 *     (",", ":"), UTF-8 as it is (ensure_ascii off), U+2028 and U+2029
 *     escaped.
 * Numbers as Python writes them: integers as they are, floats as repr()
 * writes them (1.0, 1e-05, 1e+16), NaN and infinities as NaN, Infinity,
 * -Infinity. A surrogate in its 3-byte form (WTF-8, what the decoders give
 * for a lone \udXXX escape) is written back as that escape; a byte that is
 * not UTF-8 as \u00XX (Django) or as it is (DRF).
 *
 * Layout as lua-sops' own encoder has it: a table whose metatable is the
 * array metatable given is an array; one whose metatable has __order (a
 * list of keys) an object, its listed keys in that order, then any others
 * sorted (byte order); any other table an array when it is a non-empty
 * sequence, else an object with its keys sorted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compat.h"

#define MAX_DEPTH 1000

typedef struct {
    char *p;
    size_t n, cap;
} buf;

/* the buffer kept from one call to the next: answers are written into
 * memory already there (the simulator is one thread) */
static buf kept = {NULL, 0, 0};

typedef struct {
    lua_State *L;
    buf *b;
    int ascii;   /* Django: ensure_ascii and spaced separators */
    int amt;     /* stack index of the array metatable */
    int order;   /* stack index of the string "__order" */
    const char *err;
} enc;

static int grow(enc *e, size_t more)
{
    buf *b = e->b;
    size_t want;
    char *p;
    want = b->cap ? b->cap : 4096;
    while (want - b->n < more) {
        if (want > ((size_t)-1) / 2) {
            e->err = "out of memory";
            return 0;
        }
        want *= 2;
    }
    p = realloc(b->p, want);
    if (!p) {
        e->err = "out of memory";
        return 0;
    }
    b->p = p;
    b->cap = want;
    return 1;
}

static inline int reserve(enc *e, size_t more)
{
    return e->b->cap - e->b->n >= more || grow(e, more);
}

static int add(enc *e, const char *s, size_t n)
{
    if (!reserve(e, n))
        return 0;
    memcpy(e->b->p + e->b->n, s, n);
    e->b->n += n;
    return 1;
}

#define ADDS(e, lit) add((e), (lit), sizeof(lit) - 1)

static const char HEX[] = "0123456789abcdef";

static int add_u(enc *e, unsigned cp)
{
    char u[6];
    u[0] = '\\';
    u[1] = 'u';
    u[2] = HEX[(cp >> 12) & 15];
    u[3] = HEX[(cp >> 8) & 15];
    u[4] = HEX[(cp >> 4) & 15];
    u[5] = HEX[cp & 15];
    return add(e, u, 6);
}

/* The length of the UTF-8 sequence at s[i..n) and its code point; 0 for a
 * byte that starts none (surrogates in their 3-byte form are taken). */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t n, unsigned *cp)
{
    unsigned c = s[i];
    size_t len, k;
    unsigned v, min;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c < 0xF0) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c < 0xF5) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n - i < len)
        return 0;
    for (k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF)
        return 0;
    *cp = v;
    return len;
}

/* the bytes a string's text takes as they are: printable ASCII but the
 * quote and the backslash */
static unsigned char PLAIN[256];

static void init_plain(void)
{
    int c;
    for (c = 0x20; c < 0x7F; c++)
        PLAIN[c] = c != '"' && c != '\\';
}

static int add_string(enc *e, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i, run = 0;
    if (!reserve(e, n + 2))
        return 0;
    e->b->p[e->b->n++] = '"';
    for (i = 0; i < n; i++) {
        unsigned c = s[i], cp;
        size_t len;
        const char *esc;
        if (PLAIN[c])
            continue;
        if (c >= 0x80) {
            len = utf8_seq(s, i, n, &cp);
            if (!e->ascii) {
                /* as it is, but for U+2028, U+2029 (DRF) and a surrogate */
                if (len == 0 || (cp != 0x2028 && cp != 0x2029 && (cp < 0xD800 || cp > 0xDFFF))) {
                    if (len > 1)
                        i += len - 1;
                    continue;
                }
            }
            if (!add(e, str + run, i - run))
                return 0;
            if (len == 0) {
                if (!add_u(e, c))
                    return 0;
                run = i + 1;
                continue;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                if (!add_u(e, 0xD800 | (cp >> 10)) || !add_u(e, 0xDC00 | (cp & 0x3FF)))
                    return 0;
            } else if (!add_u(e, cp)) {
                return 0;
            }
            i += len - 1;
            run = i + 1;
            continue;
        }
        if (c == 0x7F && !e->ascii)
            continue;
        if (!add(e, str + run, i - run))
            return 0;
        run = i + 1;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (!add_u(e, c))
                return 0;
            continue;
        }
        if (!add(e, esc, 2))
            return 0;
    }
    if (!add(e, str + run, n - run))
        return 0;
    return add(e, "\"", 1);
}

/* repr() of a finite float: the shortest digits that read back the same,
 * fixed notation for a decimal point from -4 to 16 places in, else
 * d.ddde+XX; ".0" after an integral fixed one. */
static int float_repr(char *out, size_t outlen, double v)
{
    char tmp[40], digits[24];
    int prec, exp10 = 0, nd = 0, decpt, k, neg = 0;
    size_t o = 0;
    const char *p;
    if (v == 0) {
        return snprintf(out, outlen, "%s", signbit(v) ? "-0.0" : "0.0");
    }
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (prec == 17)
        snprintf(tmp, sizeof tmp, "%.16e", v);
    p = tmp;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    }
    if (*p == 'e')
        exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    decpt = exp10 + 1;
    if (neg)
        out[o++] = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (k = 0; k < -decpt; k++)
                out[o++] = '0';
            for (k = 0; k < nd; k++)
                out[o++] = digits[k];
        } else if (decpt >= nd) {
            for (k = 0; k < nd; k++)
                out[o++] = digits[k];
            for (k = nd; k < decpt; k++)
                out[o++] = '0';
            out[o++] = '.';
            out[o++] = '0';
        } else {
            for (k = 0; k < decpt; k++)
                out[o++] = digits[k];
            out[o++] = '.';
            for (k = decpt; k < nd; k++)
                out[o++] = digits[k];
        }
        out[o] = '\0';
        return (int)o;
    }
    out[o++] = digits[0];
    if (nd > 1) {
        out[o++] = '.';
        for (k = 1; k < nd; k++)
            out[o++] = digits[k];
    }
    out[o] = '\0';
    return (int)o + snprintf(out + o, outlen - o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

static int add_number(enc *e, int idx)
{
    char tmp[64];
    int n;
    lua_State *L = e->L;
    if (lua_isinteger(L, idx)) {
        /* (written by hand: snprintf's cost is most of a small number's) */
        long long v = (long long)lua_tointeger(L, idx);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        char *end = tmp + sizeof tmp, *p = end;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--p = '-';
        return add(e, p, (size_t)(end - p));
    } else {
        double v = (double)lua_tonumber(L, idx);
        if (v != v)
            n = snprintf(tmp, sizeof tmp, "NaN");
        else if (v == HUGE_VAL)
            n = snprintf(tmp, sizeof tmp, "Infinity");
        else if (v == -HUGE_VAL)
            n = snprintf(tmp, sizeof tmp, "-Infinity");
        else
            n = float_repr(tmp, sizeof tmp, v);
    }
    return add(e, tmp, (size_t)n);
}

static int value(enc *e, int idx, int depth);

/* ", " or "," before a member or an element after the first */
static int sep(enc *e)
{
    return e->ascii ? ADDS(e, ", ") : ADDS(e, ",");
}

/* "key": value for the key at kidx and the value on the top (popped) */
static int member(enc *e, int kidx, int *first, int depth)
{
    lua_State *L = e->L;
    size_t kl;
    const char *k;
    if (lua_type(L, kidx) != LUA_TSTRING) {
        e->err = "object keys must be strings";
        return 0;
    }
    k = lua_tolstring(L, kidx, &kl);
    if (!*first && !sep(e))
        return 0;
    *first = 0;
    if (!add_string(e, k, kl) || !(e->ascii ? ADDS(e, ": ") : ADDS(e, ":")))
        return 0;
    if (!value(e, -1, depth + 1))
        return 0;
    lua_pop(L, 1);
    return 1;
}

static int listed(lua_State *L, int lidx, size_t n, int kidx)
{
    size_t i;
    int found = 0;
    for (i = 1; i <= n && !found; i++) {
        lua_rawgeti(L, lidx, (lua_Integer)i);
        found = lua_rawequal(L, -1, kidx);
        lua_pop(L, 1);
    }
    return found;
}

/* The listed keys of a layout written as this style writes a key and its
 * separator ("key": or "key":), kept in the layout's metatable at mt under
 * the style's name: a layout's objects are many, its keys few. Pushes the
 * list, or nil when a listed key is no string. (A layout's list is never
 * changed: only those marked __fixed come here.) */
static void key_texts(enc *e, int mt, int lidx)
{
    lua_State *L = e->L;
    const char *name = e->ascii ? "__pykeys_django" : "__pykeys_drf";
    size_t n = lua_rawlen(L, lidx), i;
    lua_pushstring(L, name);
    lua_rawget(L, mt);
    if (lua_type(L, -1) == LUA_TTABLE && lua_rawlen(L, -1) == n)
        return;
    lua_pop(L, 1);
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; i++) {
        buf tmp = {NULL, 0, 0};
        buf *keep = e->b;
        size_t kl;
        const char *k;
        lua_rawgeti(L, lidx, (lua_Integer)i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            lua_pushnil(L);
            return;
        }
        k = lua_tolstring(L, -1, &kl);
        e->b = &tmp;
        if (!add_string(e, k, kl) || !(e->ascii ? ADDS(e, ": ") : ADDS(e, ":"))) {
            e->b = keep;
            free(tmp.p);
            lua_pop(L, 2);
            lua_pushnil(L);
            return;
        }
        e->b = keep;
        lua_pop(L, 1);
        lua_pushlstring(L, tmp.p, tmp.n);
        free(tmp.p);
        lua_rawseti(L, -2, (lua_Integer)i);
    }
    lua_pushstring(L, name);
    lua_pushvalue(L, -2);
    lua_rawset(L, mt);
}

/* the members of the object at idx, the keys listed at lidx (0: none)
 * first (their texts at kidx, 0: none), then the others sorted */
static int members(enc *e, int idx, int lidx, int kidx, int depth)
{
    lua_State *L = e->L;
    size_t n = lidx ? lua_rawlen(L, lidx) : 0, i, j, written = 0, total = 0, extra = 0;
    int first = 1, base;
    if (!ADDS(e, "{"))
        return 0;
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, lidx, (lua_Integer)i);
        lua_pushvalue(L, -1);
        lua_rawget(L, idx);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 2);
            continue;
        }
        if (kidx) {
            size_t tl;
            const char *t;
            lua_rawgeti(L, kidx, (lua_Integer)i);
            t = lua_tolstring(L, -1, &tl);
            if ((!first && !sep(e)) || !add(e, t, tl))
                return 0;
            lua_pop(L, 1);
            first = 0;
            if (!value(e, lua_gettop(L), depth + 1))
                return 0;
            lua_pop(L, 2);
            written++;
            continue;
        }
        if (!member(e, lua_gettop(L) - 1, &first, depth))
            return 0;
        lua_pop(L, 1);
        written++;
    }
    if (n > 0) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            total++;
        }
        if (total == written)
            return ADDS(e, "}");
    }
    base = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (n == 0 || !listed(L, lidx, n, lua_gettop(L))) {
            if (lua_type(L, -1) != LUA_TSTRING) {
                e->err = "object keys must be strings";
                return 0;
            }
            if (!lua_checkstack(L, 4)) {
                e->err = "too many keys";
                return 0;
            }
            lua_pushvalue(L, -1);
            lua_insert(L, -2);
            extra++;
        }
    }
    for (i = 1; i < extra; i++) {
        for (j = i; j > 0; j--) {
            size_t la, lb;
            const char *a = lua_tolstring(L, base + (int)j, &la);
            const char *c = lua_tolstring(L, base + (int)j + 1, &lb);
            int cmp = memcmp(a, c, la < lb ? la : lb);
            if (cmp < 0 || (cmp == 0 && la <= lb))
                break;
            lua_pushvalue(L, base + (int)j);
            lua_pushvalue(L, base + (int)j + 1);
            lua_replace(L, base + (int)j);
            lua_replace(L, base + (int)j + 1);
        }
    }
    for (i = 1; i <= extra; i++) {
        lua_pushvalue(L, base + (int)i);
        lua_rawget(L, idx);
        if (!member(e, base + (int)i, &first, depth))
            return 0;
    }
    lua_settop(L, base);
    return ADDS(e, "}");
}

static int elements(enc *e, int idx, size_t n, int depth)
{
    size_t i;
    if (!ADDS(e, "["))
        return 0;
    for (i = 1; i <= n; i++) {
        if (i > 1 && !sep(e))
            return 0;
        lua_rawgeti(e->L, idx, (lua_Integer)i);
        if (!value(e, -1, depth + 1))
            return 0;
        lua_pop(e->L, 1);
    }
    return ADDS(e, "]");
}

static int table(enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    size_t len, count = 0;
    if (depth >= MAX_DEPTH) {
        e->err = "nesting too deep (or a table contains itself)";
        return 0;
    }
    if (!lua_checkstack(L, 6)) {
        e->err = "nesting too deep for the Lua stack";
        return 0;
    }
    if (lua_getmetatable(L, idx)) {
        int mt = lua_gettop(L);
        if (lua_rawequal(L, mt, e->amt)) {
            lua_pop(L, 1);
            return elements(e, idx, lua_rawlen(L, idx), depth);
        }
        lua_pushvalue(L, e->order);
        lua_rawget(L, mt);
        if (lua_type(L, -1) == LUA_TTABLE) {
            int lidx = lua_gettop(L), ok;
            /* (only a layout of json.obj's, __fixed: its list never
             * changes; another's may) */
            lua_pushliteral(L, "__fixed");
            lua_rawget(L, mt);
            if (lua_toboolean(L, -1)) {
                lua_pop(L, 1);
                key_texts(e, mt, lidx);
            } else {
                lua_pop(L, 1);
                lua_pushnil(L);
            }
            ok = members(e, idx, lidx, lua_isnil(L, -1) ? 0 : lidx + 1, depth);
            if (ok)
                lua_pop(L, 3);
            return ok;
        }
        lua_pop(L, 2);
    }
    len = lua_rawlen(L, idx);
    if (len > 0) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            count++;
        }
        if (count == len)
            return elements(e, idx, len, depth);
    }
    return members(e, idx, 0, 0, depth);
}

static int value(enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return add_string(e, s, n);
    }
    case LUA_TNUMBER:
        return add_number(e, idx);
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx) ? ADDS(e, "true") : ADDS(e, "false");
    case LUA_TNIL:
        return ADDS(e, "null");
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL)
            return ADDS(e, "null");
        break;
    case LUA_TTABLE:
        return table(e, idx, depth);
    default:
        break;
    }
    e->err = "cannot encode a value of this type";
    return 0;
}

/* pyjson.encode(value, style, array_mt) -> text, or nil and why.
 * style: "django" or "drf". */
static int pyjson_encode(lua_State *L)
{
    enc e;
    const char *style = luaL_checkstring(L, 2);
    int ok;
    luaL_checkany(L, 1);
    lua_settop(L, 3);
    e.L = L;
    e.b = &kept;
    e.ascii = strcmp(style, "django") == 0;
    if (!e.ascii && strcmp(style, "drf") != 0)
        return luaL_argerror(L, 2, "django or drf expected");
    e.amt = 3;
    lua_pushliteral(L, "__order");
    e.order = 4;
    e.err = NULL;
    kept.n = 0;
    ok = value(&e, 1, 0);
    lua_settop(L, 4);
    if (!ok) {
        lua_pushnil(L);
        lua_pushstring(L, e.err ? e.err : "cannot encode");
        return 2;
    }
    lua_pushlstring(L, kept.p ? kept.p : "", kept.n);
    /* a very large answer does not keep its memory for good */
    if (kept.cap > (size_t)1 << 24) {
        free(kept.p);
        kept.p = NULL;
        kept.cap = 0;
    }
    kept.n = 0;
    return 1;
}

int luaopen_sops_sim_pyjson(lua_State *L);
int luaopen_sops_sim_pyjson(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"encode", pyjson_encode},
        {NULL, NULL},
    };
    init_plain();
    luaL_newlib(L, funcs);
    return 1;
}
