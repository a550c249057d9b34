/*
 * oxt_log.c — see oxt_log.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oxt_log.h"
#include "oxt_status.h"

static oxt_log_level_cb *log_level_cb;
static oxt_log_print_cb *log_print_cb;
static void *log_baton;

void oxt_log_set(oxt_log_level_cb *level_cb, oxt_log_print_cb *print_cb,
                 void *baton)
{
    log_level_cb = level_cb;
    log_print_cb = print_cb;
    log_baton = baton;
}

int oxt_log_is_level(int level)
{
    if (log_level_cb == NULL) {
        return level <= OXT_LOG_WARNING;
    }
    return log_level_cb(log_baton, level);
}

static void log_to_stderr(const char *file, int line, int level,
                          apr_status_t rv, const char *msg)
{
    char ebuf[256];

    if (rv != APR_SUCCESS) {
        apr_strerror(rv, ebuf, sizeof(ebuf));
        fprintf(stderr, "[%d] %s (%d: %s)\n", level, msg, (int)rv, ebuf);
    }
    else {
        fprintf(stderr, "[%d] %s\n", level, msg);
    }
    (void)file;
    (void)line;
}

void oxt_log_perror(const char *file, int line, int level, apr_status_t rv,
                    const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    if (!oxt_log_is_level(level)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_print_cb != NULL) {
        log_print_cb(file, line, level, rv, log_baton, msg);
    }
    else {
        log_to_stderr(file, line, level, rv, msg);
    }
}

static const char *const level_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    "trace1", "trace2"
};

apr_status_t oxt_log_level_parse(int *plevel, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *plevel = (int)i;
            return APR_SUCCESS;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *plevel = OXT_LOG_WARNING;
        return APR_SUCCESS;
    }
    return APR_EINVAL;
}
