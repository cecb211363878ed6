/* The one checked conversion from a Lua number to a C integer. Casting NaN,
 * an infinity or a value outside the target type is undefined behaviour in
 * C, so every conversion of a number that came from Lua or from a server
 * goes through here. */
#ifndef SOPS_NUMERIC_H
#define SOPS_NUMERIC_H

#include <lua.h>

/* 1 with *out = v truncated toward zero when lo <= v <= hi (NaN never is);
 * else 0 and *out untouched. lo and hi must lie within +-2^62, where every
 * bound converts to a double exactly enough for the comparison to be safe. */
static inline int sops_number_to_int(lua_Number v, long long lo, long long hi, long long *out)
{
    if (!(v >= (lua_Number)lo && v <= (lua_Number)hi))
        return 0;
    *out = (long long)v;
    return 1;
}

/* The same over the whole range of long long: -2^63 <= v < 2^63. */
static inline int sops_number_to_ll(lua_Number v, long long *out)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return 0;
    *out = (long long)v;
    return 1;
}

#endif
