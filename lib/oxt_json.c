/*
 * oxt_json.c — see oxt_json.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_json.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
    size_t n, i;

    if (s[0] < 0x80) {
        return 1;
    }
    n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
      : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4)) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

static size_t json_escape_char(char *out, unsigned char c)
{
    switch (c) {
    case '"':  memcpy(out, "\\\"", 2); return 2;
    case '\\': memcpy(out, "\\\\", 2); return 2;
    case '\n': memcpy(out, "\\n", 2); return 2;
    case '\r': memcpy(out, "\\r", 2); return 2;
    case '\t': memcpy(out, "\\t", 2); return 2;
    default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
        apr_snprintf(out, 7, "\\u%04x", c);
        return 6;
    }
    out[0] = (char)c;
    return 1;
}

const char *oxt_json_str(const char *s, apr_pool_t *p)
{
    const unsigned char *in = (const unsigned char *)s;
    char *out, *o;
    size_t n;

    if (s == NULL) {
        return "null";
    }
    /* Worst case: every byte becomes a 6-byte escape. */
    out = o = apr_palloc(p, strlen(s) * 6 + 3);
    *o++ = '"';
    while (*in) {
        n = utf8_seq_len(in);
        if (n == 1) {
            o += json_escape_char(o, *in);
        }
        else if (n > 1) {
            memcpy(o, in, n);
            o += n;
        }
        else {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            n = 1;
        }
        in += n;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}
