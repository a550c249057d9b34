/*
 * oxt_util.c — see oxt_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_util.h"
#include "oxt_status.h"

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

/* ---- files others may have touched ------------------------------------ */

/* What an open(2) failure means for a file we were told to read. */
static apr_status_t util_open_failed(const char *path, int err,
                                     oxt_result_t *res, apr_pool_t *p)
{
    if (err == ELOOP) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe file",
                              "%s is a symbolic link; refusing to follow it"
                              " (put the file itself there)", path);
    }
    return oxt_result_set(res, APR_FROM_OS_ERROR(err), "Cannot read file",
                          "%s: %s", path,
                          oxt_status_str(APR_FROM_OS_ERROR(err), p));
}

static apr_status_t util_mode_bad(const char *path, const struct stat *st,
                                  unsigned bad, oxt_result_t *res)
{
    const char *what = (bad & S_IWGRP) ? "writable by its group"
                     : (bad & S_IWOTH) ? "writable by everyone"
                     : (bad & S_IROTH) ? "readable by everyone"
                     : "accessible to everyone";

    return oxt_result_set(res, OXT_ECONFIG, "Unsafe file",
                          "%s is %s (mode %04o); fix: chmod 0640 %s", path,
                          what, (unsigned)(st->st_mode & 07777), path);
}

apr_status_t oxt_util_fd_check(int fd, const char *path, unsigned deny,
                               int owner, oxt_result_t *res, apr_pool_t *p)
{
    struct stat st;
    uid_t me = geteuid();

    if (fstat(fd, &st) != 0) {
        return util_open_failed(path, errno, res, p);
    }
    if (!S_ISREG(st.st_mode)) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe file",
                              "%s is not a regular file", path);
    }
    if (owner && st.st_uid != 0 && st.st_uid != me) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe file",
                              "%s is owned by uid %ld, not by root or by the"
                              " user running this (uid %ld); fix: chown root"
                              " %s", path, (long)st.st_uid, (long)me, path);
    }
    if ((st.st_mode & deny) != 0) {
        return util_mode_bad(path, &st, (unsigned)(st.st_mode & deny), res);
    }
    return APR_SUCCESS;
}

/* Reads what is left of fd, up to max bytes; APR_EINVAL beyond. */
static apr_status_t util_fd_read(char **pbuf, apr_size_t *plen, int fd,
                                 const char *path, apr_size_t max,
                                 oxt_result_t *res, apr_pool_t *p)
{
    char *buf = apr_palloc(p, max + 2);
    apr_size_t len = 0;
    ssize_t n;

    /* One byte more than allowed tells a file that is too large. */
    while (len <= max) {
        n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return util_open_failed(path, errno, res, p);
        }
        if (n == 0) {
            break;
        }
        len += (apr_size_t)n;
    }
    if (len > max) {
        memset(buf, 0, len);        /* it may have been a key */
        return oxt_result_set(res, APR_EINVAL, "File too large",
                              "%s: more than %" APR_SIZE_T_FMT " bytes", path,
                              max);
    }
    buf[len] = '\0';
    *pbuf = buf;
    if (plen != NULL) {
        *plen = len;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_util_file_read_checked(char **pbuf, apr_size_t *plen,
                                        const char *path, apr_size_t max,
                                        int flags, oxt_result_t *res,
                                        apr_pool_t *p)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
                        | O_NOCTTY);
    apr_status_t rv;

    if (fd < 0) {
        return util_open_failed(path, errno, res, p);
    }
    rv = oxt_util_fd_check(fd, path, (flags & OXT_FILE_MODE) ? 0027 : 0,
                           (flags & OXT_FILE_OWNER) != 0, res, p);
    if (rv == APR_SUCCESS) {
        rv = util_fd_read(pbuf, plen, fd, path, max, res, p);
    }
    close(fd);
    return rv;
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

static int id_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

void oxt_util_ids_sort(apr_array_header_t *ids)
{
    qsort(ids->elts, (size_t)ids->nelts, sizeof(long long), id_cmp);
}

void oxt_util_ids_reverse(apr_array_header_t *ids)
{
    long long *v = (long long *)ids->elts, t;
    int i, j;

    for (i = 0, j = ids->nelts - 1; i < j; i++, j--) {
        t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

long long oxt_util_id_key(apr_hash_index_t *hi)
{
    return *(const long long *)apr_hash_this_key(hi);
}

apr_array_header_t *oxt_util_id_keys(apr_hash_t *h, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, (int)apr_hash_count(h) + 1,
                                             sizeof(long long));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, h); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(ids, long long) = oxt_util_id_key(hi);
    }
    return ids;
}

/* The host part of "host", "host:port" or "[v6]:port" into buf, or 0. */
static int util_host_part(char *buf, size_t size, const char *hostport)
{
    const char *end, *port;
    size_t n;

    if (*hostport == '[') {
        end = strchr(hostport, ']');
        port = end != NULL ? end + 1 : NULL;
        hostport++;
    }
    else {
        end = strchr(hostport, ':');
        port = end;
        if (end == NULL) {
            end = hostport + strlen(hostport);
        }
    }
    if (end == NULL || (port != NULL && *port != '\0' && *port != ':')) {
        return 0;
    }
    if (port != NULL && *port == ':') {
        /* ":" and one to five digits, nothing else. */
        n = strspn(port + 1, "0123456789");
        if (n == 0 || n > 5 || port[1 + n] != '\0') {
            return 0;
        }
    }
    n = (size_t)(end - hostport);
    if (n == 0 || n >= size) {
        return 0;
    }
    memcpy(buf, hostport, n);
    buf[n] = '\0';
    return 1;
}

int oxt_util_host_is_loopback(const char *hostport)
{
    char host[256];
    struct in_addr a4;
    struct in6_addr a6;

    if (hostport == NULL || !util_host_part(host, sizeof(host), hostport)) {
        return 0;
    }
    if (strcasecmp(host, "localhost") == 0) {
        return 1;
    }
    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    return inet_pton(AF_INET6, host, &a6) == 1
        && IN6_IS_ADDR_LOOPBACK(&a6);
}

const char *oxt_util_marks(int n, apr_pool_t *p)
{
    char *s = apr_palloc(p, (apr_size_t)(n > 0 ? n : 1) * 3 + 1), *o = s;
    int i;

    for (i = 0; i < n; i++) {
        if (i > 0) {
            *o++ = ',';
            *o++ = ' ';
        }
        *o++ = '?';
    }
    *o = '\0';
    return s;
}
