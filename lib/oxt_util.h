/*
 * oxt_util.h — small helpers shared by the core.
 */
#ifndef OXT_UTIL_H
#define OXT_UTIL_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>

/**
 * Reads a whole file of at most max bytes into *pbuf (in p), NUL
 * terminated; *plen (may be NULL) gets its length. APR_EINVAL when the
 * file is larger than max, so a wrong path cannot exhaust memory.
 */
apr_status_t oxt_util_file_read(char **pbuf, apr_size_t *plen,
                                const char *path, apr_size_t max,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * v in decimal, in p. APR's own formatter (apr_psprintf, and so
 * oxt_result_set and the log) has no %lld: use this, or APR_INT64_T_FMT.
 */
const char *oxt_util_lld(long long v, apr_pool_t *p);

/**
 * True when s is plain ASCII. Plesk keeps names twice: ASCII (punycode)
 * columns and UTF-8 display columns. MySQL refuses to compare an ASCII
 * column with a non-ASCII value ("Illegal mix of collations"), so a name
 * must be matched against the one column its form belongs to.
 */
int oxt_util_is_ascii(const char *s);

/* ---- hashes keyed by a Plesk id ------------------------------------------ */

/* The key is the long long itself (sizeof(long long) bytes), never a
 * decimal string to be parsed back. */

/** Sets (val NULL: removes) the entry of id; a new key is copied into the
 *  hash's pool. */
void oxt_util_id_set(apr_hash_t *h, long long id, const void *val);

/** The value of id, or NULL. */
void *oxt_util_id_get(apr_hash_t *h, long long id);

/** The id of an entry (from apr_hash_this_key). */
long long oxt_util_id_key(apr_hash_index_t *hi);

#endif /* OXT_UTIL_H */
