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
    int esb;                           /* served on the ESB route too */
    int system;                        /* has an app-state twin at "/system" + its path */
    int scoped;                        /* of a project: {bk_biz_id} in its path, scope read */
    int nparts;
    const char *parts[SOPS_MAX_PARTS]; /* the path: literal text, or the name of a parameter */
    int part_kind[SOPS_MAX_PARTS];     /* SOPS_PART_* */
    int nids;
    const char *ids[SOPS_MAX_IDS];     /* the parameters of the path, in its order */
    int id_is_text[SOPS_MAX_IDS];      /* 1: a string (a token, a run id), 0: an id */
} sops_endpoint;

enum { SOPS_PART_TEXT = 0, SOPS_PART_ID = 1, SOPS_PART_STRING = 2 };

/* core.register(list): list[i] = {name = ..., method = "GET" | "POST",
 * path = "/some_api/{task_id}/{bk_biz_id}/", changes_state = bool,
 * esb = bool, system = bool, fields = {name = {kind, ...}}}: a path parameter whose field
 * kind is "string" is sent as escaped text, any other as an id.
 * Compiles the catalogue into C arrays (once per Lua state: later calls
 * change nothing). Raises on a malformed entry. */
int sops_catalog_register(lua_State *L);

/* core.define(entry): one more endpoint (an entry as for register), for
 * an api the table does not have; raises if the name is taken. */
int sops_catalog_define(lua_State *L);

/* The endpoint called name, or NULL: one hash lookup, no string compares. */
const sops_endpoint *sops_catalog_find(lua_State *L, const char *name);

#endif
