/*
 * fuzz_event.c — Plesk event input to lib/oxt_event.c: the event name, the
 * NEW_* and OLD_* environment variables (Plesk 9.5+) and the "key=value"
 * arguments of the older template form.
 *
 * Input: NUL-separated fields. The first is the event name; then
 * environment entries ("KEY=value") until an empty field; the rest are
 * the arguments.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_event.h"

#define FUZZ_MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *env[FUZZ_MAX_FIELDS + 1], *argv[FUZZ_MAX_FIELDS];
    char *text = apr_pstrmemdup(p, (const char *)data, size);
    char *end = text + size, *s = text;
    const char *name;
    int nenv = 0, nargs = 0, in_env = 1;
    oxt_event_t *ev;

    name = s;
    s += strlen(s) + 1;
    while (s < end && nenv < FUZZ_MAX_FIELDS && nargs < FUZZ_MAX_FIELDS) {
        if (in_env && *s == '\0') {
            in_env = 0;
        }
        else if (in_env) {
            env[nenv++] = s;
        }
        else {
            argv[nargs++] = s;
        }
        s += strlen(s) + 1;
    }
    env[nenv] = NULL;
    if (oxt_event_make_env(&ev, name, nargs, argv, env, p) == APR_SUCCESS) {
        fuzz_table_walk(ev->vars);
    }
    apr_pool_destroy(p);
    return 0;
}
