/*
 * fuzz_config.c — the configuration file parser of lib/oxt_config.c
 * (oxt_config_parse, the text oxt_config_load reads). The input is the
 * file's text.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    oxt_config_t *cfg;
    oxt_result_t *res = oxt_result_make(p);
    const char *text = apr_pstrmemdup(p, (const char *)data, size);

    if (oxt_config_parse(&cfg, text, "fuzz.conf", res, p) != APR_SUCCESS) {
        (void)oxt_result_text(res, p);
    }
    apr_pool_destroy(p);
    return 0;
}
