/* A growable byte buffer that never raises: safe inside libcurl callbacks. */
#ifndef SOPS_BUFFER_H
#define SOPS_BUFFER_H

#include <stddef.h>

typedef struct sops_buf {
    char *data;
    size_t len;
    size_t cap;
} sops_buf;

/* Each returns 1, or 0 when memory ran out (the buffer is left as it was). */
int sops_buf_reserve(sops_buf *b, size_t extra);
int sops_buf_add(sops_buf *b, const char *s, size_t n);
int sops_buf_addc(sops_buf *b, char c);
int sops_buf_adds(sops_buf *b, const char *s);

void sops_buf_reset(sops_buf *b);
void sops_buf_free(sops_buf *b);

/* Frees the buffer when it has grown past keep bytes, so that one large
 * answer is not held for the life of a client. */
void sops_buf_trim(sops_buf *b, size_t keep);

#endif
