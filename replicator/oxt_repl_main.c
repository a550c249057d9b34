/*
 * oxt_repl_main.c — the oxtender-replicator binary: options, configuration,
 * logging to stderr, and dispatch to the subcommands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_log.h"
#include "oxt_result.h"
#include "oxt_version.h"
#include "oxt_util.h"

typedef struct {
    const char *name;
    oxt_repl_cmd_fn *fn;
    const char *help;
    int http;                    /* talks HTTP (OX, the licensing
                                    server): starts the HTTP client */
} repl_cmd_t;

static const repl_cmd_t repl_cmds[] = {
    { "migrate", oxt_repl_cmd_migrate,
      "create or upgrade the oxtender database", 0 },
    { "event", oxt_repl_cmd_event,
      "Plesk event handler: record a hint (never fails, prints nothing)",
      0 },
    { "status", oxt_repl_cmd_status,
      "queue depth, parked items and the last run", 0 },
    { "run", oxt_repl_cmd_run,
      "one replication pass (for cron); exits if another one runs", 1 },
    { "daemon", oxt_repl_cmd_daemon,
      "replicate continuously: hints within a second, full pass periodically",
      1 },
    { "reconcile", oxt_repl_cmd_reconcile,
      "compare with OX, repair drift, report (--dry-run, --access all|none,"
      " --delete-unknown)", 1 },
    { "plan", oxt_repl_cmd_plan,
      "dry run: the OX operations a run would send now"
      " [--together] [DOMAIN ...]", 0 },
    { "retry", oxt_repl_cmd_retry,
      "give parked items (see status) a fresh start: ID or --all", 0 },
    { "settings", oxt_repl_cmd_settings,
      "show or change the Settings (set KEY VALUE, set-ox-password)", 0 },
    { "buttons", oxt_repl_cmd_buttons,
      "Plesk's OXtender buttons in line with the grants (--dry-run)", 0 },
    { "metrics", oxt_repl_cmd_metrics,
      "Prometheus metrics on stdout or into a file (--textfile FILE)", 0 },
    { "health", oxt_repl_cmd_health,
      "monitoring check: one line, exit 0-3 (--warning S, --critical S)",
      1 },
    { "license", oxt_repl_cmd_license,
      "the license: show, install FILE, activate CODE, renew", 1 },
    { "directory", oxt_repl_cmd_directory,
      "fill the Resellers, Clients and Domains lists from psa now", 0 },
};

static int repl_log_level = OXT_LOG_INFO;
static int repl_log_silent;
/* Which library could not start (main, repl_main), NULL when none. */
static const char *repl_libs_failed;
/* The HTTP client (libcurl) was started: only for the commands that
 * talk HTTP (repl_cmd_t.http: OX, and the licensing server for license
 * activate and renew, which rely on this start, oxt_licsrv.c). Its start
 * reads the TLS stack's configuration and costs every other command, the
 * event handler above all, for nothing. */
static int repl_soap_started;

static int repl_level_cb(void *baton, int level)
{
    (void)baton;
    return !repl_log_silent && level <= repl_log_level;
}

static void repl_print_cb(const char *file, int line, int level,
                          apr_status_t rv, void *baton, const char *msg)
{
    char ebuf[256];

    (void)file; (void)line; (void)baton; (void)level;
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "oxtender-replicator: %s (%s)\n", msg,
                apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    else {
        fprintf(stderr, "oxtender-replicator: %s\n", msg);
    }
}

void oxt_repl_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("oxtender-replicator: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

oxt_json_t *oxt_repl_json(oxt_repl_t *repl)
{
    return oxt_json_make(oxt_sink_stdio(stdout, repl->p), isatty(1),
                         repl->p);
}

apr_status_t oxt_repl_json_done(oxt_repl_t *repl, oxt_json_t *j)
{
    apr_status_t rv = oxt_json_finish(j);
    char ebuf[256];

    if (rv == APR_EINVAL) {
        oxt_repl_fail("JSON output: %s", oxt_json_error(j));
    }
    else if (rv != APR_SUCCESS) {
        oxt_repl_fail("JSON output: %s", apr_strerror(rv, ebuf,
                                                      sizeof(ebuf)));
    }
    (void)repl;
    return rv;
}

void oxt_repl_json_counts(oxt_json_t *j, const oxt_run_counts_t *counts)
{
    int k;

    oxt_json_kobject(j, "operations");
    for (k = 0; k < OXT_RUN_OP_COUNT; k++) {
        oxt_json_kobject(j, oxt_run_op_name(k));
        oxt_json_kint(j, "ok", counts->op_ok[k]);
        oxt_json_kint(j, "failed", counts->op_failed[k]);
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

const char *oxt_repl_failed_kinds(const oxt_run_counts_t *counts,
                                  apr_pool_t *p)
{
    const char *out = NULL;
    char *name;
    int k;

    for (k = 0; k < OXT_RUN_OP_COUNT; k++) {
        if (counts->op_failed[k] == 0) {
            continue;
        }
        /* "user_create" reads "user create" */
        name = apr_pstrdup(p, oxt_run_op_name(k));
        name[strcspn(name, "_")] = ' ';
        out = apr_pstrcat(p, out ? out : "", out ? ", " : "", name, " ",
                          oxt_util_lld(counts->op_failed[k], p), NULL);
    }
    return out ? apr_pstrcat(p, " (", out, ")", NULL) : "";
}

static void repl_usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: oxtender-replicator [-c CONFIG] [--json] [-q]"
                 " COMMAND [ARGS]\n"
                 "usage: oxtender-replicator --help | --version\n"
                 "\ncommands:\n");
    for (i = 0; i < sizeof(repl_cmds) / sizeof(repl_cmds[0]); i++) {
        fprintf(out, "  %-10s %s\n", repl_cmds[i].name, repl_cmds[i].help);
    }
    fprintf(out, "\nCONFIG defaults to $OXTENDER_CONF, then %s.\n",
            oxt_repl_default_config());
}

static const repl_cmd_t *repl_cmd_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(repl_cmds) / sizeof(repl_cmds[0]); i++) {
        if (strcmp(repl_cmds[i].name, name) == 0) {
            return &repl_cmds[i];
        }
    }
    return NULL;
}

