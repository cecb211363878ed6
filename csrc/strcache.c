/* The decoder's string cache (strcache.h). */
#include "strcache.h"

/* the registry key of the cache table (its address, never written) */
static const char CACHE_KEY = 0;

/* The cache table holds the strings at 1..slots (its array part, made at
 * that size, so that setting a slot never allocates) and the userdata of
 * the cache at 0. */
#define SLOTS(bits) ((size_t)SOPS_STRCACHE_WAYS << (bits))

/* Makes the value on the top of the stack (popped) the state's cache table:
 * registry[&CACHE_KEY]. */
static void anchor(lua_State *L)
{
    sops_rawsetp(L, LUA_REGISTRYINDEX, &CACHE_KEY);
}

uint64_t sops_strcache_hash(const char *s, size_t len, uint64_t *first)
{
    uint64_t h = SOPS_STRCACHE_H0, tail;
    size_t i = 0;
    *first = len >= 8 ? sops_strcache_word(s, 8) : sops_strcache_word(s, len);
    for (; i + 8 <= len; i += 8)
        h = sops_strcache_step(h, sops_strcache_word(s + i, 8));
    tail = sops_strcache_word(s + i, len - i);
    return sops_strcache_last(h, tail, len);
}

/* Puts the string on the top of the stack (h, first, len its hash, first
 * word and length) in its set's next slot: the hand's, or past it those hit
 * since it passed. No allocation, no code run. */
static void put(lua_State *L, sops_strcache *c, int tidx, uint64_t h, uint64_t first, size_t len)
{
    size_t set = (size_t)(h >> (64 - c->bits));
    unsigned way = c->hand[set];
    sops_strslot *slot;
    while (c->used[set] & (1u << way)) { /* second chance */
        c->used[set] &= (unsigned char)~(1u << way);
        way = (way + 1) % SOPS_STRCACHE_WAYS;
    }
    c->hand[set] = (unsigned char)((way + 1) % SOPS_STRCACHE_WAYS);
    slot = c->slot + set * SOPS_STRCACHE_WAYS + way;
    lua_pushvalue(L, -1);
    lua_rawseti(L, tidx, (int)(set * SOPS_STRCACHE_WAYS + way) + 1); /* (the array part) */
    slot->str = lua_tostring(L, -1);
    slot->hash = h;
    slot->first = first;
    slot->len = len;
}

/* A new cache of 2^bits sets and its table, pushed. */
static sops_strcache *make(lua_State *L, unsigned bits, const char *const *seed)
{
    size_t slots = SLOTS(bits), sets = (size_t)1 << bits;
    size_t size = sizeof(sops_strcache) + slots * sizeof(sops_strslot) + 2 * sets;
    sops_strcache *c;
    lua_createtable(L, (int)slots, 1);
    c = (sops_strcache *)lua_newuserdata(L, size);
    memset(c, 0, size);
    c->bits = bits;
    c->seed = seed;
    c->hand = (unsigned char *)(c->slot + slots);
    c->used = c->hand + sets;
    lua_rawseti(L, -2, 0);
    return c;
}

/* Makes the cache c (its table at tidx) 4 times larger: a new one with its
 * strings, in the registry and at tidx in its place. */
static sops_strcache *grow(lua_State *L, sops_strcache *c, int tidx)
{
    sops_strcache *n;
    size_t i, slots;
    int nidx;
    /* made first: a collection it runs may run a finalizer that decodes,
     * and so changes c; nothing below runs any code */
    n = make(L, c->bits + 2, c->seed);
    nidx = lua_gettop(L);
    n->hits = c->hits;
    n->misses = c->misses;
    memcpy(n->object_size, c->object_size, sizeof n->object_size);
    memcpy(n->array_size, c->array_size, sizeof n->array_size);
    slots = SLOTS(c->bits);
    for (i = 0; i < slots; i++) {
        const sops_strslot *s = &c->slot[i];
        if (s->str == NULL)
            continue;
        lua_rawgeti(L, tidx, (int)i + 1);
        put(L, n, nidx, s->hash, s->first, s->len);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, nidx);
    anchor(L);
    lua_replace(L, tidx);
    return n;
}

void sops_strcache_miss(lua_State *L, sops_strcache **cp, int tidx, uint64_t h, uint64_t first, const char *s,
                        size_t len)
{
    sops_strcache *c = *cp;
    if (++c->fresh >= SLOTS(c->bits) / 2 && c->bits < SOPS_STRCACHE_MAX_BITS) {
        *cp = c = grow(L, c, tidx);
        c->fresh = 0;
    }
    /* made before it is put: as in grow */
    lua_pushlstring(L, s, len);
    c->misses++;
    put(L, c, tidx, h, first, len);
}

/* The cache table and its cache, pushed; or nothing and NULL. */
static sops_strcache *find(lua_State *L)
{
    sops_strcache *c;
    sops_rawgetp(L, LUA_REGISTRYINDEX, &CACHE_KEY);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        return NULL;
    }
    lua_rawgeti(L, -1, 0);
    c = (sops_strcache *)lua_touserdata(L, -1);
    lua_pop(L, c ? 1 : 2);
    return c;
}

/* Caches the seed strings, marked as hit; returns the cache (made larger
 * on the way if they were many, its table at tidx then the new one). */
static sops_strcache *seed(lua_State *L, sops_strcache *c, int tidx)
{
    size_t i;
    for (i = 0; c->seed[i]; i++) {
        size_t len = strlen(c->seed[i]);
        uint64_t first, h;
        if (len > SOPS_STRCACHE_MAXLEN)
            continue;
        h = sops_strcache_hash(c->seed[i], len, &first);
        sops_strcache_push(L, &c, tidx, h, first, c->seed[i], len);
        lua_pop(L, 1);
    }
    for (i = 0; i < SLOTS(c->bits); i++)
        if (c->slot[i].str)
            c->used[i / SOPS_STRCACHE_WAYS] |= (unsigned char)(1u << (i % SOPS_STRCACHE_WAYS));
    c->hits = c->misses = 0;
    return c;
}

sops_strcache *sops_strcache_get(lua_State *L, const char *const *seed_list)
{
    sops_strcache *c = find(L);
    if (c == NULL) {
        c = make(L, SOPS_STRCACHE_MIN_BITS, seed_list);
        c = seed(L, c, lua_gettop(L));
        lua_pushvalue(L, -1);
        anchor(L);
    }
    c->fresh = 0;
    return c;
}

int sops_strcache_lua(lua_State *L)
{
    static const char *const what[] = {"stats", "clear", NULL};
    int op = luaL_checkoption(L, 1, "stats", what);
    sops_strcache *c;
    size_t i, used = 0, slots = 0;
    lua_settop(L, 1);
    if (op == 1) {
        lua_pushnil(L);
        anchor(L);
        return 0;
    }
    c = find(L);
    if (c) {
        slots = SLOTS(c->bits);
        for (i = 0; i < slots; i++)
            used += c->slot[i].str != NULL;
    }
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)slots);
    lua_setfield(L, -2, "slots");
    lua_pushinteger(L, (lua_Integer)used);
    lua_setfield(L, -2, "used");
    lua_pushinteger(L, c ? (lua_Integer)c->hits : 0);
    lua_setfield(L, -2, "hits");
    lua_pushinteger(L, c ? (lua_Integer)c->misses : 0);
    lua_setfield(L, -2, "misses");
    lua_pushinteger(L, SOPS_STRCACHE_MAXLEN);
    lua_setfield(L, -2, "max_len");
    return 1;
}
