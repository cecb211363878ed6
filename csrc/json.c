/* JSON decoding and encoding. The decoder walks the buffer once and builds
 * the Lua values as it goes (no intermediate tree), with a depth limit and
 * room on the Lua stack checked as it goes, in the manner of lua-cjson.
 * Short strings come through the state's string cache (strcache.h), which
 * also remembers how large the containers at each depth were, to make the
 * next ones at their size at once. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strcache.h"

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NOINLINE
#define ALWAYS_INLINE inline
#endif

typedef struct decoder {
    lua_State *L;
    const char *start;
    const char *p;          /* never past end */
    const char *end;        /* start + len, where a NUL byte stops every scan */
    int depth;
    int max_depth;
    int top_ok;             /* the stack has room up to this index (room) */
    sops_strcache *cache;   /* NULL: none */
    int ctab;               /* the cache table's stack index */
    char *err;
    size_t errlen;
} decoder;

static int fail(decoder *d, const char *what)
{
    snprintf(d->err, d->errlen, "%s at byte %lu", what, (unsigned long)(d->p - d->start) + 1);
    return 0;
}

static void skip_ws_run(decoder *d)
{
    while (d->p < d->end) {
        char c = *d->p;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        d->p++;
    }
}

static inline void skip_ws(decoder *d)
{
    if ((unsigned char)*d->p <= ' ') /* (the common case, no white space at all, inline) */
        skip_ws_run(d);
}

/* Room on the Lua stack: ROOM values above the top, made sure of before
 * each member of a container (its key, its value, a string's copy for the
 * cache or a larger cache's table, an empty table's metatable, a batch's
 * table and copies). Lua 5.2 and later keep what lua_checkstack gave for
 * the rest of the C call, so there room is asked for RESERVE values at a
 * time, and the decoder keeps count of the top itself; Lua 5.1 and LuaJIT
 * (whose collector may shrink a stack to what is in use) are asked every
 * time. */
#define ROOM 8
#define RESERVE 64

static NOINLINE int grow_stack(decoder *d)
{
#if LUA_VERSION_NUM >= 502
    int top = lua_gettop(d->L);
    if (lua_checkstack(d->L, RESERVE)) {
        d->top_ok = top + RESERVE;
        return 1;
    }
    if (lua_checkstack(d->L, ROOM)) {
        d->top_ok = top + ROOM;
        return 1;
    }
#endif
    return fail(d, "nesting too deep for the Lua stack");
}

/* top: the stack's top (never below the real one) */
static inline int room(decoder *d, int top)
{
#ifdef SOPS_JSON_CHECK_TOP
    if (top < lua_gettop(d->L))
        abort();
#endif
#if LUA_VERSION_NUM >= 502
    if (top + ROOM <= d->top_ok)
        return 1;
#else
    (void)top;
    if (lua_checkstack(d->L, ROOM))
        return 1;
#endif
    return grow_stack(d);
}

static int decode_value(decoder *d);

/* The words bk-sops answers with (envelope and status-tree keys, state
 * names), kept alive in the registry (sops_json_open), and the string
 * cache's first strings. */
static const char *const VOCABULARY[] = {
    "result", "data", "code", "message", "trace_id", "request_id", "task_url",
    "id", "state", "root_id:", "parent_id", "version", "loop", "retry", "skip", "error_ignorable",
    "error_ignored", "children", "elapsed_time", "start_time", "finish_time", "name", "ex_data",
    "failed_node_info", "auto_retry_status", "status", "flow_type", "current_flow", "is_deleted",
    "create_time", "url", "task_id", "pipeline_tree",
    "CREATED", "READY", "RUNNING", "SUSPENDED", "NODE_SUSPENDED", "FAILED", "FINISHED", "REVOKED",
    "EXPIRED", "", "success", "execute_task", "finished", "common",
    NULL,
};

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static void add_utf8(luaL_Buffer *b, unsigned cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    luaL_addlstring(b, s, n);
}

/* The bytes that end a plain run inside a string: the quote, the
 * backslash and the control characters, NUL among them. */
static const unsigned char STOP[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* '\\' */
};

