/*
 * oxt_httpreq.h — the request head of the daemon's metrics endpoint: a
 * bounded parser of HTTP/1.0 and HTTP/1.1 request heads.
 *
 * The endpoint listens on loopback only, but any local process may talk
 * to it, so what arrives is outside input. The parser reads only what the
 * endpoint needs (the method and the path) and checks that the head is
 * well-formed and complete, within hard limits: at most OXT_HTTPREQ_MAX
 * bytes in all, OXT_HTTPREQ_LINE_MAX per line and OXT_HTTPREQ_HEADERS_MAX
 * header lines; no NUL, no control character but a tab in a value, a CR
 * only before its LF, no obsolete line folding. Header values are not
 * interpreted (a body is never read: the answer closes the connection).
 *
 * It keeps no state and allocates nothing: call it with everything
 * received so far, and it says whether the head is complete.
 */
#ifndef OXT_HTTPREQ_H
#define OXT_HTTPREQ_H

#include <apr_errno.h>

#define OXT_HTTPREQ_MAX         4096
#define OXT_HTTPREQ_LINE_MAX    1024
#define OXT_HTTPREQ_HEADERS_MAX 64

typedef enum {
    OXT_HTTPREQ_GET = 0,
    OXT_HTTPREQ_HEAD,
    OXT_HTTPREQ_OTHER               /* a well-formed method we do not serve */
} oxt_httpreq_method_t;

typedef struct oxt_httpreq_t {
    oxt_httpreq_method_t method;
    const char *path;               /* into the buffer; not NUL-terminated */
    apr_size_t path_len;            /* up to '?' or the end of the target */
    int minor;                      /* HTTP/1.minor: 0 or 1 */
    apr_size_t head_len;            /* bytes of the head, blank line included */
} oxt_httpreq_t;

/**
 * Parses the first len bytes of buf:
 *   APR_SUCCESS     a complete, well-formed head (req filled in);
 *   APR_INCOMPLETE  well-formed so far: read more;
 *   APR_EINVAL      malformed (answer 400);
 *   APR_ENOSPC      over a limit (answer 400; stop reading).
 */
apr_status_t oxt_httpreq_parse(oxt_httpreq_t *req, const char *buf,
                               apr_size_t len);

/** True when the request's path is exactly path. */
int oxt_httpreq_path_is(const oxt_httpreq_t *req, const char *path);

#endif /* OXT_HTTPREQ_H */
