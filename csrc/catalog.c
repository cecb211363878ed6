#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define CATALOG_KEY "sops.catalog.data" /* the userdata owning the arrays */
#define INDEX_KEY "sops.catalog.index" /* name -> light userdata of its sops_endpoint */
#define CATALOG_MT "sops.catalog"
#define EXTRA_KEY "sops.catalog.extra" /* endpoints defined one by one, kept alive here */

typedef struct catalog {
    int n;
    sops_endpoint *eps;
    char *arena; /* every string of every endpoint */
} catalog;

static int catalog_gc(lua_State *L)
{
    catalog *c = (catalog *)luaL_checkudata(L, 1, CATALOG_MT);
    free(c->eps);
    free(c->arena);
    c->eps = NULL;
    c->arena = NULL;
    return 0;
}

/* A string field of the entry at idx, or a raised error. */
static const char *entry_string(lua_State *L, int idx, int i, const char *k, size_t *len)
{
    const char *s;
    lua_getfield(L, idx, k);
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "bad argument #1 to 'register' (entry %d: string '%s' expected)", i, k);
    s = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* still referenced by the entry */
    return s;
}

/* Copies n bytes of s into the arena at *at, NUL-terminated. */
static const char *keep(char **at, const char *s, size_t n)
{
    char *p = *at;
    memcpy(p, s, n);
    p[n] = '\0';
    *at = p + n + 1;
    return p;
}

/* Whether the path parameter called name is a string: its field's kind
 * in the entry at idx (any other kind, or none, makes it an id). */
static int text_param(lua_State *L, int idx, const char *name)
{
    int text = 0;
    lua_getfield(L, idx, "fields");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, name);
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            text = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "string") == 0;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return text;
}

/* Splits the path template of the entry at idx into its parts; raises on
 * a malformed one. */
static void compile_path(lua_State *L, int idx, sops_endpoint *e, const char *path, size_t len, char **at, int i)
{
    size_t k = 0;
    if (len == 0 || path[0] != '/')
        luaL_error(L, "bad argument #1 to 'register' (entry %d: path must start with '/')", i);
    while (k < len) {
        const char *open = memchr(path + k, '{', len - k), *close;
        size_t lit = open ? (size_t)(open - (path + k)) : len - k;
        if (lit > 0) {
            if (e->nparts == SOPS_MAX_PARTS)
                luaL_error(L, "bad argument #1 to 'register' (entry %d: path too long)", i);
            e->part_kind[e->nparts] = SOPS_PART_TEXT;
            e->parts[e->nparts++] = keep(at, path + k, lit);
            k += lit;
        }
        if (!open)
            break;
        close = memchr(open, '}', len - (size_t)(open - path));
        if (close == NULL || close == open + 1 || e->nparts == SOPS_MAX_PARTS || e->nids == SOPS_MAX_IDS)
            luaL_error(L, "bad argument #1 to 'register' (entry %d: bad id in path)", i);
        e->parts[e->nparts] = keep(at, open + 1, (size_t)(close - open - 1));
        e->id_is_text[e->nids] = text_param(L, idx, e->parts[e->nparts]);
        e->part_kind[e->nparts] = e->id_is_text[e->nids] ? SOPS_PART_STRING : SOPS_PART_ID;
        if (strcmp(e->parts[e->nparts], "bk_biz_id") == 0)
            e->scoped = 1;
        e->ids[e->nids++] = e->parts[e->nparts++];
        k = (size_t)(close - path) + 1;
    }
}

/* The registry table at key, made when missing; left on the stack. */
static void registry_table(lua_State *L, const char *key)
{
    lua_getfield(L, LUA_REGISTRYINDEX, key);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, key);
    }
}