/* Scanning a string 8 bytes at a time: the bytes as a little-endian word
 * (the order the string cache hashes them in), and which of them stop a
 * plain run: the high bit of each such byte, exactly (no carry crosses a
 * byte). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t load_word(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}
#else
static inline uint64_t load_word(const char *p)
{
    return sops_strcache_word(p, 8);
}
#endif

#define BYTES(b) (0x0101010101010101ULL * (b))

static inline uint64_t stop_bytes(uint64_t w)
{
    uint64_t t = w & BYTES(0x7F);
    uint64_t not_quote = (t ^ BYTES('"')) + BYTES(0x7F);
    uint64_t not_backslash = (t ^ BYTES('\\')) + BYTES(0x7F);
    uint64_t not_control = t + BYTES(0x60);
    return ~((not_quote & not_backslash & not_control) | w) & BYTES(0x80);
}

/* The index of the first stop byte of a word (m != 0). */
static inline unsigned first_stop(uint64_t m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(m) >> 3;
#else
    unsigned i = 0;
    while (!(m & 0x80)) {
        m >>= 8;
        i++;
    }
    return i;
#endif
}

/* A string from s on, q at a byte that stops a plain run or within 8 bytes
 * of the end: escapes, errors, and the last bytes of the text. */
static NOINLINE int decode_string_slow(decoder *d, const char *s, const char *q)
{
    luaL_Buffer b;
    while (!STOP[(unsigned char)*q])
        q++;
    if (q < d->end && (unsigned char)*q < 0x20) {
        d->p = q;
        return fail(d, "control character in string");
    }
    if (q >= d->end) {
        d->p = q;
        return fail(d, "unterminated string");
    }
    if (*q == '"') {
        size_t len = (size_t)(q - s);
        d->p = q + 1;
        if (d->cache && len <= SOPS_STRCACHE_MAXLEN) {
            uint64_t first, h = sops_strcache_hash(s, len, &first);
            sops_strcache_push(d->L, &d->cache, d->ctab, h, first, s, len);
        } else {
            lua_pushlstring(d->L, s, len);
        }
        return 1;
    }

    /* luaL_Buffer may take several stack slots (Lua 5.1) */
    if (!lua_checkstack(d->L, LUA_MINSTACK))
        return fail(d, "nesting too deep for the Lua stack");
    luaL_buffinit(d->L, &b);
    luaL_addlstring(&b, s, (size_t)(q - s));
    while (q < d->end) {
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            luaL_pushresult(&b);
            d->p = q + 1;
            return 1;
        }
        if (c < 0x20) {
            d->p = q;
            luaL_pushresult(&b);
            lua_pop(d->L, 1);
            return fail(d, "control character in string");
        }
        if (c != '\\') {
            const char *run = q;
            while (q < d->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
                q++;
            luaL_addlstring(&b, run, (size_t)(q - run));
            continue;
        }
        if (q + 1 >= d->end)
            break;
        q++;
        switch (*q) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (d->end - q < 5 || !hex4(q + 1, &cp)) {
                d->p = q;
                luaL_pushresult(&b);
                lua_pop(d->L, 1);
                return fail(d, "invalid \\u escape");
            }
            q += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && d->end - q >= 7 && q[1] == '\\' && q[2] == 'u'
                && hex4(q + 3, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                q += 6;
            }
            /* a lone surrogate is kept as its 3-byte form (WTF-8) */
            add_utf8(&b, cp);
            break;
        }
        default:
            d->p = q;
            luaL_pushresult(&b);
            lua_pop(d->L, 1);
            return fail(d, "invalid escape in string");
        }
        q++;
    }
    d->p = q;
    luaL_pushresult(&b);
    lua_pop(d->L, 1);
    return fail(d, "unterminated string");
}

/* The string s[0..len) whose last word (its last 0 to 7 bytes, of a
 * word loaded from s + len - i) is w, and h the hash of the words before
 * it: pushed from the cache (or made and cached), or made. */
