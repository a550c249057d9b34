/*
 * oxt_login.c — see oxt_login.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include <apr_lib.h>

#include "oxt_login.h"
#include "oxt_crypto.h"
#include "oxt_status.h"

/* ---- HTTP Basic --------------------------------------------------------- */

static int b64_char(unsigned char c)
{
    return apr_isalnum(c) || c == '+' || c == '/';
}

/* Strict base64: whole quads, '=' only as the last one or two characters.
 * apr_base64_decode skips what it does not know, which would let two
 * different headers decode to the same credentials. */
static int b64_strict(const char *s, apr_size_t n)
{
    apr_size_t i, pad = 0;

    if (n == 0 || n % 4 != 0) {
        return 0;
    }
    while (pad < 2 && s[n - 1 - pad] == '=') {
        pad++;
    }
    for (i = 0; i < n - pad; i++) {
        if (!b64_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static apr_status_t basic_token(const char **ptoken, const char *header)
{
    const char *s = header;

    if (header == NULL || strncasecmp(s, "Basic", 5) != 0
        || (s[5] != ' ' && s[5] != '\t')) {
        return APR_ENOENT;
    }
    s += 5;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    *ptoken = s;
    return APR_SUCCESS;
}

apr_status_t oxt_login_basic_parse(const char **puser, const char **ppass,
                                   const char *header, apr_pool_t *p)
{
    const char *token, *colon;
    char *plain;
    apr_size_t n;
    int len;

    if (basic_token(&token, header) != APR_SUCCESS) {
        return APR_ENOENT;
    }
    if (strnlen(header, OXT_LOGIN_HEADER_MAX + 1) > OXT_LOGIN_HEADER_MAX) {
        return APR_EINVAL;
    }
    n = strlen(token);
    while (n > 0 && (token[n - 1] == ' ' || token[n - 1] == '\t')) {
        n--;
    }
    if (!b64_strict(token, n)) {
        return APR_EINVAL;
    }
    token = apr_pstrmemdup(p, token, n);
    plain = apr_palloc(p, (apr_size_t)apr_base64_decode_len(token) + 1);
    len = apr_base64_decode(plain, token);
    if (len <= 0 || memchr(plain, '\0', (apr_size_t)len) != NULL) {
        return APR_EINVAL;
    }
    plain[len] = '\0';
    colon = strchr(plain, ':');
    if (colon == NULL || colon == plain
        || strlen(colon + 1) > OXT_LOGIN_PASSWORD_MAX) {
        return APR_EINVAL;
    }
    *puser = apr_pstrmemdup(p, plain, (apr_size_t)(colon - plain));
    *ppass = colon + 1;
    return APR_SUCCESS;
}

/* ---- the shape of a login ----------------------------------------------- */

/* One UTF-8 sequence at s (n bytes left): its length, or 0 when it is
 * malformed, overlong, a surrogate, above U+FFFF or a control character. */
static apr_size_t utf8_ok(const unsigned char *s, apr_size_t n)
{
    unsigned cp;

    if (s[0] < 0x80) {
        return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        if (n < 2 || (s[1] & 0xc0) != 0x80) {
            return 0;
        }
        cp = ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
        /* overlong, or a C1 control character */
        return cp >= 0xa0 ? 2 : 0;
    }
    if ((s[0] & 0xf0) == 0xe0) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) {
            return 0;
        }
        cp = ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6)
           | (s[2] & 0x3f);
        return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? 3 : 0;
    }
    /* four bytes (U+10000 and up) do not fit MySQL's utf8 columns */
    return 0;
}

apr_status_t oxt_login_check(const char *login)
{
    const unsigned char *s = (const unsigned char *)login;
    apr_size_t n, i = 0, k;

    if (login == NULL) {
        return APR_EINVAL;
    }
    n = strnlen(login, OXT_LOGIN_MAX + 1);
    if (n == 0 || n > OXT_LOGIN_MAX || s[0] == ' ' || s[n - 1] == ' ') {
        return APR_EINVAL;
    }
    while (i < n) {
        k = utf8_ok(s + i, n - i);
        if (k == 0) {
            return APR_EINVAL;
        }
        i += k;
    }
    return APR_SUCCESS;
}

/* ---- session binding ---------------------------------------------------- */

static const char binding_label[] = "oxtender session binding v1";

apr_status_t oxt_login_binding_key(const unsigned char **pkey,
                                   const unsigned char *secret,
                                   apr_pool_t *p)
{
    unsigned char *key = apr_palloc(p, 32);

    /* A key of its own, derived like every other purpose's. */
    if (oxt_crypto_derive(key, secret, binding_label) != APR_SUCCESS) {
        return OXT_ECRYPTO;
    }
    *pkey = key;
    return APR_SUCCESS;
}

apr_status_t oxt_login_binding(const char **pbinding,
                               const unsigned char *key, const char *kind,
                               const char *part1, const char *part2,
                               apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    char *out = apr_palloc(p, OXT_LOGIN_BINDING_LEN + 1);
    char *data;
    int i;

    /* Lengths first, so ("ab", "c") and ("a", "bc") never collide. */
    data = apr_psprintf(p, "%s\n%" APR_SIZE_T_FMT ":%s\n%" APR_SIZE_T_FMT
                        ":%s", kind, strlen(part1), part1,
                        part2 ? strlen(part2) : 0, part2 ? part2 : "");
    if (oxt_crypto_fingerprint(mac, key, 32, data) != APR_SUCCESS) {
        return OXT_ECRYPTO;
    }
    memset(data, 0, strlen(data));
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out[OXT_LOGIN_BINDING_LEN] = '\0';
    *pbinding = out;
    return APR_SUCCESS;
}
