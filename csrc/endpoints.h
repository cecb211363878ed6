/* The bk-sops endpoints lua-sops calls and how a call becomes a request on
 * either route (protocol §1, §2). */
#ifndef SOPS_ENDPOINTS_H
#define SOPS_ENDPOINTS_H

#include "compat.h"
#include "buffer.h"
#include "ids.h"

/* Room for a message sops_build_request makes: a field name and a reason. */
#define SOPS_REQUEST_WHY (SOPS_ID_WHY + 64)

typedef struct sops_endpoint {
    const char *name;
    int post;            /* 1: POST with a JSON body, 0: GET with a query */
    const char *ids[3];  /* path ids in the gateway's order, NULL-terminated */
    int read_only;       /* a POST that changes nothing (GETs never do) */
} sops_endpoint;

/* Whether a request of ep may change state on the server: such a request
 * is sent at most once per call. */
#define SOPS_CHANGES_STATE(ep) ((ep)->post && !(ep)->read_only)

enum { SOPS_ROUTE_APIGW = 0, SOPS_ROUTE_ESB = 1 };

typedef struct sops_route {
    int route;
    const char *base;        /* no trailing slash */
    const char *app_code;
    const char *app_secret;
    const char *user_field;  /* bk_username, bk_token, or access_token */
    const char *user_value;
    int has_biz;             /* a default bk_biz_id for calls without one */
    long long biz;
    const char *scope;       /* the default scope (never NULL) */
} sops_route;

const sops_endpoint *sops_endpoint_find(const char *name);

/* Pushes {name = {method = "GET" | "POST", changes_state = boolean}} for
 * the Lua layer (core.endpoints). */
void sops_endpoints_push(lua_State *L);

/* Builds the URL (and, for POST, the JSON body) of a call whose parameters
 * are the table at `params`; the route's default bk_biz_id and scope stand
 * in for those it lacks. The ids are taken by name; the rest go to the
 * query (GET: false and nil are left out, true is "true", tables are JSON)
 * or the body (POST). On the ESB route the credentials and ids travel with
 * the parameters. scratch is a work buffer. Returns 1, or 0 with a message
 * in *err, which may point into why (SOPS_REQUEST_WHY bytes). All the
 * buffers belong to the caller. Ids are read by sops_id_read. */
int sops_build_request(lua_State *L, int params, const sops_endpoint *ep, const sops_route *r,
                       sops_buf *url, sops_buf *body, sops_buf *scratch, char *why, const char **err);

/* Keeps the words bk-sops answers with (envelope and status-tree keys,
 * state names) alive in the registry, so that decoding finds them already
 * interned instead of allocating them again for every response. */
void sops_endpoints_open(lua_State *L);

/* Appends the X-Bkapi-Authorization value for the route's credentials. */
int sops_auth_header(const sops_route *r, sops_buf *out);

#endif
