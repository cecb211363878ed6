/* The decoder's string cache: the short strings that JSON answers repeat
 * (keys, ids, states, times) kept per Lua state, so that decoding one again
 * pushes the string it made before instead of hashing and interning its
 * bytes anew. One cache a Lua state, in its registry, made at the first
 * decode that uses it and shared by everything that decodes there (the
 * clients over libcurl, core.answer's cosocket path, core.decode and
 * sops.decode).
 *
 * Set-associative: a string's hash picks a set of SOPS_STRCACHE_WAYS slots;
 * a slot holds the hash, the length, the first 8 bytes and a pointer to the
 * bytes of a Lua string kept at the same index of the cache table (so the
 * pointer is valid exactly as long as the slot holds the string). A hit is
 * verified byte for byte and pushed from the cache table; a miss makes the
 * string and puts it in the set's next slot in turn (second chance: a slot
 * hit since the hand last passed it is skipped once).
 *
 * Bounded: strings longer than SOPS_STRCACHE_MAXLEN bytes are never cached,
 * and the cache starts with 2^SOPS_STRCACHE_MIN_BITS sets (a few answers'
 * worth); a decode that misses on half as many strings as there are slots
 * makes it 4 times larger, up to 2^SOPS_STRCACHE_MAX_BITS sets (8,192
 * slots: about 1 MB with full slots of the longest strings, on Lua 5.4).
 *
 * The hash (what sops_strcache_hash computes, and the decoder computes as
 * it scans a string 8 bytes at a time): the string as little-endian 64-bit
 * words, each full word mixed in, then the last (0 to 7 bytes, zero-padded)
 * with the length in its top byte. Never part of what a decode returns: a
 * slot matches only a string of the same bytes. Besides strings, the cache
 * remembers how many members the last containers at each depth had
 * (object_size, array_size), which the decoder takes as a size hint. */
#ifndef SOPS_STRCACHE_H
#define SOPS_STRCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"

/* the longest string cached (Lua 5.4's longest interned string) */
#define SOPS_STRCACHE_MAXLEN 40

#define SOPS_STRCACHE_WAYS 8
#ifndef SOPS_STRCACHE_MIN_BITS
#define SOPS_STRCACHE_MIN_BITS 6
#endif
#ifndef SOPS_STRCACHE_MAX_BITS
#define SOPS_STRCACHE_MAX_BITS 10
#endif

/* the depths whose containers' sizes are remembered */
#define SOPS_STRCACHE_HINT_DEPTH 16

#define SOPS_STRCACHE_K 0x9E3779B97F4A7C15ULL
/* the hash before the first step (not 0: so that the empty string's is not) */
#define SOPS_STRCACHE_H0 0x243F6A8885A308D3ULL

typedef struct sops_strslot {
    uint64_t hash;
    uint64_t first;   /* the first 8 bytes (all of a shorter string, zero-padded) */
    const char *str;  /* the bytes of the string at this slot's index of the cache table */
    size_t len;
} sops_strslot;       /* all zero: empty (no string has the hash 0 and the length 0) */

typedef struct sops_strcache {
    unsigned bits;            /* 2^bits sets of SOPS_STRCACHE_WAYS slots */
    size_t fresh;             /* misses since the decode began or the cache grew */
    unsigned long hits, misses;
    const char *const *seed;  /* what it is seeded with (NULL-terminated) */
    /* how many members the last non-empty container at each depth had (0:
     * none, or too many to make a table at that size at once) */
    unsigned char object_size[SOPS_STRCACHE_HINT_DEPTH];
    unsigned char array_size[SOPS_STRCACHE_HINT_DEPTH];
    unsigned char *hand;      /* a set's next slot to fill */
    unsigned char *used;      /* a bit a slot of a set: hit since the hand passed it */
    sops_strslot slot[];      /* then hand and used, a byte a set each */
} sops_strcache;

/* One step of the hash: a full word of the string. */
static inline uint64_t sops_strcache_step(uint64_t h, uint64_t word)
{
    return (h ^ word) * SOPS_STRCACHE_K;
}

/* The last step: the last 0 to 7 bytes (zero-padded) and the length. */
static inline uint64_t sops_strcache_last(uint64_t h, uint64_t tail, size_t len)
{
    return sops_strcache_step(h, tail | ((uint64_t)len << 56));
}

/* The n <= 8 bytes at p as a little-endian word, zero-padded. */
static inline uint64_t sops_strcache_word(const char *p, size_t n)
{
    uint64_t w = 0;
    size_t i;
    for (i = 0; i < n; i++)
        w |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return w;
}

/* The hash of s[0..len) (len <= SOPS_STRCACHE_MAXLEN), and its first word in
 * *first: what the decoder computes while it scans. */
uint64_t sops_strcache_hash(const char *s, size_t len, uint64_t *first);

/* Whether the cached bytes c and s[0..len), whose first words are equal,
 * are the same (8 < len <= SOPS_STRCACHE_MAXLEN). */
static inline int sops_strcache_rest_equal(const char *c, const char *s, size_t len)
{
    size_t i;
    uint64_t a, b;
    for (i = 8; i + 8 < len; i += 8) {
        memcpy(&a, c + i, 8);
        memcpy(&b, s + i, 8);
        if (a != b)
            return 0;
    }
    memcpy(&a, c + len - 8, 8);
    memcpy(&b, s + len - 8, 8);
    return a == b;
}

/* A miss of sops_strcache_push: makes the string and caches it (after
 * making the cache larger, in the registry and at tidx, when this decode
 * missed often; *cp is then the new one). */
void sops_strcache_miss(lua_State *L, sops_strcache **cp, int tidx, uint64_t h, uint64_t first, const char *s,
                        size_t len);

/* Pushes the string s[0..len) (len <= SOPS_STRCACHE_MAXLEN; h and first as
 * sops_strcache_hash gives them) from the cache *cp, whose table is at the
 * absolute stack index tidx; or makes it and caches it. The stack must have
 * room for 3 values. Raises only on memory errors. */
static inline void sops_strcache_push(lua_State *L, sops_strcache **cp, int tidx, uint64_t h, uint64_t first,
                                      const char *s, size_t len)
{
    sops_strcache *c = *cp;
    size_t set = (size_t)(h >> (64 - c->bits));
    const sops_strslot *slot = c->slot + set * SOPS_STRCACHE_WAYS;
    int i;
    for (i = 0; i < SOPS_STRCACHE_WAYS; i++, slot++) {
        if (slot->hash == h && slot->len == len && slot->first == first
            && (len <= 8 || sops_strcache_rest_equal(slot->str, s, len))) {
            c->hits++;
            c->used[set] |= (unsigned char)(1u << i);
            lua_rawgeti(L, tidx, (int)(set * SOPS_STRCACHE_WAYS) + i + 1);
            return;
        }
    }
    sops_strcache_miss(L, cp, tidx, h, first, s, len);
}

/* Pushes the state's cache table and returns its cache, making both at the
 * first call (seeded with the strings of the NULL-terminated list seed),
 * and begins a decode's count of misses. The stack must have room for 4
 * values. Raises only on memory errors. */
sops_strcache *sops_strcache_get(lua_State *L, const char *const *seed);

/* core.decode_cache([what]): "clear" drops the state's cache (the next
 * decode makes a new one, as the first did); nil or "stats" returns
 * {slots, used, hits, misses, max_len} (slots: 0 before the first
 * decode). */
int sops_strcache_lua(lua_State *L);

#endif
