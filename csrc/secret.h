/* Unguessable tokens and their comparison: bytes from the system's random
 * source, and an equality test whose time does not depend on where two
 * strings first differ. For the completion-callback receivers. */
#ifndef SOPS_SECRET_H
#define SOPS_SECRET_H

#include "compat.h"

int sops_random_hex(lua_State *L);   /* core.random_hex(nbytes) -> 2*nbytes hex digits | nil, message */
int sops_secret_equal(lua_State *L); /* core.secret_equal(a, b) -> boolean, in time set by #b alone */

#endif
