/*
 * oxt_oxlink.h — the link to OX as the Settings describe it, in one
 * place: the SOAP client's settings and the OX client made from
 * oxt_settings_t (the replicator's session uses it), and the Settings
 * page's Test connection.
 *
 * Test connection asks OX one harmless question with the credentials it
 * is given (oxt_settings_form_test: the entered ones, or the stored ones
 * for the stored OX server and account only):
 * whether a context of a name we never use exists. That call needs the
 * master (or, for OX cloud, the reseller) login, reads nothing and
 * changes nothing; nothing is saved either. It is bounded by the
 * Settings' wait ("Wait for N seconds"), and it obeys the plain-HTTP
 * rule of oxt_ox_transport_check: credentials are never sent in clear to
 * another machine, so such a test is refused before anything is sent.
 */
#ifndef OXT_OXLINK_H
#define OXT_OXLINK_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_settings.h"
#include "oxt_soap.h"
#include "oxt_ox.h"

/** The context name Test connection asks about (never one of ours:
 *  ours are domain names, which cannot start with a hyphen). */
#define OXT_OXLINK_PROBE_CONTEXT "-oxtender-connection-test"

/**
 * The SOAP client's and the OX client's settings for st: timeouts from
 * "Wait for" (connecting at most 10 s of it), conns connections, debug
 * capture as "Debug API requests" says, the endpoint from host and
 * HTTPS, the connection type and credentials. Strings point into st or
 * live in p.
 */
void oxt_oxlink_settings(oxt_soap_settings_t *ss, oxt_ox_settings_t *os,
                         const oxt_settings_t *st, int conns, apr_pool_t *p);

/**
 * A SOAP client and an OX client for st (loaded with the key, so the
 * password is there), in p. OXT_ECONFIG when no OX host is set, or when
 * the plain-HTTP rule refuses the endpoint (res says how to fix it).
 */
apr_status_t oxt_oxlink_open(oxt_ox_t **pox, oxt_soap_client_t **psoap,
                             const oxt_settings_t *st, int conns,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** What Test connection found. */
typedef struct oxt_oxlink_test_t {
    apr_status_t status;          /* APR_SUCCESS: OX answered and took
                                     the credentials; else OXT_ECONFIG or
                                     an OXT_ESOAP_* code */
    int called;                   /* a request was sent */
    int reached;                  /* an HTTP answer came back */
    int credentials;              /* 1 accepted, 0 refused, -1 unknown */
    int tls_problem;              /* HTTPS could not be set up */
    int http_status;              /* 0: none */
    long long elapsed_ms;         /* from sending to the answer (or the
                                     failure) */
    int timeout_s;                /* the wait it was given */
    const char *url;              /* the endpoint called; NULL if none */
    const char *problem;          /* for people; NULL on success */
    const char *detail;           /* OX's fault text, the transport's
                                     error, or the fix; may be NULL */
} oxt_oxlink_test_t;

/**
 * Test connection with st (host, HTTPS, connection type, username,
 * password, wait). Never fails itself: *presult (in p) says what
 * happened, and nothing is stored. The process must have started libcurl
 * (oxt_soap_library_init).
 */
void oxt_oxlink_test(oxt_oxlink_test_t **presult, const oxt_settings_t *st,
                     apr_pool_t *p);

#endif /* OXT_OXLINK_H */
