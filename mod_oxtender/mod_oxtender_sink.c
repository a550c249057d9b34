/*
 * mod_oxtender_sink.c — see mod_oxtender_sink.h.
 */
#include <stddef.h>  /* before APR: offsetof for APR_RING (check-source.sh) */
#include <httpd.h>
#include <http_protocol.h>
#include <util_filter.h>
#include <apr_buckets.h>

#include "mod_oxtender_sink.h"

typedef struct oxt_mod_sink_t {
    request_rec *r;
    apr_bucket_brigade *bb;
} oxt_mod_sink_t;

/* apr_brigade_write gathers small writes into heap buckets and calls
 * ap_filter_flush (which passes the brigade on) when a block is full. */
static apr_status_t oxt_mod_sink_write(void *baton, const char *data,
                                       apr_size_t len)
{
    oxt_mod_sink_t *s = baton;

    return apr_brigade_write(s->bb, ap_filter_flush, s->r->output_filters,
                             data, len);
}

oxt_sink_t *oxt_mod_sink_make(request_rec *r)
{
    oxt_mod_sink_t *s = apr_pcalloc(r->pool, sizeof(*s));

    s->r = r;
    s->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    return oxt_sink_make(oxt_mod_sink_write, s, r->pool);
}

apr_status_t oxt_mod_sink_flush(oxt_sink_t *sink)
{
    oxt_mod_sink_t *s = sink->baton;
    apr_status_t rv = oxt_sink_status(sink);

    if (rv == APR_SUCCESS && !APR_BRIGADE_EMPTY(s->bb)) {
        rv = ap_pass_brigade(s->r->output_filters, s->bb);
        apr_brigade_cleanup(s->bb);
        if (rv != APR_SUCCESS) {
            sink->status = rv;
        }
    }
    return rv;
}
