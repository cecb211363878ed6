/* Structured run-time errors: a table {kind, message, code, http_status,
 * request_id, trace_id, api, retryable, detail, retry_after, sent} whose
 * tostring reads well. */
#ifndef SOPS_ERRORS_H
#define SOPS_ERRORS_H

#include "compat.h"

#define SOPS_ERROR_MT "sops.error"

typedef struct sops_error {
    const char *kind;        /* api, gateway, http, timeout, transport, tls, decode (and, made
                              * in Lua: closed, phase, callback, cancelled) */
    const char *api;
    const char *message;     /* scrubbed of secrets before it is stored */
    int has_code;
    lua_Integer code;
    int code_idx;            /* stack index of a code too large for an integer, 0: none */
    long http_status;        /* 0: none */
    const char *request_id;  /* NULL or "": none */
    const char *trace_id;
    int retryable;
    int detail;              /* stack index of a detail value, 0: none */
    double retry_after;      /* < 0: none */
    int sent;                /* 1: the request (or part) went out, 0: it did not, -1: not said */
} sops_error;

/* Pushes the error table. `secrets` (n of them, NULL entries skipped) are
 * replaced by "***" wherever they occur in the message and in every string
 * of detail (a scrubbed copy of it is stored). */
void sops_error_push(lua_State *L, const sops_error *e, const char *const *secrets, int n);

/* Pushes nil, the error's message and the error, as a call returns a
 * failure; returns 3. */
int sops_error_return(lua_State *L, const sops_error *e, const char *const *secrets, int n);

/* Pushes the message of the error table at idx (what tostring gives). */
void sops_error_message_push(lua_State *L, int idx);

/* Pushes s with every occurrence of the secrets replaced by "***". */
void sops_scrub_push(lua_State *L, const char *s, size_t len, const char *const *secrets, int n);

/* Pushes a copy of the value at idx with the secrets scrubbed from every
 * string in it, keys included; tables nested deeper than depth become
 * the string "...". */
void sops_scrub_copy_push(lua_State *L, int idx, const char *const *secrets, int n, int depth);

/* Pushes "chunk:line:" of the frame an argument mistake is reported at: the
 * first outside the library. The core's own C frames on top are skipped,
 * then the library's Lua chunks (their sources begin with the prefix
 * core.set_root stored, which sops.check gives at load) and tail-call
 * marks; the first other frame is the caller's (a C one, such as pcall,
 * gives ""). */
void sops_where(lua_State *L);

/* core.set_root(prefix): the source prefix of the library's own chunks. */
int sops_set_root(lua_State *L);

/* Creates the metatable (once per state). */
void sops_error_open(lua_State *L);

/* core.new_error(t): gives t the error metatable and returns it. */
int sops_error_new(lua_State *L);

/* core.fail(t): gives t the error metatable and returns nil, its message,
 * t: a failure as every call returns one. */
int sops_error_fail(lua_State *L);

#endif
