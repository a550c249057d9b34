/*
 * oxt_repl_cmd_metrics.c — "oxtender-replicator metrics": the Prometheus
 * text exposition (lib/oxt_metrics.h) on stdout or, with --textfile, in a
 * file for node_exporter's textfile collector, replaced in one rename so
 * the collector never reads half of it (conf/oxtender-replicator-
 * metrics.timer runs it every minute). The daemon's endpoint
 * (oxt_repl_httpd.c) serves the same text. Also where runs and the
 * daemon mark their full passes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "oxt_repl.h"
#include "oxt_metrics.h"
#include "oxt_licstate.h"
#include "oxt_psa.h"
#include "oxt_lock.h"
#include "oxt_log.h"

/* The exposition is a few kilobytes; a cap keeps a bug from filling the
 * collector's directory. */
#define METRICS_MAX (16 * 1024 * 1024)
/* Seconds a query of the metrics may take before the answer goes
 * without the database. */
#define METRICS_READ_TIMEOUT 10

/* ---- full passes ------------------------------------------------------- */

apr_status_t oxt_repl_pass_begin(oxt_repl_session_t *s, oxt_result_t *res)
{
    return oxt_metrics_pass_begin(s->db, res, s->p);
}

apr_status_t oxt_repl_pass_end(oxt_repl_session_t *s, apr_status_t rv,
                               int complete, oxt_result_t *res)
{
    oxt_result_t *why = oxt_result_make(s->p);

    if (rv == APR_SUCCESS && complete) {
        return oxt_metrics_pass_end(s->db, 1, res, s->p);
    }
    /* Stopped half-way (SIGTERM) is no failure, only no success. The
     * failure itself is what the caller reports; recording it may fail
     * for the same reason. */
    if (rv != APR_SUCCESS && rv != APR_EINTR
        && oxt_metrics_pass_end(s->db, 0, why, s->p) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, why->status,
                       OXTLOGNO(03904) "failed pass not recorded: %s",
                       oxt_result_text(why, s->p));
    }
    return rv;
}

/* ---- the exposition ---------------------------------------------------- */

/* The license in force and what it counts (the last full pass's
 * numbers: the exposition never counts Plesk itself). */
static apr_status_t metrics_license(oxt_metrics_t *m, oxt_db_t *db,
                                    const oxt_config_t *cfg,
                                    oxt_result_t *res, apr_pool_t *p)
{
    oxt_license_status_t *st;
    oxt_psa_t *psa;
    apr_status_t rv;

    rv = oxt_psa_open(&psa, db, cfg, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_license_status_load(&st, db, psa, cfg, 0, res, p);
    }
    if (rv == APR_SUCCESS) {
        m->license = st;
    }
    return rv;
}

apr_status_t oxt_repl_metrics_write(oxt_sink_t *sink, const oxt_config_t *cfg,
                                    oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_params_t params;
    oxt_metrics_t m;
    oxt_db_t *db;
    apr_status_t rv, wrv;

    oxt_metrics_init(&m, p);
    oxt_lock_probe(&m.lock, cfg->lock_file,
                   apr_time_from_sec(cfg->lock_stale_s), p);
    m.have_lock = 1;
    oxt_db_params_from_config(&params, cfg);
    params.read_timeout = METRICS_READ_TIMEOUT;
    rv = oxt_db_open(&db, &params, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_metrics_gather(&m, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = metrics_license(&m, db, cfg, res, p);
    }
    wrv = oxt_metrics_write(sink, &m, p);
    if (rv == APR_SUCCESS && wrv != APR_SUCCESS) {
        rv = oxt_result_set(res, wrv, "Cannot write the metrics", NULL);
    }
    return rv;
}

/* ---- the command ------------------------------------------------------- */

/* Writes text to path through a new file beside it and one rename: the
 * collector sees the old file or the new one, never a part. The new file
 * is created exclusively, so nothing in its place is followed. */
static apr_status_t metrics_textfile(const char *path, const char *text,
                                     apr_size_t len, oxt_result_t *res,
                                     apr_pool_t *p)
{
    const char *tmp = apr_psprintf(p, "%s.tmp.%ld", path, (long)getpid());
    apr_file_t *f;
    apr_size_t n = len;
    apr_status_t rv;

    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL, APR_FPROT_UREAD | APR_FPROT_UWRITE
                       | APR_FPROT_GREAD | APR_FPROT_WREAD, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot write the metrics file",
                              "%s", tmp);
    }
    rv = apr_file_write_full(f, text, n, &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                | APR_FPROT_GREAD | APR_FPROT_WREAD);
    }
    if (apr_file_close(f) != APR_SUCCESS && rv == APR_SUCCESS) {
        rv = APR_EGENERAL;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        return oxt_result_set(res, rv, "Cannot write the metrics file",
                              "%s", path);
    }
    return APR_SUCCESS;
}

static int metrics_usage(void)
{
    oxt_repl_fail("usage: metrics [--textfile FILE]");
    return OXT_REPL_EXIT_USAGE;
}

int oxt_repl_cmd_metrics(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_result_t *fres = oxt_result_make(repl->p);
    const char *path = NULL, *text;
    oxt_sink_t *sink;
    apr_size_t len;
    apr_status_t rv;

    if (argc == 3 && strcmp(argv[1], "--textfile") == 0 && *argv[2]) {
        path = argv[2];
    }
    else if (argc != 1) {
        return metrics_usage();
    }
    sink = path ? oxt_sink_buffer(METRICS_MAX, repl->p)
                : oxt_sink_stdio(stdout, repl->p);
    /* The exposition is written even without the database (it says
     * oxtender_database_up 0); the exit code says it too. */
    rv = oxt_repl_metrics_write(sink, repl->cfg, res, repl->p);
    if (path != NULL && oxt_sink_status(sink) == APR_SUCCESS) {
        text = oxt_sink_buffer_text(sink, &len);
        if (metrics_textfile(path, text, len, fres, repl->p)
            != APR_SUCCESS) {
            oxt_repl_fail("%s", oxt_result_text(fres, repl->p));
            return OXT_REPL_EXIT_FAIL;
        }
    }
    else if (path == NULL && fflush(stdout) != 0 && rv == APR_SUCCESS) {
        rv = oxt_result_set(res, APR_EGENERAL, "Cannot write the metrics",
                            NULL);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return OXT_REPL_EXIT_OK;
}
