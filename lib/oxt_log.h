/*
 * oxt_log.h — logging of the core through sinks the host installs.
 *
 * The core never decides where a line goes: the module forwards to
 * ap_log_error, the replicator to stderr, tests to a buffer. Every message
 * starts with a tag OXTnnnnn (see docs/log-message-tags/README.md) so tests
 * and admins can find it; numbers are never reused.
 */
#ifndef OXT_LOG_H
#define OXT_LOG_H

#include <stdarg.h>
#include <apr_pools.h>
#include <apr_errno.h>

/* Levels follow syslog and httpd's APLOG_* values, so the module maps 1:1. */
typedef enum {
    OXT_LOG_EMERG = 0,
    OXT_LOG_ALERT,
    OXT_LOG_CRIT,
    OXT_LOG_ERR,
    OXT_LOG_WARNING,
    OXT_LOG_NOTICE,
    OXT_LOG_INFO,
    OXT_LOG_DEBUG,
    OXT_LOG_TRACE1,
    OXT_LOG_TRACE2
} oxt_log_level_t;

#define OXTLOGNO(n)       "OXT" #n ": "
#define OXT_LOG_MARK      __FILE__, __LINE__

/** Asked before formatting: is this level wanted at all? */
typedef int oxt_log_level_cb(void *baton, int level);

/** Writes one formatted line; rv is APR_SUCCESS when there is no error. */
typedef void oxt_log_print_cb(const char *file, int line, int level,
                              apr_status_t rv, void *baton,
                              const char *msg);

/**
 * Installs the sinks. Call once at start-up, before threads start. With no
 * sinks installed, messages at OXT_LOG_WARNING and above go to stderr.
 */
void oxt_log_set(oxt_log_level_cb *level_cb, oxt_log_print_cb *print_cb,
                 void *baton);

/** True when a message at level would be written. */
int oxt_log_is_level(int level);

/**
 * Formats and writes one message. The text is formatted into a bounded
 * stack buffer (long messages are cut, never allocated), so it is safe to
 * call from any thread and without a pool.
 */
void oxt_log_perror(const char *file, int line, int level, apr_status_t rv,
                    const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/** Parses "error", "warn", "info", "debug", ... into a level. */
apr_status_t oxt_log_level_parse(int *plevel, const char *name);

#endif /* OXT_LOG_H */
