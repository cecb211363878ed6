/* The listener object: a userdata owning a listening TCP socket and the
 * connections it accepted, each with a bounded buffer, for a plain Lua
 * process to receive bk-sops' completion callbacks while it waits. It reads
 * whole HTTP/1.1 requests (a Content-Length body of at most max_body bytes)
 * and hands them to Lua, which answers each; requests it cannot take
 * (malformed, too large, chunked) it answers itself. Nothing is read or
 * written outside listener:wait and listener:answer, so between them the
 * process holds no callback. */
#ifndef SOPS_LISTENER_H
#define SOPS_LISTENER_H

#include "compat.h"

#define SOPS_LISTENER_MT "sops.listener"

/* Registers the metatable. */
void sops_listener_open(lua_State *L);

/* core.listen(host, port [, {max_body, max_connections, idle_timeout}])
 * -> listener | nil, message */
int sops_listener_new(lua_State *L);

#endif
