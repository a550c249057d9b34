/*
 * oxt_repl_front.c — the program installed as oxtender-replicator: it
 * answers "event" itself while a daemon takes the events (the hand-off
 * over the daemon's socket, or through the spool) and hands every other command line, and every event
 * the daemon does not take, to the full replicator (execv, same process,
 * same arguments).
 *
 * Plesk starts the event handler once per event, up to hundreds a second
 * in a bulk change, and waits for it. Most of what a process costs before
 * main is the dynamic loader mapping and relocating its libraries: the
 * full replicator links the SOAP and XML stacks (libcurl, libxml2 and
 * some forty libraries behind them), and even the database client and
 * OpenSSL alone cost three times the rest of a handed-off event. So this
 * front links only what the hand-off needs: APR and the core's event,
 * configuration and spool code, none of which refers to apr-util, the
 * database or libcrypto (docs/architecture.md, "The event front"). An
 * event the daemon does not take (no daemon, no configuration, a spool
 * that cannot be written) goes to the full replicator, whose "event"
 * queues it in the database or spools it, exactly as before; started as
 * a child and waited for, not exec'd: a replicator that cannot be loaded
 * (a library missing: the loader's exit 127 comes after the exec) would
 * take the event with it. One that does not end well is the front's to
 * spool.
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
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "../oxt_repl.h"
#include "oxt_config.h"
#include "oxt_event.h"
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

/* Returns only when none of the places holds a program it can start:
 * with the error, and the directory looked in (dir, of dsize). */
/* Starts the replicator at path: 0 once it runs (an exec returns only
 * on failure), else an errno value. */
typedef int (*front_start_fn)(const char *path, const char *const *argv,
                              void *ctx);

/* Tries start at each place of the full replicator in turn: 0 once one
 * started, else the first error other than ENOENT (ENOENT when none is
 * there). dir gets this program's directory, for the caller's message. */
static int front_try(const char *const *argv, char *dir, size_t dsize,
                     front_start_fn start, void *ctx)
{
    char path[4096 + 64];
    size_t i, n = sizeof(front_full) / sizeof(front_full[0]);
    int err = ENOENT, rc;

    front_self_dir(dir, dsize);
    for (i = 0; i <= n; i++) {
        /* Never a path relative to the working directory: root runs
         * this from wherever Plesk or an administrator stands. The last
         * place is absolute. */
        if (i < n && dir[0] != '/') {
            continue;
        }
        if (i < n) {
            snprintf(path, sizeof(path), "%s%s", dir, front_full[i]);
        }
        rc = start(i < n ? path : OXT_REPL_FULL_PATH, argv, ctx);
        if (rc == 0) {
            return 0;
        }
        if (rc != ENOENT) {
            err = rc;
        }
    }
    return err;
}

static int front_start_exec(const char *path, const char *const *argv,
                            void *ctx)
{
    (void)ctx;
    execv(path, (char *const *)argv);
    return errno != 0 ? errno : ENOEXEC;
}

static int front_exec_try(const char *const *argv, char *dir, size_t dsize)
{
    return front_try(argv, dir, dsize, front_start_exec, NULL);
}