static inline void push_string(decoder *d, const char *s, size_t len, uint64_t h, uint64_t first, uint64_t w,
                               unsigned i)
{
    if (d->cache && len <= SOPS_STRCACHE_MAXLEN) {
        uint64_t tail = i ? w & (~0ULL >> (64 - 8 * i)) : 0;
        sops_strcache_push(d->L, &d->cache, d->ctab, sops_strcache_last(h, tail, len), len < 8 ? tail : first, s,
                           len);
    } else {
        lua_pushlstring(d->L, s, len);
    }
}

/* d->p is just past the opening quote. Pushes the string. The fast path:
 * no escapes, 8 bytes at a time while 8 can be read (the NUL after the
 * text counts), hashing the first SOPS_STRCACHE_MAXLEN bytes for the cache
 * as it goes. */
static ALWAYS_INLINE int decode_string(decoder *d)
{
    const char *s = d->p;
    const char *q = s;
    uint64_t h = SOPS_STRCACHE_H0, first, w, m;
    unsigned i, words, readable;
    size_t left = (size_t)(d->end - s) + 1;

    /* the words that can be read, up to the one after SOPS_STRCACHE_MAXLEN bytes */
    readable = left >= SOPS_STRCACHE_MAXLEN + 8 ? SOPS_STRCACHE_MAXLEN / 8 + 1 : (unsigned)(left / 8);
    first = readable ? load_word(q) : 0;
    for (words = 0; words < readable; words++) {
        w = load_word(q);
        m = stop_bytes(w);
        if (m) {
            i = first_stop(m);
            q += i;
            if (*q != '"')
                return decode_string_slow(d, s, q);
            d->p = q + 1;
            push_string(d, s, (size_t)(q - s), h, first, w, i);
            return 1;
        }
        h = sops_strcache_step(h, w);
        q += 8;
    }
    if (words <= SOPS_STRCACHE_MAXLEN / 8)
        return decode_string_slow(d, s, q); /* the last bytes of the text */
    /* longer than SOPS_STRCACHE_MAXLEN: not for the cache */
    while ((size_t)(d->end - q) >= 7) {
        w = load_word(q);
        m = stop_bytes(w);
        if (m) {
            q += first_stop(m);
            if (*q != '"')
                break;
            d->p = q + 1;
            lua_pushlstring(d->L, s, (size_t)(q - s));
            return 1;
        }
        q += 8;
    }
    return decode_string_slow(d, s, q);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The general case of a number: s at its first byte, q just past it. */
static NOINLINE int number(decoder *d, const char *s, const char *q, int neg, int is_float)
{
    if (!is_float) {
        /* exact integer if it fits in lua_Integer */
        unsigned long long acc = 0, limit;
        const char *r = s + neg;
        int overflow = 0;
        limit = neg ? (unsigned long long)LLONG_MAX + 1ULL : (unsigned long long)LLONG_MAX;
        for (; r < q; r++) {
            unsigned digit = (unsigned)(*r - '0');
            if (acc > (limit - digit) / 10) {
                overflow = 1;
                break;
            }
            acc = acc * 10 + digit;
        }
        if (!overflow && sizeof(lua_Integer) >= sizeof(long long)) {
            lua_Integer v;
            if (neg)
                v = acc == (unsigned long long)LLONG_MAX + 1ULL ? (lua_Integer)LLONG_MIN : -(lua_Integer)acc;
            else
                v = (lua_Integer)acc;
            lua_pushinteger(d->L, v);
            d->p = q;
            return 1;
        }
    }

    {
        double v;
        char local[128];
        const char *dp = localeconv()->decimal_point;
        if (dp[0] == '.' && dp[1] == '\0') {
            v = strtod(s, NULL); /* the token is followed by a non-number byte or the NUL */
        } else {
            size_t n = (size_t)(q - s);
            char *dot;
            if (n >= sizeof(local))
                return fail(d, "number too long");
            memcpy(local, s, n);
            local[n] = '\0';
            dot = strchr(local, '.');
            if (dot)
                *dot = dp[0];
            v = strtod(local, NULL);
        }
        lua_pushnumber(d->L, (lua_Number)v);
    }
    d->p = q;
    return 1;
}


/* Past the one or more digits at q; NULL, with d->p at q, when there is
 * none. */
static const char *past_digits(decoder *d, const char *q)
{
    if (!is_digit(*q)) {
        d->p = q;
        return NULL;
    }
    while (is_digit(*q))
        q++;
    return q;
}

static int decode_number(decoder *d)
{
    const char *s = d->p;
    const char *q = s;
    int neg = 0;
    unsigned long long acc = 0;

    if (*q == '-') {
        neg = 1;
        q++;
    }
    if (!is_digit(*q)) { /* (the NUL after the text is none) */
        d->p = q;
        return fail(d, "invalid number");
    }
    if (*q == '0') {
        q++;
    } else {
        while (is_digit(*q))
            acc = acc * 10 + (unsigned)(*q++ - '0'); /* wraps past 19 digits: then unused */
    }
    if (*q == '.') {
        if ((q = past_digits(d, q + 1)) == NULL)
            return fail(d, "invalid number");
        if (*q != 'e' && *q != 'E')
            return number(d, s, q, neg, 1);
    }
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if ((q = past_digits(d, q)) == NULL)
            return fail(d, "invalid number");
        return number(d, s, q, neg, 1);
    }
    /* an integer: at most 18 digits always fits */
    if (q - s - neg > 18 || sizeof(lua_Integer) < sizeof(long long))
        return number(d, s, q, neg, 0);
    lua_pushinteger(d->L, neg ? -(lua_Integer)acc : (lua_Integer)acc);
    d->p = q;
    return 1;
}

