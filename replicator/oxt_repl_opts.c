/*
 * oxt_repl_opts.c — the options before the command and where the
 * configuration file is: one reading of a command line, shared by the
 * replicator and its event front (replicator/front/), which must agree on
 * which command a line names.
 */
#include <apr_env.h>

#include "oxt_repl.h"

#define DEFAULT_CONFIG "/etc/oxtender/oxtender.conf"

const apr_getopt_option_t oxt_repl_opts[] = {
    { "config", 'c', 1, "configuration file" },
    { "json", 'j', 0, "machine-readable output" },
    { "quiet", 'q', 0, "only errors" },
    { "help", 'h', 0, "this help" },
    { "version", 'V', 0, "print the version" },
    { NULL, 0, 0, NULL }
};

const char *oxt_repl_config_path(const char *given, apr_pool_t *p)
{
    char *env = NULL;

    if (given != NULL) {
        return given;
    }
    if (apr_env_get(&env, "OXTENDER_CONF", p) == APR_SUCCESS && *env) {
        return env;
    }
    return DEFAULT_CONFIG;
}

const char *oxt_repl_default_config(void)
{
    return DEFAULT_CONFIG;
}
