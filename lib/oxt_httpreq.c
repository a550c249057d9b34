/*
 * oxt_httpreq.c — see oxt_httpreq.h. Byte by byte, no locale, no
 * allocation: the limits are checked before anything is looked at.
 */
#include <string.h>

#include "oxt_httpreq.h"

#define METHOD_MAX 16

/* RFC 9110 token characters (header names). */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c)
                                      != NULL);
}

/* Where the line starting at pos ends (its LF), within the limits;
 * *pnext is the first byte after it. */
static apr_status_t line_end(apr_size_t *pend, apr_size_t *pnext,
                             const char *buf, apr_size_t len, apr_size_t pos)
{
    apr_size_t max = pos + OXT_HTTPREQ_LINE_MAX + 2, i;

    for (i = pos; i < len && i < max && i < OXT_HTTPREQ_MAX; i++) {
        if (buf[i] == '\n') {
            *pnext = i + 1;
            *pend = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
            return *pend - pos > OXT_HTTPREQ_LINE_MAX ? APR_ENOSPC
                                                      : APR_SUCCESS;
        }
    }
    return i >= max || i >= OXT_HTTPREQ_MAX ? APR_ENOSPC : APR_INCOMPLETE;
}

static apr_status_t parse_method(oxt_httpreq_t *req, const char *s,
                                 apr_size_t n)
{
    apr_size_t i;

    if (n == 0 || n > METHOD_MAX) {
        return APR_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < 'A' || s[i] > 'Z') {
            return APR_EINVAL;
        }
    }
    req->method = n == 3 && memcmp(s, "GET", 3) == 0 ? OXT_HTTPREQ_GET
                : n == 4 && memcmp(s, "HEAD", 4) == 0 ? OXT_HTTPREQ_HEAD
                : OXT_HTTPREQ_OTHER;
    return APR_SUCCESS;
}

/* Origin form only ("/path?query"): visible ASCII, no fragment. */
static apr_status_t parse_target(oxt_httpreq_t *req, const char *s,
                                 apr_size_t n)
{
    apr_size_t i;

    if (n == 0 || s[0] != '/') {
        return APR_EINVAL;
    }
    req->path = s;
    req->path_len = n;
    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f
            || s[i] == '#') {
            return APR_EINVAL;
        }
        if (s[i] == '?' && req->path_len == n) {
            req->path_len = i;
        }
    }
    return APR_SUCCESS;
}

/* "METHOD SP target SP HTTP/1.x", exactly one space each. */
static apr_status_t parse_request_line(oxt_httpreq_t *req, const char *s,
                                       apr_size_t n)
{
    const char *sp1 = memchr(s, ' ', n), *sp2;
    apr_status_t rv;

    if (sp1 == NULL) {
        return APR_EINVAL;
    }
    sp2 = memchr(sp1 + 1, ' ', n - (apr_size_t)(sp1 + 1 - s));
    if (sp2 == NULL) {
        return APR_EINVAL;
    }
    rv = parse_method(req, s, (apr_size_t)(sp1 - s));
    if (rv == APR_SUCCESS) {
        rv = parse_target(req, sp1 + 1, (apr_size_t)(sp2 - sp1 - 1));
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    n -= (apr_size_t)(sp2 + 1 - s);
    s = sp2 + 1;
    if (n != 8 || memcmp(s, "HTTP/1.", 7) != 0
        || (s[7] != '0' && s[7] != '1')) {
        return APR_EINVAL;
    }
    req->minor = s[7] - '0';
    return APR_SUCCESS;
}

/* "name: value": a token, a colon, then tabs, spaces, visible ASCII and
 * bytes of 0x80 and above (obs-text); never a control character. */
static apr_status_t parse_header(const char *s, apr_size_t n)
{
    apr_size_t i = 0;
    unsigned char c;

    while (i < n && is_tchar((unsigned char)s[i])) {
        i++;
    }
    if (i == 0 || i == n || s[i] != ':') {
        return APR_EINVAL;
    }
    for (i++; i < n; i++) {
        c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

apr_status_t oxt_httpreq_parse(oxt_httpreq_t *req, const char *buf,
                               apr_size_t len)
{
    apr_size_t pos = 0, end, next;
    int headers = 0;
    apr_status_t rv;

    memset(req, 0, sizeof(*req));
    rv = line_end(&end, &next, buf, len, 0);
    if (rv == APR_SUCCESS && memchr(buf, '\r', end) != NULL) {
        rv = APR_EINVAL;                 /* a CR inside the line */
    }
    if (rv == APR_SUCCESS) {
        rv = parse_request_line(req, buf, end);
    }
    for (pos = next; rv == APR_SUCCESS; pos = next) {
        rv = line_end(&end, &next, buf, len, pos);
        if (rv != APR_SUCCESS) {
            break;
        }
        if (end == pos) {
            req->head_len = next;        /* the blank line: complete */
            return APR_SUCCESS;
        }
        if (buf[pos] == ' ' || buf[pos] == '\t'
            || memchr(buf + pos, '\r', end - pos) != NULL) {
            rv = APR_EINVAL;             /* folding, or a stray CR */
        }
        else if (++headers > OXT_HTTPREQ_HEADERS_MAX) {
            rv = APR_ENOSPC;
        }
        else {
            rv = parse_header(buf + pos, end - pos);
        }
    }
    return rv;
}

int oxt_httpreq_path_is(const oxt_httpreq_t *req, const char *path)
{
    apr_size_t n = strlen(path);

    return req->path != NULL && req->path_len == n
        && memcmp(req->path, path, n) == 0;
}
