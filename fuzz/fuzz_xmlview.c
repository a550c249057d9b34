/*
 * fuzz_xmlview.c — the pretty printer of the Communication Logs page
 * (lib/oxt_xmlview.c): it parses a stored SOAP exchange again, and the
 * response part came from whoever answered in OX's place. The input is
 * the stored text.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_xmlview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oxt_xmlview_t *v = oxt_xmlview_make((const char *)data, size, p);
    volatile size_t n = 0;
    int i;

    for (i = 0; i < v->lines->nelts; i++) {
        n += strlen(APR_ARRAY_IDX(v->lines, i, oxt_xmlview_line_t).text);
    }
    (void)n;
    apr_pool_destroy(p);
    return 0;
}