/* Fills e from the entry at idx, its strings copied to *at. */
static void compile_entry(lua_State *L, int idx, sops_endpoint *e, char **at, int i)
{
    size_t nlen, plen;
    const char *name = entry_string(L, idx, i, "name", &nlen);
    const char *path = entry_string(L, idx, i, "path", &plen);
    const char *method = entry_string(L, idx, i, "method", NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        luaL_error(L, "bad argument #1 to 'register' (entry %d: method GET or POST expected)", i);
    e->post = method[0] == 'P';
    lua_getfield(L, idx, "changes_state");
    e->changes_state = lua_toboolean(L, -1);
    lua_getfield(L, idx, "esb");
    e->esb = lua_toboolean(L, -1);
    lua_getfield(L, idx, "system");
    e->system = lua_toboolean(L, -1);
    lua_pop(L, 3);
    e->name = keep(at, name, nlen);
    compile_path(L, idx, e, path, plen, at, i);
}

/* The arena a compiled entry needs, at most. */
static size_t entry_size(lua_State *L, int idx, int i)
{
    size_t a, b;
    entry_string(L, idx, i, "name", &a);
    entry_string(L, idx, i, "path", &b);
    return a + 2 * b + 2 * SOPS_MAX_PARTS + 2; /* room for every piece's NUL */
}

int sops_catalog_register(lua_State *L)
{
    catalog *c;
    size_t total = 0;
    int n, i;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, CATALOG_KEY);
    if (!lua_isnil(L, -1))
        return 0; /* compiled already: the table is the module's constant */
    lua_pop(L, 1);
    n = (int)lua_rawlen(L, 1);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        luaL_checktype(L, -1, LUA_TTABLE);
        total += entry_size(L, lua_gettop(L), i);
        lua_pop(L, 1);
    }
    c = (catalog *)lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    if (luaL_newmetatable(L, CATALOG_MT)) {
        lua_pushcfunction(L, catalog_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    c->eps = calloc((size_t)(n > 0 ? n : 1), sizeof *c->eps);
    c->arena = malloc(total + 1);
    if (c->eps == NULL || c->arena == NULL)
        return luaL_error(L, "sops: out of memory");
    registry_table(L, INDEX_KEY); /* the index (define may have made it) */
    {
        char *at = c->arena;
        for (i = 1; i <= n; i++) {
            sops_endpoint *e = &c->eps[i - 1];
            lua_rawgeti(L, 1, i);
            compile_entry(L, lua_gettop(L), e, &at, i);
            lua_pop(L, 1);
            lua_pushlightuserdata(L, e);
            lua_setfield(L, -2, e->name);
        }
    }
    c->n = n;
    lua_pop(L, 1); /* the index, in the registry already */
    lua_setfield(L, LUA_REGISTRYINDEX, CATALOG_KEY);
    return 0;
}

int sops_catalog_define(lua_State *L)
{
    sops_endpoint *e;
    char *at;
    size_t size;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    size = entry_size(L, 1, 1);
    /* one block: the endpoint, then its strings */
    e = (sops_endpoint *)lua_newuserdata(L, sizeof *e + size);
    memset(e, 0, sizeof *e);
    at = (char *)(e + 1);
    compile_entry(L, 1, e, &at, 1);
    registry_table(L, INDEX_KEY);
    lua_getfield(L, -1, e->name);
    if (!lua_isnil(L, -1))
        return luaL_error(L, "bad argument #1 to 'define' (api '%s' is defined already)", e->name);
    lua_pop(L, 1);
    lua_pushlightuserdata(L, e);
    lua_setfield(L, -2, e->name);
    lua_pop(L, 1);
    registry_table(L, EXTRA_KEY);
    lua_pushvalue(L, 2); /* the userdata lives as long as the state */
    lua_rawseti(L, -2, (int)lua_rawlen(L, -2) + 1);
    return 0;
}

const sops_endpoint *sops_catalog_find(lua_State *L, const char *name)
{
    const sops_endpoint *e = NULL;
    lua_getfield(L, LUA_REGISTRYINDEX, INDEX_KEY);
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, name);
        e = (const sops_endpoint *)lua_touserdata(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return e;
}
