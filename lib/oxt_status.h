/*
 * oxt_status.h — status codes of the core beyond APR's own.
 *
 * Core functions return apr_status_t. APR's codes (APR_SUCCESS, APR_ENOENT,
 * APR_EINVAL, APR_EACCES, APR_TIMEUP, ...) are used where they fit; the codes
 * below name failures APR has no word for. They live above
 * APR_OS_START_USERERR so they never collide with errno values.
 */
#ifndef OXT_STATUS_H
#define OXT_STATUS_H

#include <apr_errno.h>
#include <apr_pools.h>

#define OXT_STATUS_START      (APR_OS_START_USERERR + 7000)

/* database */
#define OXT_EDB               (OXT_STATUS_START + 1)   /* server or query error */
#define OXT_EDBCONN           (OXT_STATUS_START + 2)   /* cannot connect */
#define OXT_ESCHEMA           (OXT_STATUS_START + 3)   /* schema is not what we expect */
#define OXT_ECONFIG           (OXT_STATUS_START + 4)   /* bad configuration */
#define OXT_EAUTH             (OXT_STATUS_START + 5)   /* wrong login or password */
#define OXT_ECRYPTO           (OXT_STATUS_START + 6)   /* key or ciphertext unusable */
#define OXT_ELOCKED           (OXT_STATUS_START + 7)   /* another process holds the lock */

/* SOAP / Open-Xchange (see oxt_soap.h) */
#define OXT_ESOAP_START       (OXT_STATUS_START + 100)
#define OXT_ESOAP_AUTH        (OXT_ESOAP_START + 1)    /* Authentication failed */
#define OXT_ESOAP_CTX_EXISTS  (OXT_ESOAP_START + 2)    /* context already exists */
#define OXT_ESOAP_USER_EXISTS (OXT_ESOAP_START + 3)    /* user already exists */
#define OXT_ESOAP_NO_CTX      (OXT_ESOAP_START + 4)    /* no such context */
#define OXT_ESOAP_NO_USER     (OXT_ESOAP_START + 5)    /* no such user */
#define OXT_ESOAP_INVALID     (OXT_ESOAP_START + 6)    /* server refused the data */
#define OXT_ESOAP_BUSY        (OXT_ESOAP_START + 7)    /* database update; retry */
#define OXT_ESOAP_HTTP5XX     (OXT_ESOAP_START + 8)    /* 5xx, no fault; retry */
#define OXT_ESOAP_CONNECT     (OXT_ESOAP_START + 9)    /* connect/drop; retry */
#define OXT_ESOAP_TIMEOUT     (OXT_ESOAP_START + 10)   /* timed out; retry */
#define OXT_ESOAP_FAULT       (OXT_ESOAP_START + 11)   /* any other fault */
#define OXT_ESOAP_HTTP        (OXT_ESOAP_START + 12)   /* unexpected HTTP status */
#define OXT_ESOAP_XML         (OXT_ESOAP_START + 13)   /* malformed reply */
#define OXT_ESOAP_TOOBIG      (OXT_ESOAP_START + 14)   /* reply over the cap */
#define OXT_ESOAP_TLS         (OXT_ESOAP_START + 15)   /* TLS handshake or
                                                          certificate */

/**
 * A short English text for rv: our own codes by name, APR's and the
 * system's through apr_strerror. The string lives in p.
 */
const char *oxt_status_str(apr_status_t rv, apr_pool_t *p);

#endif /* OXT_STATUS_H */
