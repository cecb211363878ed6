/* What the Lua layer needs from the operating system: a real sleep,
 * clocks, and whether a descriptor is a terminal. */
#ifndef SOPS_SYS_H
#define SOPS_SYS_H

#include "compat.h"

int sops_sleep(lua_State *L);      /* core.sleep(seconds) -> false when a signal ended it early */
int sops_monotime(lua_State *L);   /* core.monotime() -> seconds, monotonic */
int sops_time(lua_State *L);       /* core.time() -> seconds since the epoch, with fraction */
int sops_isatty(lua_State *L);     /* core.isatty(fd) -> boolean */

#endif
