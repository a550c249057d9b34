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

#endif /* OXT_UTF8_H */
