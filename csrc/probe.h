/* core.probe: a bare request to a client's server, for `bksops doctor`. */
#ifndef SOPS_PROBE_H
#define SOPS_PROBE_H

#include "compat.h"

/* core.probe(client [, seconds]) -> {status, seconds, date, server_time}
 * | nil, kind ("timeout", "tls", "transport"), message: a GET of the
 * client's base URL with its TLS, proxy and timeout settings and no
 * credential; date and server_time (seconds since the epoch) only when
 * the answer had a Date header this libcurl can read. */
int sops_probe(lua_State *L);

#endif