/* Returns -1 to go on, or an exit code. */
static int repl_parse_options(oxt_repl_t *repl, apr_getopt_t *opt)
{
    const char *arg;
    int ch;
    apr_status_t rv;

    while ((rv = apr_getopt_long(opt, oxt_repl_opts, &ch, &arg))
           == APR_SUCCESS) {
        switch (ch) {
        case 'c': repl->config_path = arg; break;
        case 'j': repl->json = 1; break;
        case 'q': repl->quiet = 1; break;
        case 'h': repl_usage(stdout); return OXT_REPL_EXIT_OK;
        case 'V':
            printf("oxtender-replicator %s\n", oxt_version());
            return OXT_REPL_EXIT_OK;
        }
    }
    if (rv != APR_EOF) {
        repl_usage(stderr);
        return OXT_REPL_EXIT_USAGE;
    }
    return -1;
}

static int repl_load_config(oxt_repl_t *repl)
{
    oxt_result_t *res = oxt_result_make(repl->p);

    repl->config_path = oxt_repl_config_path(repl->config_path, repl->p);
    if (oxt_config_load(&repl->cfg, repl->config_path, res, repl->p)
        != APR_SUCCESS) {
        repl->cfg = NULL;
        repl->config_error = oxt_result_text(res, repl->p);
        if (!repl->silent && !repl->own_config_error) {
            oxt_repl_fail("%s", repl->config_error);
        }
        return OXT_REPL_EXIT_FAIL;
    }
    repl_log_level = repl->quiet ? OXT_LOG_ERR : repl->cfg->log_level;
    return -1;
}

apr_status_t oxt_repl_db_open(oxt_db_t **pdb, oxt_repl_t *repl,
                              oxt_result_t *res)
{
    oxt_db_params_t params;

    oxt_db_params_from_config(&params, repl->cfg);
    return oxt_db_open(pdb, &params, res, repl->p);
}

static int repl_main(apr_pool_t *p, int argc, const char *const *argv)
{
    oxt_repl_t repl = { 0 };
    const repl_cmd_t *cmd;
    apr_getopt_t *opt;
    int rc;

    repl.p = p;
    apr_getopt_init(&opt, p, argc, argv);
    rc = repl_parse_options(&repl, opt);
    if (rc >= 0) {
        return rc;
    }
    if (opt->ind >= argc) {
        repl_usage(stderr);
        return OXT_REPL_EXIT_USAGE;
    }
    cmd = repl_cmd_find(argv[opt->ind]);
    /* The event handler prints nothing, ever: Plesk runs it in the
     * background and its output would end up nowhere useful. */
    repl.silent = cmd != NULL && cmd->fn == oxt_repl_cmd_event;
    if (repl.silent) {
        repl_log_silent = 1;
    }
    if (cmd == NULL) {
        oxt_repl_fail("unknown command '%s'", argv[opt->ind]);
        repl_usage(stderr);
        return OXT_REPL_EXIT_USAGE;
    }
    /* Before any thread: curl_global_init is not thread-safe in every
     * libcurl. */
    if (cmd->http && repl_libs_failed == NULL) {
        repl_soap_started = oxt_soap_library_init() == APR_SUCCESS;
        if (!repl_soap_started) {
            repl_libs_failed = "HTTP client";
        }
    }
    /* The libraries' start-up failed (main, above): every command but
     * the event handler stops here; the event goes on and, without a
     * database, is spooled for the next run (oxt_repl_cmd_event.c). */
    if (!repl.silent && repl_libs_failed != NULL) {
        oxt_repl_fail("cannot start the %s library", repl_libs_failed);
        return OXT_REPL_EXIT_FAIL;
    }
    repl.own_config_error = cmd->fn == oxt_repl_cmd_health;
    rc = repl_load_config(&repl);
    /* The event handler never fails; health says UNKNOWN in its own way. */
    if (rc >= 0 && cmd->fn != oxt_repl_cmd_event
        && cmd->fn != oxt_repl_cmd_health) {
        return rc;
    }
    return cmd->fn(&repl, argc - opt->ind, argv + opt->ind);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc, db_ok;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    oxt_log_set(repl_level_cb, repl_print_cb, NULL);
    db_ok = oxt_db_library_init() == APR_SUCCESS;
    repl_libs_failed = !db_ok ? "database client" : NULL;
    rc = repl_main(p, argc, argv);
    apr_pool_destroy(p);
    if (repl_soap_started) {
        oxt_soap_library_end();
    }
    if (db_ok) {
        oxt_db_library_end();
    }
    return rc;
}
