#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport.h"
#include "sys.h"

/* libcurl 7.84 and later hand out response headers on demand, so no header
 * callback has to run on every line of every response; older ones get the
 * callback. */
#if LIBCURL_VERSION_NUM >= 0x075400
#define SOPS_HEADER_API 1
#endif

/* A body its head gives the length of gets its room at once; past this
 * size (client.c's SOPS_KEEP_BUF: the call frees it when it ends), in pages
 * of its own (sops_pages), which go back to the system when the call ends
 * (sops_transport_trim). From malloc they would not, glibc's at least: once
 * it has freed one block this large it serves the next ones from its heap,
 * where a freed block stays with the process and the decoded tree's
 * objects settle in its place, so that the next body needs new pages: over
 * 600 calls of a 1 MB answer, a peak about 1 MB higher, and 1 MB held after
 * them (make bench-memory, spec 15). The price: new pages each time, about
 * 250 page faults a MB, 0.2 to 0.3 ms of CPU for a call of 2.5 to 3 ms. */
#define SOPS_MAP_BODY (256 * 1024)

static void body_free(sops_transport *t)
{
    if (t->mapped) {
        sops_pages_free(t->body.data, t->body.cap);
        t->body.data = NULL;
        t->body.len = t->body.cap = 0;
        t->mapped = 0;
    } else {
        sops_buf_free(&t->body);
    }
}

/* The head says the body has len bytes (none has come yet). A failure
 * only means no room made in advance. */
static void expect_body(sops_transport *t, curl_off_t len)
{
    char *p;
    if (len <= 0 || (size_t)len > t->max_body || t->body.len > 0)
        return;
    if (t->mapped)
        body_free(t);
    if ((size_t)len >= SOPS_MAP_BODY && (p = sops_pages((size_t)len + 1)) != NULL) {
        sops_buf_free(&t->body);
        t->body.data = p;
        t->body.cap = (size_t)len + 1;
        t->mapped = 1;
        return;
    }
    sops_buf_reserve(&t->body, (size_t)len);
}

/* More came than the head said (a body libcurl decoded): the body moves
 * to malloc's heap, where it can grow. */
static int body_to_heap(sops_transport *t, size_t more)
{
    sops_buf b = {NULL, 0, 0};
    if (!sops_buf_reserve(&b, t->body.len + more) || !sops_buf_add(&b, t->body.data, t->body.len)) {
        sops_buf_free(&b);
        return 0;
    }
    body_free(t);
    t->body = b;
    return 1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    sops_transport *t = ud;
    size_t n = size * nmemb;
    if (t->body.len + n > t->max_body) {
        t->too_large = 1;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
#ifdef SOPS_HEADER_API
    if (t->body.len == 0) {
        curl_off_t len = -1;
        if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK)
            expect_body(t, len);
    }
#endif
    if (t->mapped && t->body.len + n >= t->body.cap && !body_to_heap(t, n))
        return 0;
    if (!sops_buf_add(&t->body, data, n))
        return 0;
    return n;
}

/* Copies a header value, trimmed, into a fixed field. */
static void keep(char *field, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    if (n >= SOPS_HDR_MAX)
        n = SOPS_HDR_MAX - 1;
    memcpy(field, v, n);
    field[n] = '\0';
}

#ifndef SOPS_HEADER_API
static int header_is(const char *line, size_t n, const char *name, size_t *vstart)
{
    size_t k;
    if ((line[0] | 0x20) != (name[0] | 0x20))
        return 0; /* most lines differ at once */
    k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
        return 0;
    *vstart = k + 1;
    return 1;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    sops_transport *t = ud;
    size_t n = size * nmemb, v;
    int i;

    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* a new response (after 100 Continue, say): forget the last one's */
        for (i = 0; i < SOPS_H_COUNT; i++)
            t->header[i][0] = '\0';
        return n;
    }
    for (i = 0; i < SOPS_H_COUNT; i++) {
        if (header_is(line, n, SOPS_ANSWER_HEADERS[i], &v)) {
            keep(t->header[i], line + v, n - v);
            return n;
        }
    }
    if (header_is(line, n, "content-length", &v)) {
        char num[32];
        curl_off_t len;
        keep(num, line + v, n - v < sizeof num ? n - v : sizeof num - 1);
        len = (curl_off_t)strtoll(num, NULL, 10);
        if (len > 0 && (size_t)len > t->max_body) {
            t->too_large = 1;
            return 0;
        }
        expect_body(t, len);
    }
    return n;
}
#endif

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    sops_transport *t = ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return t->cancel && t->cancel(t->cancel_ctx) ? 1 : 0;
}

