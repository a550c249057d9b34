/*
 * oxt_sink.c — see oxt_sink.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_sink.h"

typedef struct sink_buffer_t {
    char *data;
    apr_size_t len;
    apr_size_t cap;
    apr_size_t max;
    apr_pool_t *p;
} sink_buffer_t;

oxt_sink_t *oxt_sink_make(oxt_sink_write_fn *fn, void *baton, apr_pool_t *p)
{
    oxt_sink_t *sink = apr_pcalloc(p, sizeof(*sink));

    sink->write = fn;
    sink->baton = baton;
    sink->status = APR_SUCCESS;
    return sink;
}

apr_status_t oxt_sink_write(oxt_sink_t *sink, const char *data,
                            apr_size_t len)
{
    if (sink->status == APR_SUCCESS && len > 0) {
        sink->status = sink->write(sink->baton, data, len);
    }
    return sink->status;
}

apr_status_t oxt_sink_puts(oxt_sink_t *sink, const char *s)
{
    return oxt_sink_write(sink, s, strlen(s));
}

apr_status_t oxt_sink_status(const oxt_sink_t *sink)
{
    return sink->status;
}

/* ---- memory ------------------------------------------------------------ */

/* Doubles the buffer: a pool cannot free, so the old block stays until
 * the pool goes, which at most doubles the memory used. */
static apr_status_t sink_buffer_write(void *baton, const char *data,
                                      apr_size_t len)
{
    sink_buffer_t *b = baton;
    apr_size_t cap;
    char *grown;

    if (b->max > 0 && len > b->max - b->len) {
        return APR_ENOSPC;
    }
    if (b->len + len + 1 > b->cap) {
        cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        grown = apr_palloc(b->p, cap);
        memcpy(grown, b->data, b->len);
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return APR_SUCCESS;
}

oxt_sink_t *oxt_sink_buffer(apr_size_t max, apr_pool_t *p)
{
    sink_buffer_t *b = apr_pcalloc(p, sizeof(*b));

    b->p = p;
    b->max = max;
    b->data = "";
    return oxt_sink_make(sink_buffer_write, b, p);
}

const char *oxt_sink_buffer_text(const oxt_sink_t *sink, apr_size_t *plen)
{
    const sink_buffer_t *b = sink->baton;

    if (plen != NULL) {
        *plen = b->len;
    }
    return b->data;
}

/* ---- stdio -------------------------------------------------------------- */

static apr_status_t sink_stdio_write(void *baton, const char *data,
                                     apr_size_t len)
{
    return fwrite(data, 1, len, (FILE *)baton) == len ? APR_SUCCESS
                                                      : APR_EGENERAL;
}

oxt_sink_t *oxt_sink_stdio(FILE *f, apr_pool_t *p)
{
    return oxt_sink_make(sink_stdio_write, f, p);
}