static int literal(decoder *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0)
        return fail(d, "invalid literal");
    d->p += n;
    return 1;
}

static int enter(decoder *d)
{
    if (++d->depth > d->max_depth)
        return fail(d, "nesting too deep");
    return 1;
}

/* Values of an array, or key/value pairs of an object, are first left on
 * the stack (up to BATCH of them) so that the table can be made at its
 * final size, without rehashing; longer ones are moved into a table made
 * with room for what came so far, and go on straight into it. With the
 * cache, a container at a depth where the last non-empty one had at most
 * BATCH members is made at that size at once (the members of the next
 * poll's answer come as the last one's did), and its members go straight
 * into it: a size wrong by a few costs a rehash, or at most BATCH unused
 * slots. */
#define BATCH 64

/* Just past '[' or '{': pushes an empty table and returns 1 when the
 * container closes at once. An empty array is marked as one (sops.array),
 * so that it is written back as [] and not {}. */
static int empty(decoder *d, char close)
{
    skip_ws(d);
    if (*d->p == close) {
        d->p++;
        d->depth--;
        lua_createtable(d->L, 0, 0);
        if (close == ']') {
            luaL_getmetatable(d->L, SOPS_ARRAY_MT);
            lua_setmetatable(d->L, -2);
        }
        return 1;
    }
    return 0;
}

/* The size the container at this depth had in the last decode, 0 for
 * none; and what this one's was. */
static inline int hint(decoder *d, int depth, int object)
{
    if (!d->cache || depth >= SOPS_STRCACHE_HINT_DEPTH)
        return 0;
    return object ? d->cache->object_size[depth] : d->cache->array_size[depth];
}

static inline void remember(decoder *d, int depth, int object, int n)
{
    if (!d->cache || depth >= SOPS_STRCACHE_HINT_DEPTH)
        return;
    if (object)
        d->cache->object_size[depth] = (unsigned char)(n <= BATCH ? n : 0);
    else
        d->cache->array_size[depth] = (unsigned char)(n <= BATCH ? n : 0);
}

/* Moves the n values above `base` into a new array table at base + 1: the
 * table goes under them and takes them from the top. */
static void flush_array(lua_State *L, int base, int n, int extra)
{
    int i;
    lua_createtable(L, n + extra, 0);
    lua_insert(L, base + 1);
    for (i = n; i >= 1; i--)
        lua_rawseti(L, base + 1, i);
}

/* Moves the n key/value pairs above `base` into a new table at base + 1;
 * in order, so that the last of duplicate keys wins. */
