/*
 * fuzz_hintmsg.c — a handler's message to the daemon's socket
 * (oxt_event_msg_parse of lib/oxt_event.c, read by
 * replicator/oxt_repl_hints.c): whoever can connect to the socket
 * controls the bytes. Byte 0, bit 0: the sender has shut down its side;
 * the rest: what it sent.
 */
#include "oxt_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    oxt_event_t *ev;

    if (size == 0) {
        return 0;
    }
    p = fuzz_pool();
    if (oxt_event_msg_parse(&ev, (const char *)data + 1, size - 1,
                            data[0] & 1, p) == APR_SUCCESS) {
        fuzz_table_walk(ev->vars);
        (void)oxt_event_spool_text(ev, p);
    }
    apr_pool_destroy(p);
    return 0;
}
