/*
 * oxt_utf8.h — strict UTF-8 decoding for the writers and the parsers of
 * outside input (HTML, CSV, forms).
 *
 * Strict means what RFC 3629 allows and nothing else: no overlong forms,
 * no UTF-16 surrogates (U+D800-U+DFFF), nothing above U+10FFFF. Every
 * writer that meets a byte that does not start a valid sequence writes
 * U+FFFD for that one byte and goes on with the next.
 */
#ifndef OXT_UTF8_H
#define OXT_UTF8_H

#include <apr.h>
#include <apr_pools.h>

/** U+FFFD REPLACEMENT CHARACTER, encoded. */
#define OXT_UTF8_REPLACEMENT "\xef\xbf\xbd"

/**
 * The length (1-4) of the valid sequence at s (len bytes available), and
 * its code point in *pcp; 0 when s does not start a valid sequence (or
 * len is 0). Never reads past s + len.
 */
apr_size_t oxt_utf8_decode(const char *s, apr_size_t len, unsigned *pcp);

/** True when the len bytes at s are valid UTF-8 (NUL counts as valid). */
int oxt_utf8_valid(const char *s, apr_size_t len);

/**
 * The length of s when it has at most max bytes; else the length of its
 * longest start of at most max bytes that does not end inside a sequence.
 * s is not NULL; reads at most max + 1 bytes of it.
 */
apr_size_t oxt_utf8_cut_len(const char *s, apr_size_t max);

/**
 * s when it has at most max bytes; else its longest start of at most max
 * bytes that does not end inside a sequence, allocated in p. For the
 * columns of a fixed width: a sequence cut in two is invalid UTF-8,
 * which MariaDB's strict mode refuses ("Incorrect string value") as it
 * refuses a value too long. NULL stays NULL.
 */
const char *oxt_utf8_cut(const char *s, apr_size_t max, apr_pool_t *p);

#endif /* OXT_UTF8_H */