static void flush_object(lua_State *L, int base, int n, int extra)
{
    int i;
    lua_createtable(L, 0, n + extra);
    for (i = 0; i < n; i++) {
        lua_pushvalue(L, base + 1 + 2 * i);
        lua_pushvalue(L, base + 2 + 2 * i);
        lua_rawset(L, -3);
    }
    lua_replace(L, base + 1);
    lua_settop(L, base + 1);
}

static int decode_array(decoder *d)
{
    lua_State *L = d->L;
    int base = lua_gettop(L), n = 0, direct = 0, depth, size;
    if (!enter(d))
        return 0;
    depth = d->depth;
    d->p++; /* [ */
    if (empty(d, ']'))
        return 1;
    if ((size = hint(d, depth, 0)) > 0) {
        if (!room(d, base))
            return 0;
        lua_createtable(L, size, 0);
        direct = 1;
    }
    for (;;) {
        skip_ws(d);
        if (!room(d, direct ? base + 1 : base + n) || !decode_value(d))
            return 0;
        n++;
        if (direct) {
            lua_rawseti(L, base + 1, n);
        } else if (n == BATCH) {
            flush_array(L, base, n, n);
            direct = 1;
        }
        skip_ws(d);
        if (*d->p == ',') {
            d->p++;
            continue;
        }
        if (*d->p == ']') {
            d->p++;
            d->depth--;
            if (!direct)
                flush_array(L, base, n, 0);
            remember(d, depth, 0, n);
            return 1;
        }
        return fail(d, d->p >= d->end ? "unterminated array" : "expected ',' or ']'");
    }
}

static int decode_object(decoder *d)
{
    lua_State *L = d->L;
    int base = lua_gettop(L), n = 0, direct = 0, depth, size;
    if (!enter(d))
        return 0;
    depth = d->depth;
    d->p++; /* { */
    if (empty(d, '}'))
        return 1;
    if ((size = hint(d, depth, 1)) > 0) {
        if (!room(d, base))
            return 0;
        lua_createtable(L, 0, size);
        direct = 1;
    }
    for (;;) {
        skip_ws(d);
        if (*d->p != '"')
            return fail(d, "expected a string key");
        d->p++;
        if (!room(d, direct ? base + 1 : base + 2 * n) || !decode_string(d))
            return 0;
        skip_ws(d);
        if (*d->p != ':')
            return fail(d, "expected ':'");
        d->p++;
        skip_ws(d);
        if (!decode_value(d))
            return 0;
        n++;
        if (direct) {
            lua_rawset(L, base + 1);
        } else if (n == BATCH) {
            flush_object(L, base, n, n);
            direct = 1;
        }
        skip_ws(d);
        if (*d->p == ',') {
            d->p++;
            continue;
        }
        if (*d->p == '}') {
            d->p++;
            d->depth--;
            if (!direct)
                flush_object(L, base, n, 0);
            remember(d, depth, 1, n);
            return 1;
        }
        return fail(d, d->p >= d->end ? "unterminated object" : "expected ',' or '}'");
    }
}

static int decode_value(decoder *d)
{
    switch (*d->p) {
    case '"':
        d->p++;
        return decode_string(d);
    case '{':
        return decode_object(d);
    case '[':
        return decode_array(d);
    case 't':
        if (!literal(d, "true", 4))
            return 0;
        lua_pushboolean(d->L, 1);
        return 1;
    case 'f':
        if (!literal(d, "false", 5))
            return 0;
        lua_pushboolean(d->L, 0);
        return 1;
    case 'n':
        if (!literal(d, "null", 4))
            return 0;
        lua_pushlightuserdata(d->L, NULL);
        return 1;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return decode_number(d);
    default:
        return fail(d, d->p >= d->end ? "unexpected end of input" : "unexpected character");
    }
}

