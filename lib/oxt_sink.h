/*
 * oxt_sink.h — where the core's writers (JSON, HTML, CSV) put their bytes.
 *
 * A writer never knows whether it writes to Apache, to a file or to memory:
 * the module maps a sink to its response, the replicator to stdout, the
 * unit tests to a buffer. A sink remembers its first failure, so writers
 * write on and the caller checks once at the end (oxt_sink_status).
 */
#ifndef OXT_SINK_H
#define OXT_SINK_H

#include <stdio.h>
#include <apr_pools.h>
#include <apr_errno.h>

/** Writes len bytes of data; anything but APR_SUCCESS is a failure. */
typedef apr_status_t oxt_sink_write_fn(void *baton, const char *data,
                                       apr_size_t len);

typedef struct oxt_sink_t {
    oxt_sink_write_fn *write;
    void *baton;
    apr_status_t status;       /* the first failure; later writes dropped */
} oxt_sink_t;

/** A sink in p that hands every write to fn(baton, ...). */
oxt_sink_t *oxt_sink_make(oxt_sink_write_fn *fn, void *baton, apr_pool_t *p);

/** Writes len bytes (nothing once the sink has failed); returns its status. */
apr_status_t oxt_sink_write(oxt_sink_t *sink, const char *data,
                            apr_size_t len);

/** Writes a NUL-terminated string. */
apr_status_t oxt_sink_puts(oxt_sink_t *sink, const char *s);

/** The first failure of the sink, or APR_SUCCESS. */
apr_status_t oxt_sink_status(const oxt_sink_t *sink);

/**
 * A sink that collects everything in memory (in p), at most max bytes
 * (0: no cap); past the cap it fails with APR_ENOSPC.
 */
oxt_sink_t *oxt_sink_buffer(apr_size_t max, apr_pool_t *p);

/** What a buffer sink holds, NUL-terminated; *plen may be NULL. */
const char *oxt_sink_buffer_text(const oxt_sink_t *sink, apr_size_t *plen);

/** A sink that writes to f (not closed by the sink). */
oxt_sink_t *oxt_sink_stdio(FILE *f, apr_pool_t *p);

#endif /* OXT_SINK_H */
