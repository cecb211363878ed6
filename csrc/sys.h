/* What the Lua layer needs from the operating system: a real sleep,
 * clocks, whether a descriptor is a terminal and its size, and a file's
 * permission bits. */
#ifndef SOPS_SYS_H
#define SOPS_SYS_H

#include "compat.h"

int sops_sleep(lua_State *L);      /* core.sleep(seconds) -> false when a signal ended it early */
int sops_monotime(lua_State *L);   /* core.monotime() -> seconds, monotonic */
int sops_time(lua_State *L);       /* core.time() -> seconds since the epoch, with fraction */
int sops_isatty(lua_State *L);     /* core.isatty(fd) -> boolean */
int sops_term_size(lua_State *L);  /* core.term_size(fd) -> columns, rows; nil when not a terminal */
int sops_file_mode(lua_State *L);  /* core.file_mode(path) -> permission bits; nil, message */

/* Whether the standalone interpreter caught Ctrl-C in state L: its handler
 * (lua.c's laction) sets a call, return and count hook of count 1, to raise
 * "interrupted!" at the next instruction. Only reads the hook: safe inside a
 * libcurl callback. For sops_transport's cancel. */
int sops_interrupt_pending(void *L);

#endif
