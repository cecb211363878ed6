/* bk-sops ids (task, template, business): the one definition of what a
 * caller may give as an id and how it is sent. */
#ifndef SOPS_IDS_H
#define SOPS_IDS_H

#include <stddef.h>

#include "compat.h"

/* Room for any reason sops_id_read writes. */
#define SOPS_ID_WHY 96

/* Reads the value at idx as an id: a positive Lua integer, a float that
 * holds a positive integer exactly (at most 2^53 - 1), or a string of
 * decimal digits whose value the runtime holds exactly. Returns 1 with the
 * id in *out, else 0 with "positive integer expected, got ..." in why
 * (SOPS_ID_WHY bytes). Never raises and never allocates. */
int sops_id_read(lua_State *L, int idx, lua_Integer *out, char *why);

/* core.id(v) -> integer | nil, reason */
int sops_id_lua(lua_State *L);

#endif
