/* core.probe(client [, timeout_s]): one bare GET of the client's base URL,
 * through the client's own TLS, proxy and timeout settings but carrying
 * no credential, to tell whether the server is reached, how fast, and
 * what time it says it is (its Date header). For `bksops doctor`. */
#include <string.h>

#include "client.h"
#include "probe.h"
#include "transport.h"

#define PROBE_MAX_BODY (64 * 1024)

int sops_probe(lua_State *L)
{
    const sops_transport_opts *opts;
    sops_transport t;
    const char *base = sops_client_target(L, 1, "probe", &opts);
    lua_Number budget = luaL_optnumber(L, 2, (lua_Number)opts->timeout_ms / 1000);
    char date[SOPS_HDR_MAX];
    sops_transport_opts o = *opts;
    sops_outcome outcome;
    CURLcode rc;
    long status;
    double seconds = 0;
    int has_date;

    luaL_argcheck(L, budget > 0 && budget <= 86400, 2, "seconds between 0 and 86400 expected");
    o.timeout_ms = (long)(budget * 1000);
    if (o.timeout_ms < 1)
        o.timeout_ms = 1;
    if (o.connect_timeout_ms > o.timeout_ms)
        o.connect_timeout_ms = o.timeout_ms;
    /* nothing below raises until the transport is freed */
    if (!sops_transport_init(&t, &o, PROBE_MAX_BODY)) {
        lua_pushnil(L);
        lua_pushliteral(L, "libcurl could not create a handle");
        return 2;
    }
    sops_transport_prepare(&t, base, NULL, NULL, 0, o.timeout_ms, 0);
    rc = curl_easy_perform(t.easy);
    status = sops_transport_status(&t);
    curl_easy_getinfo(t.easy, CURLINFO_TOTAL_TIME, &seconds);
    has_date = status > 0 && sops_transport_date(&t, date, sizeof date);
    outcome = sops_transport_outcome(&t, rc);
    /* a body larger than the probe keeps is still an answer */
    if (outcome == SOPS_TOO_LARGE)
        outcome = SOPS_ANSWERED;
    sops_transport_free(&t);

    if (outcome != SOPS_ANSWERED || status == 0) {
        lua_pushnil(L);
        lua_pushstring(L, outcome == SOPS_TIMED_OUT ? "timeout" : outcome == SOPS_TLS_FAILED ? "tls" : "transport");
        /* libcurl's fixed words for the code, not its error buffer, which
         * can name a proxy's URL with its password */
        lua_pushstring(L, outcome == SOPS_ANSWERED ? "no HTTP answer" : curl_easy_strerror(rc));
        return 3;
    }
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    lua_pushnumber(L, seconds);
    lua_setfield(L, -2, "seconds");
    if (has_date) {
        time_t when = curl_getdate(date, NULL);
        lua_pushstring(L, date);
        lua_setfield(L, -2, "date");
        if (when != (time_t)-1) {
            lua_pushnumber(L, (lua_Number)when);
            lua_setfield(L, -2, "server_time");
        }
    }
    return 1;
}
