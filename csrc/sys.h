/* What the Lua layer needs from the operating system: a real sleep,
 * clocks, whether a descriptor is a terminal and its size, a file only
 * its owner may change, and no core dumps; and the transport, pages of
 * memory of their own. */
#ifndef SOPS_SYS_H
#define SOPS_SYS_H

#include <stddef.h>

#include "compat.h"

/* core.sleep(seconds [, resize]) -> true; false when a signal ended it
 * early; with resize, "resize" when the terminal's size changed (SIGWINCH) */
int sops_sleep(lua_State *L);
int sops_monotime(lua_State *L);   /* core.monotime() -> seconds, monotonic */
int sops_time(lua_State *L);       /* core.time() -> seconds since the epoch, with fraction */
int sops_isatty(lua_State *L);     /* core.isatty(fd) -> boolean */
int sops_term_size(lua_State *L);  /* core.term_size(fd) -> columns, rows; nil when not a terminal */
/* core.read_owned(path) -> text, permission bits, whether its owner is
 * this user or root; nil, message, "missing" | "unreadable". The file is
 * opened first and the opened file judged (fstat): a regular file, at most
 * 64 KiB. */
int sops_read_owned(lua_State *L);
/* core.replace_file(path, text, mode) -> true; nil, message: text written
 * to a new file beside path (created for this user alone, then given the
 * permission bits mode), synced, then renamed over path: a reader sees the
 * old file or the new one, never a part. */
int sops_replace_file(lua_State *L);
/* core.guard_terminal(true) -> mask: until core.guard_terminal(false,
 * mask), SIGTERM and SIGHUP (those not ignored or handled already) first
 * reset the terminal's colours and show its cursor (on fd 1), then end the
 * process as they would have. */
int sops_guard_terminal(lua_State *L);
/* core.no_core_dumps() -> boolean: no core file, and (Linux) not dumpable:
 * no ptrace attach by the same user, /proc/PID/mem and environ closed. */
int sops_no_core_dumps(lua_State *L);

/* Whether the standalone interpreter caught Ctrl-C in state L: its handler
 * (lua.c's laction) sets a call, return and count hook of count 1, to raise
 * "interrupted!" at the next instruction. Only reads the hook: safe inside a
 * libcurl callback. For sops_transport's cancel. */
int sops_interrupt_pending(void *L);

/* n bytes (zeros) in pages of their own, outside malloc's heap, or NULL;
 * sops_pages_free(p, n) gives them back to the system at once. For large
 * buffers that live for one call (transport.c). Safe inside a libcurl
 * callback. */
void *sops_pages(size_t n);
void sops_pages_free(void *p, size_t n);

#endif
