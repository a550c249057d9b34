/*
 * oxt_session.c — see oxt_session.h.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_session.h"
#include "oxt_status.h"

/* ---- the Cookie header -------------------------------------------------- */

static int sid_char(unsigned char c)
{
    return apr_isalnum(c) || c == ',' || c == '-';
}

static int sid_valid(const char *s, apr_size_t n)
{
    apr_size_t i;

    if (n < OXT_SESSION_ID_MIN || n > OXT_SESSION_ID_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!sid_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static const char *skip_blanks(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t')) {
        s++;
    }
    return s;
}

static const char *trim_end(const char *s, const char *end)
{
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    return end;
}

/* One "name=value" pair [s, end): does it name `name`? Then its value
 * (quotes of RFC 6265 removed) is [*pv, *pvend). */
static int pair_named(const char **pv, const char **pvend, const char *s,
                      const char *end, const char *name)
{
    const char *eq;
    apr_size_t nlen = strlen(name);

    s = skip_blanks(s, end);
    end = trim_end(s, end);
    eq = memchr(s, '=', (apr_size_t)(end - s));
    if (eq == NULL || (apr_size_t)(trim_end(s, eq) - s) != nlen
        || memcmp(s, name, nlen) != 0) {
        return 0;
    }
    s = skip_blanks(eq + 1, end);
    if (end - s >= 2 && *s == '"' && end[-1] == '"') {
        s++;
        end--;
    }
    *pv = s;
    *pvend = end;
    return 1;
}

apr_status_t oxt_session_cookie_get(const char **pvalue, const char *header,
                                    const char *name, apr_pool_t *p)
{
    const char *s = header, *end, *semi, *v, *vend, *found = NULL;
    apr_size_t flen = 0, count = 0;

    if (header == NULL) {
        return APR_ENOENT;
    }
    end = header + strnlen(header, OXT_SESSION_COOKIE_HEADER_MAX + 1);
    if (*end != '\0') {
        return APR_EINVAL;
    }
    for (; s < end; s = semi + 1) {
        semi = memchr(s, ';', (apr_size_t)(end - s));
        semi = semi ? semi : end;
        if (++count > OXT_SESSION_COOKIES_MAX) {
            return APR_EINVAL;
        }
        if (!pair_named(&v, &vend, s, semi, name)) {
            continue;
        }
        if (!sid_valid(v, (apr_size_t)(vend - v))
            || (found != NULL && ((apr_size_t)(vend - v) != flen
                                  || memcmp(found, v, flen) != 0))) {
            return APR_EINVAL;
        }
        found = v;
        flen = (apr_size_t)(vend - v);
    }
    if (found == NULL) {
        return APR_ENOENT;
    }
    *pvalue = apr_pstrmemdup(p, found, flen);
    return APR_SUCCESS;
}

/* ---- addresses ---------------------------------------------------------- */

/* 16 bytes of an address, IPv4 as IPv4-mapped IPv6. */
static int addr_parse(unsigned char out[16], const char *s)
{
    unsigned char v4[4];

    if (s == NULL) {
        return 0;
    }
    if (inet_pton(AF_INET, s, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return 1;
    }
    return inet_pton(AF_INET6, s, out) == 1;
}

int oxt_session_addr_equal(const char *a, const char *b)
{
    unsigned char x[16], y[16];

    return addr_parse(x, a) && addr_parse(y, b) && memcmp(x, y, 16) == 0;
}

static int addr_trusted(const char *peer, const apr_array_header_t *proxies)
{
    int i;

    for (i = 0; proxies != NULL && i < proxies->nelts; i++) {
        if (oxt_session_addr_equal(peer,
                                   APR_ARRAY_IDX(proxies, i, const char *))) {
            return 1;
        }
    }
    return 0;
}

apr_status_t oxt_session_client_addr(const char **paddr, const char *peer,
                                     const char *forwarded,
                                     const apr_array_header_t *proxies,
                                     apr_pool_t *p)
{
    const char *start, *end;
    unsigned char bin[16];
    char *last;

    *paddr = peer;
    if (forwarded == NULL || !addr_trusted(peer, proxies)) {
        return APR_SUCCESS;
    }
    end = forwarded + strnlen(forwarded, OXT_SESSION_COOKIE_HEADER_MAX);
    start = end;
    while (start > forwarded && start[-1] != ',') {
        start--;
    }
    start = skip_blanks(start, end);
    last = apr_pstrmemdup(p, start, (apr_size_t)(trim_end(start, end)
                                                 - start));
    if (!addr_parse(bin, last)) {
        return APR_EINVAL;
    }
    *paddr = last;
    return APR_SUCCESS;
}

/* ---- the session row ---------------------------------------------------- */

/* The idle time is the database server's own arithmetic: its clock wrote
 * click_time, so no other clock is compared with it. */
static const char sql_session[] =
    "SELECT login, ip_address, TIMESTAMPDIFF(SECOND, click_time, NOW())"
    " FROM psa.sessions WHERE sess_id = ? AND BINARY sess_id = BINARY ?";

apr_status_t oxt_session_check(oxt_identity_t **pident,
                               const oxt_psa_t *psa, oxt_db_t *db,
                               const char *sess_id, const char *client_addr,
                               int idle_timeout, oxt_result_t *res,
                               apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, sql_session, p),
                       OXT_DB_ARGS(OXT_DB_STR(sess_id), OXT_DB_STR(sess_id)),
                       res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts != 1) {
        return oxt_result_set(res, OXT_EAUTH, "no such Plesk session", NULL);
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    if (row->vals[2] == NULL
        || strtoll(row->vals[2], NULL, 10) > idle_timeout) {
        return oxt_result_set(res, OXT_EAUTH, "Plesk session expired",
                              "idle for %s s", row->vals[2] ? row->vals[2]
                                                            : "?");
    }
    if (!oxt_session_addr_equal(row->vals[1], client_addr)) {
        return oxt_result_set(res, OXT_EAUTH, "Plesk session of another"
                              " address", "made from %s", row->vals[1]);
    }
    rv = oxt_psa_lookup(pident, psa, db, row->vals[0], res, p);
    if (rv == OXT_EAUTH) {
        return oxt_result_set(res, OXT_EAUTH, "Plesk session of a login"
                              " OXtender does not serve", NULL);
    }
    if (rv == APR_SUCCESS) {
        (*pident)->via = OXT_AUTH_SESSION;
    }
    return rv;
}
