/*
 * fuzz_form.c — libFuzzer harness for the urlencoded parser (query
 * strings and form bodies, lib/oxt_form.c) and the getters pages use on
 * its result. Built by `make fuzz` against the core.
 */
#include <stdint.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "oxt_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_form(const oxt_form_t *f, apr_pool_t *p)
{
    const oxt_form_field_t *fld;
    apr_array_header_t *ids;
    long long v;
    int i;

    for (i = 0; i < oxt_form_count(f); i++) {
        fld = oxt_form_field(f, i);
        if (strlen(fld->key) == 0) {
            __builtin_trap();          /* empty keys are refused */
        }
        (void)oxt_form_get(f, fld->key);
    }
    (void)oxt_form_values(f, "row", p);
    /* What the getters promise: a number in its range, positive ids. */
    if (oxt_form_int(&v, f, "page", 1, 1000000) == APR_SUCCESS
        && (v < 1 || v > 1000000)) {
        __builtin_trap();
    }
    if (oxt_form_ids(&ids, f, "row", p) == APR_SUCCESS) {
        for (i = 0; i < ids->nelts; i++) {
            if (APR_ARRAY_IDX(ids, i, long long) < 1) {
                __builtin_trap();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    static const oxt_form_limits_t small = { 1024, 16, 16, 64 };
    apr_pool_t *p;
    oxt_form_t *f;
    oxt_result_t *res;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    apr_pool_create(&p, NULL);
    res = oxt_result_make(p);
    if (oxt_form_parse(&f, (const char *)data, size, &oxt_form_query_limits,
                       res, p) == APR_SUCCESS) {
        use_form(f, p);
    }
    if (oxt_form_parse(&f, (const char *)data, size, &small, res,
                       p) == APR_SUCCESS) {
        use_form(f, p);
    }
    apr_pool_destroy(p);
    return 0;
}
