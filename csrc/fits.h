/* The hot path's argument check. A call of sops.api is compiled once into
 * a plan (core.plan); core.fits(plan, client, args) then says, without
 * raising and without allocating, whether args can go to core.call as
 * they are: the client is open, every field is one the call takes, of its
 * kind, the required ones are there, and nothing needs the Lua layer (a
 * field it keeps or reshapes, a fixed field, a metatable). Any doubt
 * answers false: the Lua layer then checks in full (sops.check), raising
 * the precise message, and shapes what it must. */
#ifndef SOPS_FITS_H
#define SOPS_FITS_H

#include "compat.h"

/* core.plan(spec) -> plan: spec is a call of sops.api.CALLS ({fields =
 * {name = {kind, required}}, local_fields, reshape, fixed, scoped,
 * actions}). Raises on a kind it does not know. */
int sops_plan(lua_State *L);

/* core.fits(plan, client, args) -> boolean */
int sops_fits(lua_State *L);

/* The same check on the plan, client and args at those (absolute) stack
 * indices; it pushes values above them and leaves them there. */
int sops_args_fit(lua_State *L, int plan, int client, int args);

#endif
