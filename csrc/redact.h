/* The forms a secret travels in, so that every one of them can be redacted:
 * the raw bytes, percent-encoded as the query carries it (and with
 * lower-case hex digits, as a server may echo it), and JSON-escaped as the
 * body and the X-Bkapi-Authorization header carry it. */
#ifndef SOPS_REDACT_H
#define SOPS_REDACT_H

/* the forms beside the raw one */
#define SOPS_REDACT_EXTRA 3

/* A form shorter than this many bytes is redacted only where it stands
 * alone (no letter or digit touches it): a throw-away one-letter test
 * secret must not turn every "s" of a message into "***". */
#define SOPS_REDACT_SHORT 8

/* Fills out[0, SOPS_REDACT_EXTRA) with the other forms of s (NULL for s
 * NULL or empty, and where a form is the same as one before it), each
 * malloc'd; returns 0, with nothing allocated, when memory ran out. */
int sops_redact_forms(const char *s, char **out);

/* Frees the forms (their bytes wiped first). */
void sops_redact_free(char **forms);

#endif
