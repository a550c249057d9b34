/*
 * oxt_csrf.h — protection against cross-site request forgery: the
 * synchronizer token of every form, and the request-origin decision for
 * every request that may change something. Pure functions.
 *
 * The token. HMAC-SHA256, under a key the caller passes in (a key of its
 * own for this purpose, such as one derived from the master secret with
 * the label "csrf"), over "oxtender-csrf-v1:" and a binding string that
 * names the caller's session: the Plesk session id for a panel session,
 * "basic:" + login for HTTP Basic. Encoded base64url without padding
 * (43 characters), so it travels in a hidden field and in the
 * X-CSRF-Token header of JSON POSTs unchanged. It is never put in a URL.
 * Another session, or the same session under another key, gives another
 * token; comparing is constant-time (CRYPTO_memcmp).
 *
 * The origin. For methods that may change state (anything but GET, HEAD,
 * OPTIONS and TRACE), in this order:
 *  1. Sec-Fetch-Site present (every current browser sends it): only
 *     "same-origin" passes. "cross-site" is the attack itself;
 *     "same-site" is refused too, because in hosting the sibling
 *     sub-domains of the panel (customer.hoster.example next to
 *     panel.hoster.example) are web sites that customers control, and
 *     they count as the same site. "none" (typed or bookmarked) cannot
 *     come with a form post. Unknown values are refused.
 *  2. Else Origin present: it must equal one of the configured external
 *     panel origins (scheme, host and port, compared case-insensitively,
 *     the default port implied); "null" never matches. Behind Plesk's
 *     nginx the Host header names the proxy's target, so the comparison
 *     is with the configuration, never with Host.
 *  3. Neither header: browsers have sent Origin with every cross-origin
 *     POST for years, so a request without both comes from a program
 *     (curl, a script). It is allowed only when the caller did not
 *     authenticate with a cookie that a browser would attach by itself
 *     (the Plesk session): a program then still needs the credentials
 *     and the token. A cookie-authenticated request without both headers
 *     is refused.
 * This check comes on top of the token, never instead of it.
 *
 * Example — a POST handler:
 *
 *     oxt_origin_req_t o = { method, sec_fetch_site, origin, by_cookie };
 *     if (oxt_csrf_origin_check(&o, panel_origins, &why) != APR_SUCCESS
 *         || oxt_csrf_verify(key, keylen, binding,
 *                            oxt_form_get(form, "csrf")) != APR_SUCCESS)
 *         answer 403 (log why; never echo the token)
 */
#ifndef OXT_CSRF_H
#define OXT_CSRF_H

#include <apr_pools.h>
#include <apr_errno.h>

/** The shortest key accepted, in bytes. */
#define OXT_CSRF_KEY_MIN 32

/** The length of a token, in characters. */
#define OXT_CSRF_TOKEN_LEN 43

/** The name of the form field and of the header that carry the token. */
#define OXT_CSRF_FIELD  "csrf"
#define OXT_CSRF_HEADER "X-CSRF-Token"

/**
 * The token for binding under key, in p. APR_EINVAL when the key is
 * shorter than OXT_CSRF_KEY_MIN or binding is NULL or empty.
 */
apr_status_t oxt_csrf_token(const char **ptoken, const unsigned char *key,
                            apr_size_t keylen, const char *binding,
                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * APR_SUCCESS when given is the token of binding under key; APR_EACCES
 * when it is missing or wrong; APR_EINVAL for a bad key or binding.
 */
apr_status_t oxt_csrf_verify(const unsigned char *key, apr_size_t keylen,
                             const char *binding, const char *given)
    __attribute__((warn_unused_result));

/** What oxt_csrf_origin_check looks at; strings may be NULL (absent). */
typedef struct oxt_origin_req_t {
    const char *method;        /* "POST", ... */
    const char *sec_fetch_site;
    const char *origin;
    int cookie_auth;           /* authenticated by a browser-held cookie */
} oxt_origin_req_t;

/**
 * The decision described above. origins: the external panel origins
 * ("https://panel.example.com:8443"), NULL-terminated; NULL means none
 * configured. APR_SUCCESS to go on, APR_EACCES to refuse; *pwhy (may be
 * NULL) gets a short reason for the log, a static string.
 */
apr_status_t oxt_csrf_origin_check(const oxt_origin_req_t *req,
                                   const char *const *origins,
                                   const char **pwhy)
    __attribute__((warn_unused_result));

/** True for GET, HEAD, OPTIONS and TRACE: methods that change nothing. */
int oxt_csrf_safe_method(const char *method);

#endif /* OXT_CSRF_H */