static void fetch(sops_transport *t, char *field, const char *name)
{
#ifdef SOPS_HEADER_API
    struct curl_header *h = NULL;
    if (curl_easy_header(t->easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value)
        keep(field, h->value, strlen(h->value));
    else
        field[0] = '\0';
#else
    (void)t;
    (void)field;
    (void)name; /* the header callback filled the field */
#endif
}

int sops_transport_date(sops_transport *t, char *out, size_t n)
{
#ifdef SOPS_HEADER_API
    struct curl_header *h = NULL;
    char field[SOPS_HDR_MAX];
    if (n == 0 || curl_easy_header(t->easy, "Date", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h || !h->value)
        return 0;
    keep(field, h->value, strlen(h->value));
    if (strlen(field) >= n)
        field[n - 1] = '\0';
    memcpy(out, field, strlen(field) + 1);
    return out[0] != '\0';
#else
    (void)t;
    (void)out;
    (void)n; /* the header callback keeps only the headers the classifier reads */
    return 0;
#endif
}

void sops_transport_headers(sops_transport *t)
{
    int i;
    for (i = 0; i < SOPS_H_COUNT; i++)
        fetch(t, t->header[i], SOPS_ANSWER_HEADERS[i]);
}

int sops_transport_init(sops_transport *t, const sops_transport_opts *o, size_t max_body)
{
    CURL *e;
    memset(t, 0, sizeof *t);
    t->max_body = max_body;
    e = curl_easy_init();
    if (e == NULL)
        return 0;
    t->easy = e;
    /* No SIGALRM, no SIGPIPE handler of libcurl's: they cost six system
     * calls a request and touch the process' signal dispositions. Safe
     * where libcurl resolves names with its threaded resolver
     * (CURL_VERSION_ASYNCHDNS: Debian's and most distributions' builds),
     * which keeps the timeouts without a signal, and writes to a closed
     * socket go with MSG_NOSIGNAL. A libcurl with the blocking resolver
     * needs SIGALRM to end a name lookup at the deadline: there it stays. */
    if (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_ASYNCHDNS)
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
#ifdef SOPS_HEADER_API
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
#else
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
#endif
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->verify_tls ? 2L : 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (o->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
    if (o->proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, o->proxy);
    return 1;
}

void sops_transport_free(sops_transport *t)
{
    if (t->easy) {
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
    sops_target_free(&t->target);
    body_free(t);
}

void sops_transport_trim(sops_transport *t, size_t keep)
{
    if (t->mapped)
        body_free(t);
    else
        sops_buf_trim(&t->body, keep);
}

void sops_transport_prepare(sops_transport *t, const char *url, struct curl_slist *headers,
                            const char *body, size_t body_len, long timeout_ms, int once)
{
    CURL *e = t->easy;

    if (t->mapped)
        body_free(t); /* (trimmed when its call ended) */
    sops_buf_reset(&t->body);
    t->too_large = 0;
    t->errbuf[0] = '\0';
    memset(t->header, 0, sizeof t->header);

    sops_target_set(&t->target, e, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, once ? 1L : 0L);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
}

int sops_transport_sent(sops_transport *t)
{
    long n = 0;
    return curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &n) == CURLE_OK && n > 0;
}

long sops_transport_status(sops_transport *t)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int is_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
        return 1;
    default:
        return 0;
    }
}

sops_outcome sops_transport_outcome(const sops_transport *t, CURLcode rc)
{
    if (rc == CURLE_OK)
        return SOPS_ANSWERED;
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return SOPS_TOO_LARGE;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return SOPS_TIMED_OUT;
    if (is_tls_error(rc))
        return SOPS_TLS_FAILED;
    return SOPS_BROKEN;
}

const char *sops_transport_detail(const sops_transport *t, CURLcode rc)
{
    return t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
}
