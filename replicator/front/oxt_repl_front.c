/*
 * oxt_repl_front.c — the program installed as oxtender-replicator: it
 * answers "event" itself and hands every other command line to the full
 * replicator (execv, same process, same arguments).
 *
 * Plesk starts the event handler once per event, up to hundreds a second
 * in a bulk change, and waits for it. The full replicator links the SOAP
 * and XML stacks (libcurl, libxml2 and some forty libraries behind them),
 * whose loading and start-up cost more than recording the hint itself;
 * this front links only what an event needs: APR, the database client and
 * the core's event code (docs/architecture.md, "The event front").
 *
 * The full replicator is looked for next to this program as
 * oxtender-replicator-full (the build tree), then as
 * ../lib/oxtender/oxtender-replicator relative to its directory (the
 * installed layout: BINDIR and FULLDIR in the Makefile), and where /proc
 * cannot say where this program is (a chroot without it, as dpkg's
 * maintainer scripts may run in), at the absolute path the build was
 * told (OXT_REPL_FULL_PATH, FULLDIR).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "../oxt_repl.h"
#include "oxt_log.h"

#ifndef OXT_REPL_FULL_PATH
#define OXT_REPL_FULL_PATH "/usr/lib/oxtender/oxtender-replicator"
#endif

static const char *const front_full[] = {
    "oxtender-replicator-full",
    "../lib/oxtender/oxtender-replicator",
};

/* The event handler prints nothing, ever (oxt_repl_cmd_event.c). */
static int front_level_cb(void *baton, int level)
{
    (void)baton;
    (void)level;
    return 0;
}

static void front_print_cb(const char *file, int line, int level,
                           apr_status_t rv, void *baton, const char *msg)
{
    (void)file; (void)line; (void)level; (void)rv; (void)baton; (void)msg;
}

/* The directory of this program, with its final '/'; "" if unknown
 * (no /proc). */
static void front_self_dir(char *dir, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    char *slash;

    dir[n > 0 ? n : 0] = '\0';
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        slash[1] = '\0';
    }
    else {
        dir[0] = '\0';
    }
}

/* Never returns. */
static int front_exec_full(const char *const *argv)
{
    char dir[4096], path[4096 + 64];
    size_t i;
    int err = ENOENT;

    front_self_dir(dir, sizeof(dir));
    /* Never a path relative to the working directory: root runs this
     * from wherever Plesk or an administrator stands. */
    for (i = 0; dir[0] == '/'
                && i < sizeof(front_full) / sizeof(front_full[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", dir, front_full[i]);
        execv(path, (char *const *)argv);
        if (errno != ENOENT) {
            err = errno;
        }
    }
    /* Absolute, so still never relative to the working directory. */
    execv(OXT_REPL_FULL_PATH, (char *const *)argv);
    if (errno != ENOENT) {
        err = errno;
    }
    fprintf(stderr, "oxtender-replicator: cannot start the replicator"
            " (%s%s or %s): %s\n", dir, front_full[1], OXT_REPL_FULL_PATH,
            strerror(err));
    return OXT_REPL_EXIT_FAIL;
}

/* The index of the command in argv if it is "event" (read with the
 * replicator's own options), else 0. */
static int front_event_at(const char **pconfig, apr_pool_t *p, int argc,
                          const char *const *argv)
{
    apr_getopt_t *opt;
    const char *arg;
    int ch;
    apr_status_t rv;

    *pconfig = NULL;
    apr_getopt_init(&opt, p, argc, argv);
    opt->errfn = NULL;
    while ((rv = apr_getopt_long(opt, oxt_repl_opts, &ch, &arg))
           == APR_SUCCESS) {
        if (ch == 'c') {
            *pconfig = arg;
        }
        else if (ch == 'h' || ch == 'V') {
            return 0;
        }
    }
    if (rv != APR_EOF || opt->ind >= argc
        || strcmp(argv[opt->ind], "event") != 0) {
        return 0;
    }
    return opt->ind;
}

/* As the replicator runs "event": without a configuration the event is
 * spooled (the command never fails). */
static int front_event(apr_pool_t *p, const char *config, int argc,
                       const char *const *argv)
{
    oxt_repl_t repl = { 0 };
    oxt_result_t *res = oxt_result_make(p);

    repl.p = p;
    repl.silent = 1;
    repl.config_path = oxt_repl_config_path(config, p);
    if (oxt_config_load(&repl.cfg, repl.config_path, res, p)
        != APR_SUCCESS) {
        repl.cfg = NULL;
        repl.config_error = oxt_result_text(res, p);
    }
    return oxt_repl_cmd_event(&repl, argc, argv);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    const char *config;
    int at, rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return front_exec_full(argv);
    }
    at = front_event_at(&config, p, argc, argv);
    if (at == 0) {
        return front_exec_full(argv);
    }
    oxt_log_set(front_level_cb, front_print_cb, NULL);
    /* The database client starts when the event needs it (a hand-off to
     * the daemon does not: oxt_repl_cmd_event.c). */
    rc = front_event(p, config, argc - at, argv + at);
    apr_pool_destroy(p);
    oxt_db_library_end();
    apr_terminate();
    return rc;
}
