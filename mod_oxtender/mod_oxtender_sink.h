/*
 * mod_oxtender_sink.h — the core's writers (lib/oxt_sink.h) on an Apache
 * response.
 *
 * Pages write through the HTML, JSON and CSV writers of the core, which
 * write to a sink; this is the one place where those bytes meet Apache.
 * Page files (mod_oxtender_page_*.c) may not call ap_rputs, ap_rvputs,
 * ap_rprintf or ap_rwrite (scripts/check-source.sh).
 */
#ifndef MOD_OXTENDER_SINK_H
#define MOD_OXTENDER_SINK_H

#include <httpd.h>
#include <apr_errno.h>

#include "oxt_sink.h"

/**
 * A sink on r's response, in r->pool. Writes are gathered in a brigade
 * and handed to the output filters in blocks of about 8 KiB, so a page
 * made of many small writes costs few filter calls. Set the headers
 * (content type, status) before the first write.
 */
oxt_sink_t *oxt_mod_sink_make(request_rec *r);

/**
 * Passes what is still gathered down the filters. Call it once when the
 * page is written, before the handler returns; the sink's status (or the
 * filters' failure, such as a client that went away) is returned.
 */
apr_status_t oxt_mod_sink_flush(oxt_sink_t *sink);

#endif /* MOD_OXTENDER_SINK_H */
