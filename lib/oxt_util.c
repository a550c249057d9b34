/*
 * oxt_util.c — see oxt_util.h.
 */
#include <stdio.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "oxt_util.h"

apr_status_t oxt_util_file_read(char **pbuf, apr_size_t *plen,
                                const char *path, apr_size_t max,
                                apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len;
    char *buf;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv == APR_SUCCESS
        && (fi.filetype != APR_REG || fi.size < 0
            || (apr_size_t)fi.size > max)) {
        rv = APR_EINVAL;
    }
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        return rv;
    }
    len = (apr_size_t)fi.size;
    buf = apr_palloc(p, len + 1);
    rv = len ? apr_file_read_full(f, buf, len, &len) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    buf[len] = '\0';
    *pbuf = buf;
    if (plen != NULL) {
        *plen = len;
    }
    return APR_SUCCESS;
}

const char *oxt_util_lld(long long v, apr_pool_t *p)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    return apr_pstrdup(p, buf);
}

int oxt_util_is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/* ---- hashes keyed by a Plesk id ------------------------------------------ */

void oxt_util_id_set(apr_hash_t *h, long long id, const void *val)
{
    const void *key = &id;

    if (val != NULL && apr_hash_get(h, &id, sizeof(id)) == NULL) {
        key = apr_pmemdup(apr_hash_pool_get(h), &id, sizeof(id));
    }
    apr_hash_set(h, key, sizeof(id), val);
}

void *oxt_util_id_get(apr_hash_t *h, long long id)
{
    return apr_hash_get(h, &id, sizeof(id));
}

long long oxt_util_id_key(apr_hash_index_t *hi)
{
    return *(const long long *)apr_hash_this_key(hi);
}
