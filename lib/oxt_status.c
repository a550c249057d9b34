/*
 * oxt_status.c — see oxt_status.h.
 */
#include <apr_strings.h>

#include "oxt_status.h"

static const struct {
    apr_status_t rv;
    const char *text;
} status_texts[] = {
    { OXT_EDB,      "database error" },
    { OXT_EDBCONN,  "cannot connect to the database" },
    { OXT_ESCHEMA,  "unexpected database schema" },
    { OXT_ECONFIG,  "configuration error" },
    { OXT_EAUTH,    "authentication failed" },
    { OXT_ECRYPTO,  "cryptographic key or data unusable" },
    { OXT_ELOCKED,  "locked by another process" },
    { OXT_ESOAP_AUTH,        "OX: authentication failed" },
    { OXT_ESOAP_CTX_EXISTS,  "OX: context already exists" },
    { OXT_ESOAP_USER_EXISTS, "OX: user already exists" },
    { OXT_ESOAP_NO_CTX,      "OX: no such context" },
    { OXT_ESOAP_NO_USER,     "OX: no such user" },
    { OXT_ESOAP_INVALID,     "OX: invalid data" },
    { OXT_ESOAP_BUSY,        "OX: database update in progress" },
    { OXT_ESOAP_HTTP5XX,     "OX: server error" },
    { OXT_ESOAP_CONNECT,     "OX: cannot connect" },
    { OXT_ESOAP_TIMEOUT,     "OX: timed out" },
    { OXT_ESOAP_FAULT,       "OX: SOAP fault" },
    { OXT_ESOAP_HTTP,        "OX: unexpected HTTP status" },
    { OXT_ESOAP_XML,         "OX: malformed reply" },
    { OXT_ESOAP_TOOBIG,      "OX: reply too large" },
    { OXT_ESOAP_TLS,         "OX: TLS problem" },
};

const char *oxt_status_str(apr_status_t rv, apr_pool_t *p)
{
    char buf[256];
    size_t i;

    for (i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++) {
        if (status_texts[i].rv == rv) {
            return status_texts[i].text;
        }
    }
    return apr_pstrdup(p, apr_strerror(rv, buf, sizeof(buf)));
}
