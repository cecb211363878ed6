/* How a call becomes a request on either route (protocol §1, §2), from an
 * endpoint of the catalogue (catalog.h): its URL, its body, the
 * credentials' header. It holds no endpoint of its own. */
#ifndef SOPS_REQUEST_H
#define SOPS_REQUEST_H

#include "compat.h"
#include "buffer.h"
#include "catalog.h"
#include "ids.h"

/* Room for a message sops_build_request makes: a field name and a reason. */
#define SOPS_REQUEST_WHY (SOPS_ID_WHY + 64)

/* the gateway's resources; the legacy ESB; the gateway's app-state twins
 * ("/system" + the path: no user needed, the tenant's app acting) */
enum { SOPS_ROUTE_APIGW = 0, SOPS_ROUTE_ESB = 1, SOPS_ROUTE_SYSTEM = 2 };

typedef struct sops_route {
    int route;
    const char *base;        /* no trailing slash */
    const char *app_code;
    const char *app_secret;
    const char *user_field;  /* bk_username, bk_token, or access_token; NULL: none (system) */
    const char *user_value;
    int header_auth;         /* ESB too: the credentials in X-Bkapi-Authorization, never in a query or body */
    int has_biz;             /* a default bk_biz_id for calls without one */
    long long biz;
    const char *scope;       /* the default scope (never NULL) */
} sops_route;


/* Appends s percent-encoded as a query value or a path segment (all but
 * the unreserved characters of RFC 3986, upper-case hex); 0: no memory. */
int sops_url_escape(sops_buf *b, const char *s, size_t n);

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

/* Appends the X-Bkapi-Authorization value for the route's credentials. */
int sops_auth_header(const sops_route *r, sops_buf *out);

#endif
