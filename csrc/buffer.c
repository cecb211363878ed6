#include <stdlib.h>
#include <string.h>

#include "buffer.h"

int sops_buf_reserve(sops_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > (size_t)-1 - b->len - 1)
        return 0;
    need = b->len + extra + 1; /* room for a terminating NUL */
    if (need <= b->cap)
        return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

int sops_buf_add(sops_buf *b, const char *s, size_t n)
{
    if (!sops_buf_reserve(b, n))
        return 0;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

int sops_buf_addc(sops_buf *b, char c)
{
    return sops_buf_add(b, &c, 1);
}

int sops_buf_adds(sops_buf *b, const char *s)
{
    return sops_buf_add(b, s, strlen(s));
}

void sops_buf_reset(sops_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sops_buf_free(sops_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void sops_buf_trim(sops_buf *b, size_t keep)
{
    if (b->cap > keep)
        sops_buf_free(b);
}
