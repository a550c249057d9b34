/*
 * oxt_csrf.c — see oxt_csrf.h.
 */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "oxt_csrf.h"

/* ---- the token ------------------------------------------------------------ */

/* 32 bytes as 43 characters of base64url, no padding (RFC 4648 §5). */
static void csrf_base64url(char *out, const unsigned char *in)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned v;
    int i, o = 0;

    for (i = 0; i + 3 <= 30; i += 3) {
        v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = abc[v & 63];
    }
    v = (unsigned)in[30] << 16 | (unsigned)in[31] << 8;
    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = abc[(v >> 6) & 63];
    out[o] = '\0';
}

static apr_status_t csrf_compute(char *out, const unsigned char *key,
                                 apr_size_t keylen, const char *binding)
{
    static const char label[] = "oxtender-csrf-v1:";
    unsigned char mac[EVP_MAX_MD_SIZE];
    EVP_MAC *hmac;
    EVP_MAC_CTX *ctx;
    OSSL_PARAM params[2];
    size_t n = 0;
    int ok;

    if (key == NULL || keylen < OXT_CSRF_KEY_MIN || binding == NULL
        || *binding == '\0') {
        return APR_EINVAL;
    }
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx != NULL && EVP_MAC_init(ctx, key, keylen, params) == 1
        && EVP_MAC_update(ctx, (const unsigned char *)label,
                          sizeof(label) - 1) == 1
        && EVP_MAC_update(ctx, (const unsigned char *)binding,
                          strlen(binding)) == 1
        && EVP_MAC_final(ctx, mac, &n, sizeof(mac)) == 1 && n == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    if (!ok) {
        return APR_EGENERAL;
    }
    csrf_base64url(out, mac);
    OPENSSL_cleanse(mac, sizeof(mac));
    return APR_SUCCESS;
}

apr_status_t oxt_csrf_token(const char **ptoken, const unsigned char *key,
                            apr_size_t keylen, const char *binding,
                            apr_pool_t *p)
{
    char buf[OXT_CSRF_TOKEN_LEN + 1];
    apr_status_t rv = csrf_compute(buf, key, keylen, binding);

    if (rv == APR_SUCCESS) {
        *ptoken = apr_pstrdup(p, buf);
    }
    return rv;
}

apr_status_t oxt_csrf_verify(const unsigned char *key, apr_size_t keylen,
                             const char *binding, const char *given)
{
    char want[OXT_CSRF_TOKEN_LEN + 1];
    apr_status_t rv = csrf_compute(want, key, keylen, binding);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* The length is public (always 43); the content is compared in
     * constant time. */
    if (given == NULL || strlen(given) != OXT_CSRF_TOKEN_LEN
        || CRYPTO_memcmp(want, given, OXT_CSRF_TOKEN_LEN) != 0) {
        return APR_EACCES;
    }
    return APR_SUCCESS;
}

/* ---- the origin ------------------------------------------------------------ */

int oxt_csrf_safe_method(const char *method)
{
    return method != NULL
        && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
            || strcmp(method, "OPTIONS") == 0
            || strcmp(method, "TRACE") == 0);
}

/* scheme://host[:port] lower-cased, the default port dropped, into out
 * (size n); 0 when s is not an origin of that form. One trailing '/' is
 * forgiven (for the configured values). */
static int csrf_origin_norm(char *out, apr_size_t n, const char *s)
{
    apr_size_t len = strlen(s), skip, i;
    char *colon;

    if (len > 0 && s[len - 1] == '/') {
        len--;
    }
    if (len >= n) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        out[i] = (char)apr_tolower(s[i]);
    }
    out[len] = '\0';
    skip = strncmp(out, "https://", 8) == 0 ? 8
         : strncmp(out, "http://", 7) == 0 ? 7 : 0;
    if (skip == 0 || out[skip] == '\0'
        || strpbrk(out + skip, "/?#@ \t\\") != NULL) {
        return 0;
    }
    colon = strrchr(out + skip, ':');
    if (colon != NULL && strchr(colon, ']') == NULL
        && strcmp(colon + 1, skip == 8 ? "443" : "80") == 0) {
        *colon = '\0';
    }
    return 1;
}

static int csrf_origin_allowed(const char *origin, const char *const *list)
{
    char a[512], b[512];

    if (list == NULL || !csrf_origin_norm(a, sizeof(a), origin)) {
        return 0;
    }
    for (; *list != NULL; list++) {
        if (csrf_origin_norm(b, sizeof(b), *list) && strcmp(a, b) == 0) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t csrf_refuse(const char **pwhy, const char *why)
{
    if (pwhy != NULL) {
        *pwhy = why;
    }
    return APR_EACCES;
}

apr_status_t oxt_csrf_origin_check(const oxt_origin_req_t *req,
                                   const char *const *origins,
                                   const char **pwhy)
{
    const char *site = req->sec_fetch_site;

    if (pwhy != NULL) {
        *pwhy = "allowed";
    }
    if (oxt_csrf_safe_method(req->method)) {
        return APR_SUCCESS;
    }
    if (site != NULL) {
        return strcmp(site, "same-origin") == 0
            ? APR_SUCCESS
            : csrf_refuse(pwhy, "Sec-Fetch-Site is not same-origin");
    }
    if (req->origin != NULL) {
        return csrf_origin_allowed(req->origin, origins)
            ? APR_SUCCESS
            : csrf_refuse(pwhy, "Origin is not a configured panel origin");
    }
    return req->cookie_auth
        ? csrf_refuse(pwhy, "no Sec-Fetch-Site or Origin with a session "
                      "cookie")
        : APR_SUCCESS;
}
