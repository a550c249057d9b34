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