int sops_json_decode_with(lua_State *L, const char *buf, size_t len, int max_depth, int use_cache,
                          char *err, size_t errlen)
{
    decoder d;
    int top = lua_gettop(L);
    d.L = L;
    d.start = d.p = buf;
    d.end = buf + len;
    d.depth = 0;
    /* the recursion's bound: no caller can raise it past what the C stack holds */
    d.max_depth = max_depth > 0 && max_depth < SOPS_JSON_MAX_DEPTH ? max_depth : SOPS_JSON_MAX_DEPTH;
    d.top_ok = 0;
    d.err = err;
    d.errlen = errlen;
    if (!lua_checkstack(L, ROOM)) {
        snprintf(err, errlen, "no room on the Lua stack");
        return 0;
    }
    d.cache = use_cache ? sops_strcache_get(L, VOCABULARY) : NULL;
    d.ctab = lua_gettop(L);
    skip_ws(&d);
    if (d.p >= d.end) {
        fail(&d, "empty body");
        lua_settop(L, top);
        return 0;
    }
    if (!room(&d, d.ctab) || !decode_value(&d)) {
        lua_settop(L, top);
        return 0;
    }
    skip_ws(&d);
    if (d.p != d.end) {
        fail(&d, "trailing data after JSON value");
        lua_settop(L, top);
        return 0;
    }
    if (d.cache)
        lua_replace(L, d.ctab); /* the value where the cache table was */
    return 1;
}

int sops_json_decode(lua_State *L, const char *buf, size_t len, int max_depth, char *err, size_t errlen)
{
    return sops_json_decode_with(L, buf, len, max_depth, 1, err, errlen);
}

/* ---------------------------------------------------------------------- */
/* encoding */

/* Whether s[0..n) is well-formed UTF-8; with wtf8, surrogates in their
 * 3-byte form are let through too (generalized UTF-8, as the decoder gives
 * a lone \uD800..\uDFFF escape), but not a high one followed by a low one:
 * that is a pair, which only has its 4-byte form (WTF-8's rule too). */
static int utf8_check(const unsigned char *s, size_t n, int wtf8)
{
    const unsigned char *end = s + n;
    while (s < end) {
        unsigned c = *s;
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return 0; /* a continuation byte, C0/C1 or F5..FF */
        }
        if ((size_t)(end - s) <= k)
            return 0;
        for (size_t i = 1; i <= k; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF)
            return 0; /* overlong, or too large */
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (!wtf8)
                return 0;
            /* a high surrogate, and a low one right after it */
            if (cp <= 0xDBFF && end - s >= 6 && s[3] == 0xED && s[4] >= 0xB0 && s[4] <= 0xBF
                && (s[5] & 0xC0) == 0x80)
                return 0;
        }
        s += k + 1;
    }
    return 1;
}

int sops_utf8_valid(const char *s, size_t n)
{
    return utf8_check((const unsigned char *)s, n, 0);
}

int sops_json_add_string(sops_buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t i, run = 0;
    if (!sops_buf_addc(b, '"'))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[6];
        if (c >= 0x20 && c != '"' && c != '\\') {
            unsigned cp;
            if (c != 0xED || n - i < 3 || ((unsigned char)s[i + 1] & 0xE0) != 0xA0
                || ((unsigned char)s[i + 2] & 0xC0) != 0x80)
                continue;
            /* a surrogate in its 3-byte form (a lone one the decoder kept):
             * written back as the escape it came from */
            cp = 0xD000 | (((unsigned char)s[i + 1] & 0x3Fu) << 6) | ((unsigned char)s[i + 2] & 0x3Fu);
            u[0] = '\\'; u[1] = 'u';
            u[2] = hexd[cp >> 12];
            u[3] = hexd[(cp >> 8) & 15];
            u[4] = hexd[(cp >> 4) & 15];
            u[5] = hexd[cp & 15];
            if (!sops_buf_add(b, s + run, i - run) || !sops_buf_add(b, u, 6))
                return 0;
            i += 2;
            run = i + 1;
            continue;
        }
        if (!sops_buf_add(b, s + run, i - run))
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
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
            u[4] = hexd[c >> 4];
            u[5] = hexd[c & 15];
            if (!sops_buf_add(b, u, 6))
                return 0;
            continue;
        }
        if (!sops_buf_adds(b, esc))
            return 0;
    }
    if (!sops_buf_add(b, s + run, n - run))
        return 0;
    return sops_buf_addc(b, '"');
}

