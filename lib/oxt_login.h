/*
 * oxt_login.h — what a caller types: HTTP Basic credentials, the shape a
 * panel login must have before any database sees it, and the per-session
 * secret a CSRF token is bound to.
 *
 * Everything here reads outside input, so every length is capped and every
 * byte checked (fuzz/fuzz_basic.c). The rules (docs/reference/
 * panel-login.md, "Logins"):
 *   - a login is 1..OXT_LOGIN_MAX bytes of valid UTF-8 in its shortest
 *     form, with no control character, no surrogate and nothing above
 *     U+FFFF (Plesk's columns are MySQL "utf8", three bytes at most), and
 *     no blank at either end;
 *   - a password is 0..OXT_LOGIN_PASSWORD_MAX bytes without NUL.
 * A login that breaks a rule is an unknown login: the caller answers 401
 * as for any other, and no database ever sees the bytes.
 */
#ifndef OXT_LOGIN_H
#define OXT_LOGIN_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Longest login: Plesk's login and domain name columns hold 255. */
#define OXT_LOGIN_MAX            255
#define OXT_LOGIN_PASSWORD_MAX   1024
/* Longest Authorization header we decode ("Basic " + base64). */
#define OXT_LOGIN_HEADER_MAX     2048

/**
 * Splits an Authorization header value "Basic <base64 of user:password>"
 * (scheme case-insensitive, one blank or more before the token). The
 * strings live in p. APR_ENOENT when the header is no Basic credential
 * (NULL, another scheme); APR_EINVAL when it is malformed: too long, not
 * strict base64, no ':', an empty user, a NUL byte, a password over the
 * cap. The user is returned as sent: check it with oxt_login_check.
 */
apr_status_t oxt_login_basic_parse(const char **puser, const char **ppass,
                                   const char *header, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * APR_SUCCESS when login has the shape of a panel login (see above),
 * APR_EINVAL otherwise. Reads at most OXT_LOGIN_MAX + 1 bytes.
 */
apr_status_t oxt_login_check(const char *login)
    __attribute__((warn_unused_result));

/* Length of a session binding: hex of an HMAC-SHA256. */
#define OXT_LOGIN_BINDING_LEN 64

/**
 * The key session bindings are made with, derived from our 32-byte
 * secret key (so it never doubles as the key of anything else); 32 bytes
 * in p.
 */
apr_status_t oxt_login_binding_key(const unsigned char **pkey,
                                   const unsigned char *secret,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * An opaque, stable secret for one sign-in, hex in p: HMAC of kind
 * ("session", "basic") and the parts under the binding key. The session
 * path passes the Plesk session id; Basic passes the canonical login and
 * the password, so only someone who knows the password can know it. The
 * value is never shown to anyone; a CSRF token is an HMAC of it.
 */
apr_status_t oxt_login_binding(const char **pbinding,
                               const unsigned char *key, const char *kind,
                               const char *part1, const char *part2,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_LOGIN_H */
