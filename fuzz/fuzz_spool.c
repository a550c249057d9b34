/*
 * fuzz_spool.c — the event spool file reader of lib/oxt_event.c
 * (oxt_event_spool_parse, what oxt_event_spool_read reads). The input is
 * a spool file's bytes: anyone who can write to the spool directory
 * controls them.
 */
#include "oxt_event.h"

static int fuzz_visit(void *baton, const char *key, const char *value)
{
    (void)baton;
    (void)key;
    (void)value;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oxt_event_t *ev;

    if (oxt_event_spool_parse(&ev, (const char *)data, size, p)
        == APR_SUCCESS) {
        apr_table_do(fuzz_visit, NULL, ev->vars, NULL);
    }
    apr_pool_destroy(p);
    return 0;
}