/* Returns only on failure, with the replicator's exit code. */
static int front_exec_full(const char *const *argv)
{
    char dir[4096];
    int err = front_exec_try(argv, dir, sizeof(dir));

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

/* The event handed to the daemon (over its socket, or through the spool
 * if that fails): 1 when the daemon committed it or it is on disk, 0 when the full replicator must take it (it then decides between
 * the queue, the spool and syslog, and reads the configuration again,
 * with every check, so nothing about an event that is not handed off
 * changes here). An event we do not act on is done with: 1. *pev and
 * *pspool: the event (NULL if none) and the spool it would go to. */
static int front_handoff(oxt_event_t **pev, const char **pspool,
                         apr_pool_t *p, const char *config, int argc,
                         const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(p);
    oxt_config_t *cfg;

    *pev = NULL;
    *pspool = OXT_REPL_DEFAULT_SPOOL;
    if (argc < 2) {
        return 0;                 /* the full one says so in syslog */
    }
    if (oxt_event_make(pev, argv[1], argc - 2, argv + 2, p)
        != APR_SUCCESS) {
        return 1;
    }
    if (oxt_config_load(&cfg, oxt_repl_config_path(config, p), res, p)
        != APR_SUCCESS) {
        return 0;
    }
    *pspool = cfg->spool_dir;
    return oxt_event_hand_off(*pev, cfg->spool_dir, p) == APR_SUCCESS;
}

extern char **environ;

/* Starts path as the event's handler, its output to /dev/null (the
 * handler prints nothing; the loader would). An errno value, 0 when it
 * runs: glibc's posix_spawn tells when the exec itself fails. */
static int front_spawn(pid_t *ppid, const char *path,
                       const char *const *argv)
{
    posix_spawn_file_actions_t fa;
    int err = posix_spawn_file_actions_init(&fa);

    if (err != 0) {
        return err;
    }
    err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
                                           0);
    if (err == 0) {
        err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    if (err == 0) {
        err = posix_spawn(ppid, path, &fa, NULL, (char *const *)argv,
                          environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    return err;
}

static int front_start_spawn(const char *path, const char *const *argv,
                             void *ctx)
{
    return front_spawn(ctx, path, argv);
}

/* As front_exec_try, as a child waited for: 0, with its wait status in
 * *pstatus, once one of the places started; else the error. */
static int front_spawn_try(int *pstatus, const char *const *argv,
                           char *dir, size_t dsize)
{
    pid_t pid;
    int err;

    /* Plesk may start us with SIGCHLD ignored: the child would be
     * reaped unseen, its status lost. */
    signal(SIGCHLD, SIG_DFL);
    err = front_try(argv, dir, dsize, front_start_spawn, &pid);
    if (err == 0) {
        while (waitpid(pid, pstatus, 0) < 0 && errno == EINTR) {
        }
    }
    return err;
}

/* The full replicator takes the event (its handler always exits 0).
 * Where it cannot be started, or started and did not end well (a broken
 * installation: a library missing, a crash), the event is spooled for
 * the next run rather than lost (a hint recorded before a crash is then
 * recorded twice, and coalesces with itself), and syslog says so: the
 * handler never fails or prints. */
static int front_event_full(const char *const *argv, const oxt_event_t *ev,
                            const char *spool, apr_pool_t *p)
{
    char dir[4096];
    int status = 0;
    int err = front_spawn_try(&status, argv, dir, sizeof(dir));
    int spooled;

    if (err == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return OXT_REPL_EXIT_OK;
    }
    spooled = ev != NULL
              && oxt_event_spool_write(ev, spool, p) == APR_SUCCESS;
    openlog("oxtender-replicator", LOG_PID, LOG_DAEMON);
    if (err != 0) {
        syslog(LOG_ERR, "OXT04721: event %s: cannot start the replicator"
               " (%s%s or %s): %s; %s", ev ? ev->name : "?", dir,
               front_full[1], OXT_REPL_FULL_PATH, strerror(err),
               spooled ? "spooled for the next run" : "lost");
    }
    else {
        syslog(LOG_ERR, "OXT04900: event %s: the replicator (%s%s or %s)"
               " %s %d (127: it cannot be loaded); %s",
               ev ? ev->name : "?", dir, front_full[1], OXT_REPL_FULL_PATH,
               WIFEXITED(status) ? "exited with" : "was killed by signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
               spooled ? "spooled for the next run" : "lost");
    }
    closelog();
    return OXT_REPL_EXIT_OK;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    oxt_event_t *ev;
    const char *config, *spool;
    int at, rc = OXT_REPL_EXIT_OK;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return front_exec_full(argv);
    }
    at = front_event_at(&config, p, argc, argv);
    if (at == 0) {
        return front_exec_full(argv);
    }
    oxt_log_set(front_level_cb, front_print_cb, NULL);
    if (!front_handoff(&ev, &spool, p, config, argc - at, argv + at)) {
        rc = front_event_full(argv, ev, spool, p);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
