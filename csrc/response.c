#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h> /* curl_getdate */

#include "errors.h"
#include "json.h"
#include "numeric.h"
#include "response.h"

const char *const SOPS_ANSWER_HEADERS[SOPS_H_COUNT] = {"X-Bkapi-Request-Id", "X-Bkapi-Error-Code", "Sops-Trace-Id",
                                                        "Retry-After"};
const char *const SOPS_ANSWER_FIELDS[SOPS_H_COUNT] = {"request_id", "error_code", "trace_id", "retry_after"};

double sops_retry_after(const char *value)
{
    char *end;
    double v;
    time_t when;
    if (value == NULL || *value == '\0')
        return -1;
    v = strtod(value, &end);
    if (end != value) {
        while (*end == ' ' || *end == '\t')
            end++;
        return (*end == '\0' && v >= 0 && v <= 1e9) ? v : -1; /* NaN fails v >= 0 */
    }
    when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return -1;
    v = difftime(when, time(NULL));
    return v > 0 ? (v < 1e9 ? v : 1e9) : 0;
}

/* A string field of the envelope at idx, or NULL. */
static const char *env_string(lua_State *L, int idx, const char *k)
{
    const char *s;
    lua_getfield(L, idx, k);
    s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* still referenced by the envelope */
    return s;
}

/* Fills code/message/detail of e from a decoded envelope at idx. What it
 * pushes (a code too large for an integer, the message's JSON form) stays
 * on the stack, where e refers to it. */
static void envelope_fields(lua_State *L, int idx, sops_error *e, sops_buf *scratch, const char *const *secrets,
                            int n)
{
    lua_getfield(L, idx, "code");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        long long v;
        if (lua_isinteger(L, -1)) {
            e->has_code = 1;
            e->code = lua_tointeger(L, -1);
        } else if (sops_number_to_ll(lua_tonumber(L, -1), &v) && (lua_Number)v == lua_tonumber(L, -1)) {
            e->has_code = 1;
            e->code = (lua_Integer)v;
        } else {
            e->code_idx = lua_gettop(L); /* kept, as the number it is */
        }
    }
    if (!e->code_idx)
        lua_pop(L, 1);
    lua_getfield(L, idx, "message");
    if (lua_type(L, -1) == LUA_TSTRING) {
        e->message = lua_tostring(L, -1);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
        const char *err = NULL;
        /* the message is made from the scrubbed copy: a secret the server
         * echoed would come out of the encoder escaped once more */
        sops_scrub_copy_push(L, -1, secrets, n, 32);
        e->detail = lua_gettop(L);
        sops_buf_reset(scratch);
        if (sops_json_encode(L, -1, scratch, &err)) {
            lua_pushlstring(L, scratch->data ? scratch->data : "", scratch->len);
            e->message = lua_tostring(L, -1);
        }
    }
    if (!e->request_id || !*e->request_id)
        e->request_id = env_string(L, idx, "request_id");
    if (!e->trace_id || !*e->trace_id)
        e->trace_id = env_string(L, idx, "trace_id");
}

int sops_response_push(lua_State *L, const sops_response *r, const char *api, int max_depth, sops_buf *scratch,
                       const char *const *secrets, int n)
{
    long status = r->status;
    sops_error e;
    char msg[320];
    char derr[96];
    int decoded, env, failed = r->outcome != SOPS_ANSWERED || status < 200 || status > 299;

    if (failed && r->fetch_headers)
        r->fetch_headers(r);
    memset(&e, 0, sizeof e);
    e.api = api;
    e.retry_after = -1;
    e.sent = 1; /* an answer came: it went out */
    e.request_id = failed ? r->request_id : NULL;
    e.trace_id = failed ? r->trace_id : NULL;

    if (r->outcome != SOPS_ANSWERED) {
        const char *detail = r->detail && r->detail[0] ? r->detail : "the exchange failed";
        e.sent = r->sent;
        switch (r->outcome) {
        case SOPS_TOO_LARGE:
            e.kind = "decode";
            snprintf(msg, sizeof msg, "response body exceeds max_body (%lu bytes)", (unsigned long)r->max_body);
            break;
        case SOPS_TIMED_OUT:
            e.kind = "timeout";
            e.retryable = 1;
            snprintf(msg, sizeof msg, "%s", detail);
            break;
        case SOPS_TLS_FAILED:
            e.kind = "tls";
            snprintf(msg, sizeof msg, "%s", detail);
            break;
        default:
            e.kind = "transport";
            e.retryable = 1;
            snprintf(msg, sizeof msg, "%s", detail);
            break;
        }
        /* a request that may have changed state is not for retrying */
        if (r->once && e.sent)
            e.retryable = 0;
        e.message = msg;
        e.http_status = status;
        return sops_error_return(L, &e, secrets, n);
    }

    e.http_status = status;
    decoded = r->body && r->len > 0 && sops_json_decode(L, r->body, r->len, max_depth, derr, sizeof derr);
    env = decoded && lua_type(L, -1) == LUA_TTABLE ? lua_gettop(L) : 0;

    if (status < 200 || status > 299) {
        /* 429 and 5xx may pass, but a state-changing call that got a 5xx
         * may have acted (a gateway's 502/504 often comes after bk-sops
         * created the task): only a 429 proves it did not */
        e.retryable = status == 429 || (!r->once && status >= 500 && status <= 599);
        e.retry_after = sops_retry_after(r->retry_after);
        if (env)
            envelope_fields(L, env, &e, scratch, secrets, n);
        if (r->error_code && r->error_code[0]) {
            e.kind = "gateway";
            if (!e.has_code && !e.code_idx) {
                e.has_code = 1;
                e.code = (lua_Integer)strtoll(r->error_code, NULL, 10);
            }
        } else {
            e.kind = "http";
        }
        if (!e.message) {
            snprintf(msg, sizeof msg, "HTTP %ld", status);
            e.message = msg;
        }
        return sops_error_return(L, &e, secrets, n);
    }

    if (!decoded || !env) {
        if (r->fetch_headers)
            r->fetch_headers(r);
        e.request_id = r->request_id;
        e.trace_id = r->trace_id;
        e.kind = "decode";
        if (!decoded)
            snprintf(msg, sizeof msg, "response is not JSON: %s", r->len ? derr : "empty body");
        else
            snprintf(msg, sizeof msg, "response is not a bk-sops envelope (no boolean 'result')");
        e.message = msg;
        return sops_error_return(L, &e, secrets, n);
    }
    lua_getfield(L, env, "result");
    if (lua_type(L, -1) != LUA_TBOOLEAN || !lua_toboolean(L, -1)) {
        int boolean = lua_type(L, -1) == LUA_TBOOLEAN;
        lua_pop(L, 1);
        if (r->fetch_headers)
            r->fetch_headers(r);
        e.request_id = r->request_id;
        e.trace_id = r->trace_id;
        if (!boolean) {
            e.kind = "decode";
            e.message = "response is not a bk-sops envelope (no boolean 'result')";
            return sops_error_return(L, &e, secrets, n);
        }
        e.kind = "api";
        envelope_fields(L, env, &e, scratch, secrets, n);
        if (!e.message)
            e.message = "request failed";
        return sops_error_return(L, &e, secrets, n);
    }
    lua_pop(L, 1);
    lua_getfield(L, env, "data");
    if (lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushnil(L);
    lua_pushvalue(L, env);
    return 3;
}
