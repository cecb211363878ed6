/* The endpoint catalogue, compiled once from the Lua layer's table
 * (sops.api): the core itself knows no endpoint. */
#ifndef SOPS_CATALOG_H
#define SOPS_CATALOG_H

#include "compat.h"

#define SOPS_MAX_PARTS 9 /* literal pieces and ids of a path template */
#define SOPS_MAX_IDS 4

typedef struct sops_endpoint {
    const char *name;
    int post;                          /* 1: POST with a JSON body, 0: GET with a query */
    int changes_state;                 /* sent at most once per call */
    int nparts;
    const char *parts[SOPS_MAX_PARTS]; /* the path: literal text, or the name of an id */
    int part_is_id[SOPS_MAX_PARTS];
    int nids;
    const char *ids[SOPS_MAX_IDS];     /* the ids of the path, in its order */
} sops_endpoint;

/* core.register(list): list[i] = {name = ..., method = "GET" | "POST",
 * path = "/some_api/{task_id}/{bk_biz_id}/", changes_state = bool}.
 * Compiles the catalogue into C arrays (once per Lua state: later calls
 * change nothing). Raises on a malformed entry. */
int sops_catalog_register(lua_State *L);

/* core.define(entry): one more endpoint (an entry as for register), for
 * an api the table does not have; raises if the name is taken. */
int sops_catalog_define(lua_State *L);

/* The endpoint called name, or NULL: one hash lookup, no string compares. */
const sops_endpoint *sops_catalog_find(lua_State *L, const char *name);

#endif
