/*
 * fuzz_spool.c — the event spool file reader of lib/oxt_event.c
 * (oxt_event_spool_parse, what oxt_event_spool_read reads). The input is
 * a spool file's bytes: anyone who can write to the spool directory
 * controls them.
 */
#include "oxt_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oxt_event_t *ev;

    if (oxt_event_spool_parse(&ev, (const char *)data, size, p)
        == APR_SUCCESS) {
        fuzz_table_walk(ev->vars);
    }
    apr_pool_destroy(p);
    return 0;
}
