#include <stdio.h>
#include <string.h>

#include "ids.h"

#define EXPECTED "positive integer expected, got "

/* The largest integer a double holds exactly, with all below it. */
#define MAX_EXACT_FLOAT 9007199254740991.0 /* 2^53 - 1 */

#if LUA_VERSION_NUM >= 503
#define MAX_STRING_ID ((unsigned long long)LUA_MAXINTEGER)
#else
#define MAX_STRING_ID 9007199254740991ULL /* every number is a double */
#endif

/* Writes 'got "<s>"' with s cut short and its unprintable bytes masked:
 * an id is not a place for anybody's secrets, but no message carries raw
 * bytes either. */
static void why_string(char *why, const char *s, size_t n, const char *tail)
{
    char shown[24];
    size_t i, k = n > 16 ? 16 : n;
    for (i = 0; i < k; i++)
        shown[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
    shown[k] = '\0';
    snprintf(why, SOPS_ID_WHY, EXPECTED "\"%s%s\"%s", shown, n > k ? "..." : "", tail);
}

static int read_string(const char *s, size_t n, lua_Integer *out, char *why)
{
    unsigned long long v = 0;
    size_t i;
    if (n == 0) {
        snprintf(why, SOPS_ID_WHY, EXPECTED "an empty string");
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) {
            why_string(why, s, n, "");
            return 0;
        }
        if (v > (MAX_STRING_ID - d) / 10) {
            why_string(why, s, n, " (too large)");
            return 0;
        }
        v = v * 10 + d;
    }
    if (v == 0) {
        why_string(why, s, n, "");
        return 0;
    }
    *out = (lua_Integer)v;
    return 1;
}

static int read_float(lua_Number n, lua_Integer *out, char *why)
{
    long long v;
    if (n != n) {
        snprintf(why, SOPS_ID_WHY, EXPECTED "NaN");
        return 0;
    }
    if (n > MAX_EXACT_FLOAT) {
        if (n - n != 0) /* inf */
            snprintf(why, SOPS_ID_WHY, EXPECTED "inf");
        else
            snprintf(why, SOPS_ID_WHY, EXPECTED "%.17g (a float past 2^53 - 1 is not exact)", (double)n);
        return 0;
    }
    if (n < 1) {
        if (n - n != 0)
            snprintf(why, SOPS_ID_WHY, EXPECTED "-inf");
        else
            snprintf(why, SOPS_ID_WHY, EXPECTED "%.14g", (double)n);
        return 0;
    }
    if (!sops_number_to_int(n, 1, 9007199254740991LL, &v) || (lua_Number)v != n) {
        snprintf(why, SOPS_ID_WHY, EXPECTED "%.14g", (double)n);
        return 0;
    }
    *out = (lua_Integer)v;
    return 1;
}

int sops_id_read(lua_State *L, int idx, lua_Integer *out, char *why)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
#if LUA_VERSION_NUM >= 503
        if (lua_isinteger(L, idx)) {
            lua_Integer v = lua_tointeger(L, idx);
            if (v > 0) {
                *out = v;
                return 1;
            }
            snprintf(why, SOPS_ID_WHY, EXPECTED "%lld", (long long)v);
            return 0;
        }
#endif
        return read_float(lua_tonumber(L, idx), out, why);
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return read_string(s, n, out, why);
    }
    default:
        snprintf(why, SOPS_ID_WHY, EXPECTED "%s", lua_typename(L, lua_type(L, idx)));
        return 0;
    }
}

int sops_id_lua(lua_State *L)
{
    lua_Integer id;
    char why[SOPS_ID_WHY];
    luaL_checkany(L, 1);
    if (sops_id_read(L, 1, &id, why)) {
        lua_pushinteger(L, id);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}
