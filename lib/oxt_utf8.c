/*
 * oxt_utf8.c — see oxt_utf8.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_utf8.h"

/* The smallest code point that needs n bytes: anything below is an
 * overlong form, which decoders disagree on and filters can miss. */
static const unsigned utf8_min[5] = { 0, 0, 0x80, 0x800, 0x10000 };

static apr_size_t utf8_width(unsigned char lead, unsigned *pcp)
{
    if (lead < 0x80) {
        *pcp = lead;
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        *pcp = lead & 0x1F;
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        *pcp = lead & 0x0F;
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        *pcp = lead & 0x07;
        return 4;
    }
    return 0;
}

apr_size_t oxt_utf8_decode(const char *s, apr_size_t len, unsigned *pcp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned cp = 0;
    apr_size_t n, i;

    if (len == 0) {
        return 0;
    }
    n = utf8_width(u[0], &cp);
    if (n == 0 || n > len) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (cp < utf8_min[n] || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    *pcp = cp;
    return n;
}

int oxt_utf8_valid(const char *s, apr_size_t len)
{
    apr_size_t i = 0, n;
    unsigned cp;

    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        n = oxt_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}

apr_size_t oxt_utf8_cut_len(const char *s, apr_size_t max)
{
    apr_size_t n = strnlen(s, max + 1);

    if (n <= max) {
        return n;
    }
    /* s[max] exists: back off while it continues a sequence. */
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--;
    }
    return n;
}

const char *oxt_utf8_cut(const char *s, apr_size_t max, apr_pool_t *p)
{
    if (s == NULL || strnlen(s, max + 1) <= max) {
        return s;
    }
    return apr_pstrndup(p, s, oxt_utf8_cut_len(s, max));
}
