/* The URL of a transport's requests (target.h). */
#include <string.h>

#include "target.h"

#ifdef SOPS_HAVE_CURLU
/* Where the path of url begins (past "scheme://" and the authority), or
 * NULL when url has no "://". */
static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return NULL;
    p += 3;
    return p + strcspn(p, "/?#");
}

/* Sets uh to url, parsing it whole only when the part before path differs
 * from the last; 0 when url goes as a string instead. */
static int set_parts(sops_target *t, const char *url, const char *path)
{
    size_t olen = (size_t)(path - url);
    const char *query = strchr(path, '?');
    size_t plen = query ? (size_t)(query - path) : strlen(path);
    if (strpbrk(path, "%#") || strstr(path, "/."))
        return 0; /* (see target.h) */
    if (t->uh == NULL && (t->uh = curl_url()) == NULL)
        return 0;
    if (t->origin.len != olen || memcmp(t->origin.data, url, olen) != 0) {
        sops_buf_reset(&t->origin);
        /* with the flags libcurl parses a URL string with (its scheme given) */
        if (curl_url_set(t->uh, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
            return 0;
        if (!sops_buf_add(&t->origin, url, olen))
            return 0;
    }
    sops_buf_reset(&t->path);
    if (!sops_buf_add(&t->path, path, plen) || curl_url_set(t->uh, CURLUPART_PATH, t->path.data, 0) != CURLUE_OK
        || curl_url_set(t->uh, CURLUPART_QUERY, query ? query + 1 : NULL, 0) != CURLUE_OK) {
        sops_buf_reset(&t->origin); /* uh half set: parsed whole next time */
        return 0;
    }
    return 1;
}
#endif

/* Sets easy's URL to url, as a URL handle where it can; 0 when libcurl
 * took it not (out of memory). */
static int give(sops_target *t, CURL *easy, const char *url)
{
#ifdef SOPS_HAVE_CURLU
    const char *path = path_of(url);
    if (path && set_parts(t, url, path)) {
        /* the string too, the same URL: libcurl 7.88 takes it as the
         * transfer's URL (its effective URL, and the one a request sent
         * again on a fresh connection goes to) instead of making it from
         * uh's parts, 9k instructions; later versions make it from uh,
         * which overrides the string */
        return curl_easy_setopt(easy, CURLOPT_URL, url) == CURLE_OK
               && curl_easy_setopt(easy, CURLOPT_CURLU, t->uh) == CURLE_OK;
    }
    /* (uh keeps its origin: set_parts forgot it where uh was left half set) */
    curl_easy_setopt(easy, CURLOPT_CURLU, NULL);
#else
    (void)t;
#endif
    return curl_easy_setopt(easy, CURLOPT_URL, url) == CURLE_OK;
}

void sops_target_set(sops_target *t, CURL *easy, const char *url)
{
    size_t len = strlen(url);
    /* (libcurl takes the URL afresh from what it was given at each
     * transfer's start: a handle left as it was sends to the same URL) */
    if (len > 0 && t->given.len == len && memcmp(t->given.data, url, len) == 0)
        return;
    sops_buf_reset(&t->given);
    /* (not taken, or no memory to note it: given again next time) */
    if (give(t, easy, url) && !sops_buf_add(&t->given, url, len))
        sops_buf_reset(&t->given);
}

void sops_target_free(sops_target *t)
{
#ifdef SOPS_HAVE_CURLU
    curl_url_cleanup(t->uh);
    t->uh = NULL;
#endif
    sops_buf_free(&t->origin);
    sops_buf_free(&t->path);
    sops_buf_free(&t->given);
}
