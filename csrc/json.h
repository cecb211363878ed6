/* JSON: decoding a response buffer straight into Lua values, encoding
 * Lua values for request bodies. */
#ifndef SOPS_JSON_H
#define SOPS_JSON_H

#include <stddef.h>

#include "compat.h"
#include "buffer.h"

/* The deepest nesting the decoder and the encoder go to: both recurse, and
 * this bound keeps them well inside any C stack (a few hundred bytes a
 * level). No argument raises it. */
#define SOPS_JSON_MAX_DEPTH 1000

/* Registry key of the metatable that marks a table as a JSON array. */
#define SOPS_ARRAY_MT "sops.array"

/* Decodes buf[0..len) (which must be followed by a NUL byte) and pushes the
 * value. Returns 1; or 0 with nothing pushed and a message in err. JSON null
 * becomes the light userdata NULL (sops.null, the same value as cjson.null).
 * Integers without fraction or exponent that fit become Lua integers. A
 * \uXXXX surrogate pair becomes the 4-byte UTF-8 of its character; a lone
 * surrogate escape (valid JSON) its 3-byte generalized form, ED A0 80 ..
 * ED BF BF (WTF-8), which the encoder writes back as the same escape.
 * Strings of up to SOPS_STRCACHE_MAXLEN bytes come through the state's
 * string cache (strcache.h; made at the first decode). Raises only on
 * memory errors. */
int sops_json_decode(lua_State *L, const char *buf, size_t len, int max_depth,
                     char *err, size_t errlen);

/* The same; use_cache 0 leaves the state's string cache (strcache.h) alone:
 * no string is looked up in it or added to it. What a decode returns is
 * the same either way. */
int sops_json_decode_with(lua_State *L, const char *buf, size_t len, int max_depth, int use_cache,
                          char *err, size_t errlen);

/* Appends the JSON text of the value at idx. Returns 1; or 0 with a static
 * message in *err (unsupported type, NaN, nesting too deep, bad key, invalid
 * UTF-8, out of memory). Strings must be UTF-8, lone surrogates in their
 * 3-byte form allowed (what the decoder gives for one; a high one followed
 * by a low one is refused: a pair has its 4-byte form only). Never raises
 * except when Lua itself runs out of stack. */
int sops_json_encode(lua_State *L, int idx, sops_buf *b, const char **err);

/* The same, with a writer's own key order: a table whose metatable has the
 * field `order_key` (a list of keys) is an object, its listed keys written
 * in that order, then any others sorted; other objects are written with
 * their keys sorted. order_key NULL: none. (Arrays are marked as for
 * sops_json_encode, by sops.array's metatable.) */
int sops_json_encode_ordered(lua_State *L, int idx, const char *order_key, sops_buf *b, const char **err);

/* Whether s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF): JSON text must be. */
int sops_utf8_valid(const char *s, size_t n);

/* Appends s as a JSON string literal (a surrogate in its 3-byte form as its
 * \uXXXX escape). Returns 0 when memory ran out. */
int sops_json_add_string(sops_buf *b, const char *s, size_t n);

/* Keeps the words bk-sops answers with (envelope and status-tree keys,
 * state names) alive in the registry, so that decoding finds them already
 * interned instead of allocating them again for every response. (The
 * state's string cache, strcache.h, is made at the first decode that uses
 * it, seeded with them.) */
void sops_json_open(lua_State *L);

#endif
