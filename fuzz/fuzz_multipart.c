/*
 * fuzz_multipart.c — libFuzzer harness for the multipart/form-data parser
 * of the license-key upload (lib/oxt_form.c). The input is a Content-Type
 * header value, a line feed, then the body. Built by `make fuzz`.
 */
#include <stdint.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "oxt_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_parts(const apr_array_header_t *parts, const char *body,
                      size_t size, apr_pool_t *p)
{
    const oxt_part_t *part;
    const char *text;
    int i;

    for (i = 0; i < parts->nelts; i++) {
        part = &APR_ARRAY_IDX(parts, i, oxt_part_t);
        /* Every part lies inside the body. */
        if (part->data < body || part->len > size
            || part->data + part->len > body + size) {
            __builtin_trap();
        }
        if (oxt_multipart_text(&text, part, 4096, p) == APR_SUCCESS
            && strlen(text) > 4096) {
            __builtin_trap();              /* the cap holds */
        }
        (void)oxt_multipart_get(parts, part->name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    const char *nl = memchr(data, '\n', size), *boundary, *body;
    apr_pool_t *p;
    apr_array_header_t *parts;
    size_t body_len;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    if (nl == NULL) {
        return 0;
    }
    apr_pool_create(&p, NULL);
    body = nl + 1;
    body_len = size - (size_t)(body - (const char *)data);
    if (oxt_multipart_boundary(&boundary,
                               apr_pstrmemdup(p, (const char *)data,
                                              (size_t)(nl - (const char *)
                                                       data)),
                               NULL, p) == APR_SUCCESS
        && oxt_multipart_parse(&parts, body, body_len, boundary,
                               &oxt_multipart_upload_limits, NULL,
                               p) == APR_SUCCESS) {
        use_parts(parts, body, body_len, p);
    }
    apr_pool_destroy(p);
    return 0;
}
