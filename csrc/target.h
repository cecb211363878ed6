/* The URL of a transport's requests, given to libcurl as a URL handle
 * (CURLOPT_CURLU) and, the same URL, as a string: the handle's part before
 * the path (scheme, user, host, port) is parsed only when it changes, which
 * for a client's requests is once, and each request sets its path and
 * query. Given the string alone (CURLOPT_URL), libcurl 7.88 parses it whole
 * and makes it again from its parts on every transfer: 14k instructions of
 * a small call's 90k.
 * Only a path and query that libcurl sends as they are go so: one with an
 * escape ('%': libcurl 7.88 writes its hex digits in lower case when it is
 * set, later versions in upper case) or a dot segment ("/.": removed from a
 * string, kept when set) goes as the string alone, and so does a URL that
 * does not split so, every URL with a libcurl older than 7.63, and one that
 * libcurl would not take apart. The bytes sent are the same either way.
 * A URL the same as the last one given is not given again: the easy
 * handle keeps it from one transfer to the next (each poll of a wait asks
 * for the same URL), which spares libcurl copying and parsing it. */
#ifndef SOPS_TARGET_H
#define SOPS_TARGET_H

#include <curl/curl.h>

#include "buffer.h"

#if LIBCURL_VERSION_NUM >= 0x073f00
#define SOPS_HAVE_CURLU 1
#endif

typedef struct sops_target {
#ifdef SOPS_HAVE_CURLU
    CURLU *uh;       /* NULL: none made yet */
#endif
    sops_buf origin; /* the part before the path that uh holds (empty: none) */
    sops_buf path;   /* the path being set, NUL-terminated */
    sops_buf given;  /* the URL easy has (empty: none yet) */
} sops_target;

/* Gives easy the URL url (NUL-terminated) for its next transfer. */
void sops_target_set(sops_target *t, CURL *easy, const char *url);

/* Frees what t holds; easy must not use it any more. */
void sops_target_free(sops_target *t);

#endif