static int add_number(lua_State *L, int idx, sops_buf *b, const char **err)
{
    char tmp[64];
    int n;
    if (lua_isinteger(L, idx)) {
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)lua_tointeger(L, idx));
    } else {
        lua_Number v = lua_tonumber(L, idx);
        char *comma;
        if (v != v || v == (lua_Number)HUGE_VAL || v == -(lua_Number)HUGE_VAL) {
            *err = "cannot encode NaN or infinity";
            return 0;
        }
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
            n = snprintf(tmp, sizeof tmp, "%.0f", (double)v);
        else
            n = snprintf(tmp, sizeof tmp, "%.17g", (double)v);
        comma = strchr(tmp, ','); /* a locale with a decimal comma */
        if (comma)
            *comma = '.';
    }
    if (n < 0 || !sops_buf_add(b, tmp, (size_t)n)) {
        *err = "out of memory";
        return 0;
    }
    return 1;
}

/* 1 if the table at idx is to be written as an array, with its length in *n. */
static int array_length(lua_State *L, int idx, size_t *n)
{
    size_t len = lua_rawlen(L, idx), count = 0;
    int marked = 0;
    if (lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, SOPS_ARRAY_MT);
        marked = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    if (marked) {
        *n = len;
        return 1;
    }
    if (len == 0)
        return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
    }
    *n = len;
    return count == len;
}

/* How a writer lays tables out (sops_json_encode_ordered): the metatable
 * field that lists an object's keys in order, NULL for none. */
typedef struct layout {
    const char *order_key;
} layout;

static int encode(lua_State *L, int idx, sops_buf *b, int depth, const layout *lay, const char **err);

/* Writes "key":value for the string key at kidx and the value on the top of
 * the stack (popped); *first tells whether a comma goes before it. */
static int encode_member(lua_State *L, int kidx, sops_buf *b, int depth, const layout *lay, int *first,
                         const char **err)
{
    size_t klen;
    const char *k;
    if (lua_type(L, kidx) != LUA_TSTRING) {
        *err = "object keys must be strings";
        return 0;
    }
    k = lua_tolstring(L, kidx, &klen);
    if (!utf8_check((const unsigned char *)k, klen, 1)) {
        *err = "invalid UTF-8 in an object key";
        return 0;
    }
    if ((!*first && !sops_buf_addc(b, ',')) || !sops_json_add_string(b, k, klen) || !sops_buf_addc(b, ':')) {
        *err = "out of memory";
        return 0;
    }
    *first = 0;
    if (!encode(L, -1, b, depth + 1, lay, err))
        return 0;
    lua_pop(L, 1);
    return 1;
}

/* Whether the key at kidx is among the n keys of the list at lidx. */
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

/* The members of the object at idx whose key list is at lidx: the listed
 * keys in their order, then the others sorted (strings, byte order). */
static int encode_ordered(lua_State *L, int idx, int lidx, sops_buf *b, int depth, const layout *lay, int *first,
                          const char **err)
{
    size_t n = lua_rawlen(L, lidx), i, extra = 0, j, written = 0, total = 0;
    int base;
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, lidx, (lua_Integer)i);
        lua_pushvalue(L, -1);
        lua_rawget(L, idx);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 2);
            continue;
        }
        if (!encode_member(L, lua_gettop(L) - 1, b, depth, lay, first, err))
            return 0;
        lua_pop(L, 1);
        written++;
    }
    /* no key beyond the listed ones (the usual case for a listed object):
     * done (an object with no list has only others: no need to count) */
    if (n > 0) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            total++;
        }
        if (total == written)
            return 1;
    }
    /* the other keys, onto the stack, then sorted in place (insertion sort:
     * objects written this way are small) */
    base = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!listed(L, lidx, n, lua_gettop(L))) {
            if (lua_type(L, -1) != LUA_TSTRING) {
                *err = "object keys must be strings";
                return 0;
            }
            if (!lua_checkstack(L, 4)) {
                *err = "too many keys for the Lua stack";
                return 0;
            }
            lua_pushvalue(L, -1); /* kept below the iteration key */
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
        if (!encode_member(L, base + (int)i, b, depth, lay, first, err))
            return 0;
    }
    lua_settop(L, base);
    return 1;
}

