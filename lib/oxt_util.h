/*
 * oxt_util.h — small helpers shared by the core.
 */
#ifndef OXT_UTIL_H
#define OXT_UTIL_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"

/* oxt_util_file_read_checked: also refuse a file that group or others may
 * write or others may read (OXT_FILE_MODE), and one not owned by root or
 * the running user (OXT_FILE_OWNER). Secrets (keys, the configuration with
 * its database password) are OXT_FILE_PRIVATE: both. */
#define OXT_FILE_MODE    1
#define OXT_FILE_OWNER   2
#define OXT_FILE_PRIVATE (OXT_FILE_MODE | OXT_FILE_OWNER)

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
 * As oxt_util_file_read, for files someone else may have put there: the
 * file is opened with O_NOFOLLOW (a symlink in its place is refused, not
 * followed) and O_NONBLOCK (a FIFO cannot hang us), and must be a regular
 * file of at most max bytes. flags (OXT_FILE_MODE, OXT_FILE_OWNER, both:
 * OXT_FILE_PRIVATE) add the checks of mode and owner. Failures are
 * OXT_ECONFIG (or the system's error) with the path, what is wrong and the
 * fix in res.
 */
apr_status_t oxt_util_file_read_checked(char **pbuf, apr_size_t *plen,
                                        const char *path, apr_size_t max,
                                        int flags, oxt_result_t *res,
                                        apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Checks an open descriptor: a regular file with none of the deny mode
 * bits set (0027 for OXT_FILE_PRIVATE: group-writable or anything for
 * others) and, when owner is set, owned by root or the running user. res
 * says what is wrong with path and how to fix it.
 */
apr_status_t oxt_util_fd_check(int fd, const char *path, unsigned deny,
                               int owner, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * True when hostport ("host", "host:port", "[v6]:port") names this
 * machine: "localhost", 127.0.0.0/8 or ::1. Anything else, including a
 * name that merely resolves to loopback or text that is no plain host
 * (an '@', a '/'), is not.
 */
int oxt_util_host_is_loopback(const char *hostport);

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

/** Sorts an array of long long ids in ascending order, in place. */
void oxt_util_ids_sort(apr_array_header_t *ids);

/** Turns an array of long long ids around, in place (a page read from
 *  the other end of its order). */
void oxt_util_ids_reverse(apr_array_header_t *ids);

/** "?, ?, ..., ?" with n (>= 1) places, in p: an IN list of bound
 *  values. */
const char *oxt_util_marks(int n, apr_pool_t *p);

/** The id of an entry (from apr_hash_this_key). */
long long oxt_util_id_key(apr_hash_index_t *hi);

/** The ids of a hash keyed by oxt_util_id_set, in no order, as an array
 *  of long long in p. */
apr_array_header_t *oxt_util_id_keys(apr_hash_t *h, apr_pool_t *p);

#endif /* OXT_UTIL_H */
