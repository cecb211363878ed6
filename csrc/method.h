/* The methods of a client for the calls of sops.api, made in C so that a
 * plain call runs no Lua code of the library: arguments that fit the
 * call's plan (fits.c), on a client whose Lua layer has nothing to add
 * (core.set_direct), go to core.call at once; anything else goes to the
 * Lua method, which checks in full and runs the retry policy, the hooks or
 * the cosocket transport. */
#ifndef SOPS_METHOD_H
#define SOPS_METHOD_H

#include "compat.h"

/* core.method(plan, api, lua_method, outcome) -> the method of api:
 * method(client, args) gives what core.call(client, api, args) gives, a
 * failure passed through outcome(nil, message, err), or what
 * lua_method(client, args, ...) gives, which may yield. Where a yield
 * cannot pass a C function (Lua 5.1, 5.2, LuaJIT: SOPS_HAVE_CALLK), the
 * method is lua_method itself. */
int sops_method_new(lua_State *L);

/* core.is_method(f): whether f is such a method, a frame of the library's
 * own when an argument mistake looks for the caller's line. */
int sops_method_is(lua_State *L);

/* The same for the value at stack index idx. */
int sops_method_at(lua_State *L, int idx);

#endif