static int encode(lua_State *L, int idx, sops_buf *b, int depth, const layout *lay, const char **err)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (!utf8_check((const unsigned char *)s, n, 1)) {
            *err = "invalid UTF-8 in a string";
            return 0;
        }
        if (!sops_json_add_string(b, s, n)) {
            *err = "out of memory";
            return 0;
        }
        return 1;
    }
    case LUA_TNUMBER:
        return add_number(L, idx, b, err);
    case LUA_TBOOLEAN:
        if (!sops_buf_adds(b, lua_toboolean(L, idx) ? "true" : "false")) {
            *err = "out of memory";
            return 0;
        }
        return 1;
    case LUA_TNIL:
        if (!sops_buf_adds(b, "null")) {
            *err = "out of memory";
            return 0;
        }
        return 1;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            if (!sops_buf_adds(b, "null")) {
                *err = "out of memory";
                return 0;
            }
            return 1;
        }
        break;
    case LUA_TTABLE: {
        size_t n, i;
        int first = 1;
        if (depth >= SOPS_JSON_MAX_DEPTH) {
            *err = "nesting too deep (or a table contains itself)";
            return 0;
        }
        if (!lua_checkstack(L, 4)) {
            *err = "nesting too deep for the Lua stack";
            return 0;
        }
        if (lay->order_key && lua_getmetatable(L, idx)) {
            lua_pushstring(L, lay->order_key);
            lua_rawget(L, -2);
            lua_remove(L, -2); /* the metatable */
            if (lua_type(L, -1) == LUA_TTABLE) {
                int lidx = lua_gettop(L);
                if (!sops_buf_addc(b, '{')) {
                    *err = "out of memory";
                    return 0;
                }
                if (!encode_ordered(L, idx, lidx, b, depth, lay, &first, err))
                    return 0;
                lua_pop(L, 1);
                if (!sops_buf_addc(b, '}')) {
                    *err = "out of memory";
                    return 0;
                }
                return 1;
            }
            lua_pop(L, 1);
        }
        if (array_length(L, idx, &n)) {
            if (!sops_buf_addc(b, '[')) {
                *err = "out of memory";
                return 0;
            }
            for (i = 1; i <= n; i++) {
                if (i > 1 && !sops_buf_addc(b, ',')) {
                    *err = "out of memory";
                    return 0;
                }
                lua_rawgeti(L, idx, (int)i);
                if (!encode(L, -1, b, depth + 1, lay, err))
                    return 0;
                lua_pop(L, 1);
            }
            if (!sops_buf_addc(b, ']')) {
                *err = "out of memory";
                return 0;
            }
            return 1;
        }
        if (!sops_buf_addc(b, '{')) {
            *err = "out of memory";
            return 0;
        }
        if (lay->order_key) {
            /* a writer with its own order writes the other objects sorted */
            lua_newtable(L);
            if (!encode_ordered(L, idx, lua_gettop(L), b, depth, lay, &first, err))
                return 0;
            lua_pop(L, 1);
        } else {
            lua_pushnil(L);
            while (lua_next(L, idx)) {
                if (!encode_member(L, lua_gettop(L) - 1, b, depth, lay, &first, err))
                    return 0;
            }
        }
        if (!sops_buf_addc(b, '}')) {
            *err = "out of memory";
            return 0;
        }
        return 1;
    }
    default:
        break;
    }
    *err = "cannot encode a value of this type";
    return 0;
}

int sops_json_encode_ordered(lua_State *L, int idx, const char *order_key, sops_buf *b, const char **err)
{
    int top = lua_gettop(L);
    layout lay;
    int ok;
    lay.order_key = order_key;
    ok = encode(L, idx, b, 0, &lay, err);
    lua_settop(L, top);
    return ok;
}

int sops_json_encode(lua_State *L, int idx, sops_buf *b, const char **err)
{
    return sops_json_encode_ordered(L, idx, NULL, b, err);
}

void sops_json_open(lua_State *L)
{
    int i;
    lua_createtable(L, (int)(sizeof VOCABULARY / sizeof VOCABULARY[0]), 0);
    for (i = 0; VOCABULARY[i]; i++) {
        lua_pushstring(L, VOCABULARY[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "sops.vocabulary");
}
