/* The floor of the call benchmarks (bench/run.lua, bench/ir.lua), as issue
 * 27 sets it: N GETs through one reused libcurl easy handle, the body kept
 * in memory, the same request lua-sops sends (its User-Agent and
 * credential header), with CURLOPT_NOSIGNAL, the URL given once as a
 * string. With a fifth argument "handle", libcurl is driven as lua-sops
 * drives it (csrc/target.c): the URL as a URL handle parsed once, and the
 * same URL as a string, which spares libcurl 7.88 parsing the URL and
 * making it again from its parts on every transfer; that loop is libcurl's
 * own least work for the request, what lua-sops adds is measured on top.
 * Prints the process CPU time per request in microseconds. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *data;
    size_t len, cap;
} body;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    body *b = ud;
    size_t add = size * n;
    if (b->len + add > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *d;
        while (cap < b->len + add)
            cap *= 2;
        d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    return add;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    CURL *e;
    struct curl_slist *h = NULL;
    CURLU *u = NULL;
    body b = {NULL, 0, 0};
    long i, n;
    double t0, t1;
    char auth[512], ua[256];

    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "handle") == 0)) {
        fprintf(stderr, "usage: curl_loop URL N AUTH_JSON USER_AGENT [handle]\n");
        return 2;
    }
    n = atol(argv[2]);
    snprintf(auth, sizeof auth, "X-Bkapi-Authorization: %s", argv[3]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    e = curl_easy_init();
    snprintf(ua, sizeof ua, "User-Agent: %s", argv[4]);
    h = curl_slist_append(h, ua);
    h = curl_slist_append(h, auth);
    curl_easy_setopt(e, CURLOPT_URL, argv[1]);
    if (argc == 6) {
        u = curl_url();
        if (u == NULL || curl_url_set(u, CURLUPART_URL, argv[1], 0) != CURLUE_OK) {
            fprintf(stderr, "curl_loop: libcurl cannot take the URL apart\n");
            return 1;
        }
        curl_easy_setopt(e, CURLOPT_CURLU, u);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    t0 = cpu_now();
    for (i = 0; i < n; i++) {
        b.len = 0;
        if (curl_easy_perform(e) != CURLE_OK) {
            fprintf(stderr, "request %ld failed\n", i);
            return 1;
        }
    }
    t1 = cpu_now();
    printf("%.3f\n", (t1 - t0) / (double)n * 1e6);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    curl_url_cleanup(u);
    free(b.data);
    curl_global_cleanup();
    return 0;
}
