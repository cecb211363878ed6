/* The client object: a userdata owning a libcurl handle, the route and
 * credentials, and the buffers every call reuses. */
#ifndef SOPS_CLIENT_H
#define SOPS_CLIENT_H

#include "compat.h"

#define SOPS_CLIENT_MT "sops.client"

/* At most this many requests of call_many are in flight at once (a limit
 * only the core knows: core.MAX_PARALLEL). */
#define SOPS_MAX_PARALLEL 8

/* Registers the metatable; its __index is the methods table, which is left
 * on the stack so that the Lua layer can add its own methods. */
void sops_client_open(lua_State *L);

/* core.new(opts) */
int sops_client_new(lua_State *L);

/* core.call(client, api, params [, timeout [, traceparent]]) */
int sops_client_call(lua_State *L);

/* core.set_direct(client, yes): whether the Lua layer has nothing to add
 * to the client's calls (method.c); sops_client_is_direct: whether the
 * value at stack index i is such a client. Never raises. */
int sops_client_set_direct(lua_State *L);
int sops_client_is_direct(lua_State *L, int i);

/* core.build(client, api, params) -> the request, secrets as *** */
int sops_client_build(lua_State *L);
/* core.request and core.answer: a call's request as built, and its answer
 * classified and decoded, for a transport other than libcurl. */
int sops_client_request(lua_State *L);
int sops_client_answer(lua_State *L);
/* core.wire: the same request as core.request's, as its bytes on an
 * HTTP/1.1 connection (sops.cosocket's hot path). */
int sops_client_wire(lua_State *L);

/* Whether the value at stack index i is a client that is open and not
 * inside a call of its own; if so, *has_biz says whether it has a default
 * bk_biz_id. Never raises (fits.c). */
int sops_client_ready(lua_State *L, int i, int *has_biz);
/* The open client at stack index i (raised as a bad argument of fn
 * otherwise): its base URL and the transport options every request of it
 * uses, for a request of its own (probe.c). */
struct sops_transport_opts;
const char *sops_client_target(lua_State *L, int i, const char *fn, const struct sops_transport_opts **opts);

#endif
