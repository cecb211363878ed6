#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "request.h"
#include "json.h"
#include "redact.h"

/* b's bytes from `from` on, as a string of their own (NULL: no memory) */
static char *take(sops_buf *b, size_t from, size_t to)
{
    char *s = malloc(to - from + 1);
    if (s) {
        memcpy(s, b->data + from, to - from);
        s[to - from] = '\0';
    }
    return s;
}

static void wipe(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = '\0';
        free(s);
    }
}

void sops_redact_free(char **forms)
{
    int i;
    for (i = 0; i < SOPS_REDACT_EXTRA; i++) {
        wipe(forms[i]);
        forms[i] = NULL;
    }
}

/* Keeps form f in out[i] unless it is s or a form before it. */
static void keep(const char *s, char **out, int i, char *f)
{
    int j;
    if (f && strcmp(f, s) == 0) {
        wipe(f);
        f = NULL;
    }
    for (j = 0; f && j < i; j++) {
        if (out[j] && strcmp(out[j], f) == 0) {
            wipe(f);
            f = NULL;
        }
    }
    out[i] = f;
}

int sops_redact_forms(const char *s, char **out)
{
    sops_buf b = {NULL, 0, 0};
    size_t n, i;
    char *pct, *lower, *json;
    for (i = 0; i < SOPS_REDACT_EXTRA; i++)
        out[i] = NULL;
    if (!s || !*s)
        return 1;
    n = strlen(s);
    if (!sops_url_escape(&b, s, n)) {
        sops_buf_free(&b);
        return 0;
    }
    pct = take(&b, 0, b.len);
    lower = take(&b, 0, b.len);
    if (lower) {
        for (i = 0; lower[i]; i++)
            if (lower[i] == '%' && lower[i + 1] && lower[i + 2]) {
                if (lower[i + 1] >= 'A' && lower[i + 1] <= 'F')
                    lower[i + 1] = (char)(lower[i + 1] - 'A' + 'a');
                if (lower[i + 2] >= 'A' && lower[i + 2] <= 'F')
                    lower[i + 2] = (char)(lower[i + 2] - 'A' + 'a');
                i += 2;
            }
    }
    sops_buf_reset(&b);
    /* (without its quotes) */
    json = sops_json_add_string(&b, s, n) ? take(&b, 1, b.len - 1) : NULL;
    if (b.data)
        memset(b.data, 0, b.cap);
    sops_buf_free(&b);
    if (!pct || !lower || !json) {
        wipe(pct);
        wipe(lower);
        wipe(json);
        return 0;
    }
    keep(s, out, 0, pct);
    keep(s, out, 1, lower);
    keep(s, out, 2, json);
    return 1;
}
