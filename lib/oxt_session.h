/*
 * oxt_session.h — the production sign-in: the Plesk panel's own session.
 *
 * A person signed in to Plesk carries the panel's session cookie
 * (PHPSESSID on Linux); Plesk keeps the session in psa.sessions (sess_id,
 * login, ip_address, click_time). We accept the session when its row
 * exists, its last click is no older than the idle timeout, and it was
 * made from the caller's address; the login is then mapped to an
 * identity exactly as HTTP Basic maps it (oxt_psa_lookup). The facts we
 * rely on: docs/reference/panel-login.md.
 *
 * The session id is only ever read from the Cookie header: an id in a URL
 * leaks through logs and Referer headers and is never accepted.
 */
#ifndef OXT_SESSION_H
#define OXT_SESSION_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/* Bounds of the Cookie header parser (outside input: fuzz/fuzz_cookie.c). */
#define OXT_SESSION_COOKIE_HEADER_MAX 8192
#define OXT_SESSION_COOKIES_MAX       64
#define OXT_SESSION_ID_MIN            16
#define OXT_SESSION_ID_MAX            128

#define OXT_SESSION_DEFAULT_COOKIE    "PHPSESSID"
#define OXT_SESSION_DEFAULT_IDLE      1800

/**
 * The value of cookie `name` in a Cookie header ("a=1; b=2"), in p.
 * APR_ENOENT when the header (may be NULL) has no such cookie; APR_EINVAL
 * when the header is too long or has too many cookies, or the cookie's
 * value is no session id (OXT_SESSION_ID_MIN..MAX characters of
 * [A-Za-z0-9,-], PHP's alphabet), or the cookie comes twice with
 * different values (somebody planted a second one).
 */
apr_status_t oxt_session_cookie_get(const char **pvalue, const char *header,
                                    const char *name, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** True when a and b are the same IP address (IPv4, IPv6, or an IPv4
 *  address written as an IPv4-mapped IPv6 one); false if either is no
 *  address. */
int oxt_session_addr_equal(const char *a, const char *b);

/**
 * The caller's address. peer is the address the connection came from;
 * when it is one of the trusted proxies (addresses, compared with
 * oxt_session_addr_equal) and forwarded (the proxy's header, e.g.
 * X-Forwarded-For; may be NULL) is set, the last address of that
 * comma-separated list is the client, the one our proxy added. Anything
 * else in the header is ignored: only our proxy's word counts, and only
 * from our proxy. APR_EINVAL when that last entry is no IP address.
 * Result lives in p (or is peer).
 */
apr_status_t oxt_session_client_addr(const char **paddr, const char *peer,
                                     const char *forwarded,
                                     const apr_array_header_t *proxies,
                                     apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Checks the Plesk session sess_id for a caller at client_addr: a row in
 * psa.sessions, idle no longer than idle_timeout seconds (clock of the
 * database server), the same address. Then maps its login to an
 * identity (via OXT_AUTH_SESSION, no binding yet). OXT_EAUTH when any of
 * it fails, with res->problem saying which (for the log, not for the
 * caller); other statuses are database failures.
 */
apr_status_t oxt_session_check(oxt_identity_t **pident,
                               const oxt_psa_t *psa, oxt_db_t *db,
                               const char *sess_id, const char *client_addr,
                               int idle_timeout, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SESSION_H */
