/*
 * fuzz_httpreq.c — libFuzzer harness for the request heads of the
 * daemon's metrics endpoint (oxt_httpreq_parse).
 *
 * The input is what a client sent. When the parser calls a head complete
 * its answer must keep the contract of oxt_httpreq.h, or the harness
 * aborts: the head within the input and the limits, the path inside the
 * request line and made of visible ASCII, the same answer for the head
 * alone, and "incomplete" one byte short of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oxt_httpreq.h"

static void check_path(const oxt_httpreq_t *req, const char *buf,
                       size_t size)
{
    size_t i;

    if (req->path < buf || req->path_len == 0
        || req->path + req->path_len > buf + size || req->path[0] != '/') {
        abort();
    }
    for (i = 0; i < req->path_len; i++) {
        if ((unsigned char)req->path[i] <= 0x20
            || (unsigned char)req->path[i] >= 0x7f || req->path[i] == '?') {
            abort();
        }
    }
}

static void check_complete(const oxt_httpreq_t *req, const char *buf,
                           size_t size)
{
    oxt_httpreq_t again;

    if (req->head_len == 0 || req->head_len > size
        || req->head_len > OXT_HTTPREQ_MAX || buf[req->head_len - 1] != '\n'
        || (req->minor != 0 && req->minor != 1)
        || req->method > OXT_HTTPREQ_OTHER) {
        abort();
    }
    check_path(req, buf, size);
    if (oxt_httpreq_parse(&again, buf, req->head_len) != APR_SUCCESS
        || again.head_len != req->head_len
        || again.path_len != req->path_len) {
        abort();
    }
    if (oxt_httpreq_parse(&again, buf, req->head_len - 1)
        != APR_INCOMPLETE) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of its own size, so ASan sees a read past the input. */
    char *buf = malloc(size ? size : 1);
    oxt_httpreq_t req;
    apr_status_t rv;

    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data, size);
    rv = oxt_httpreq_parse(&req, buf, size);
    if (rv == APR_SUCCESS) {
        check_complete(&req, buf, size);
    }
    else if (rv != APR_INCOMPLETE && rv != APR_EINVAL && rv != APR_ENOSPC) {
        abort();
    }
    free(buf);
    return 0;
}
