/*
 * fuzz_license.c — license keys and the licensing server's answers
 * (lib/oxt_license.c, lib/oxt_licsrv.c): the bounded key parser, the
 * signature check, the canonical writer it compares with, the terms, and
 * the answer parser with the key it carries.
 *
 * Input: byte 0 'A' for an answer, anything else for a key file; the rest
 * is the body. The seeds were signed with a key pair made for them (only
 * its public half is here), so the valid ones get past the signature to
 * the IP and expiry checks and into the writer.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_license.h"
#include "oxt_licsrv.h"

static const unsigned char fuzz_pub[OXT_LICENSE_PUBKEY_LEN] = {
    0xef, 0x1d, 0x29, 0x85, 0xdb, 0xc2, 0x1b, 0xe0, 0x5c, 0xc4, 0x7d, 0xa4,
    0xbf, 0x8e, 0x12, 0x6b, 0xfb, 0xf0, 0x79, 0xb5, 0xdc, 0x10, 0xb3, 0x61,
    0xfb, 0x45, 0x5b, 0x0c, 0xb0, 0xa7, 0x79, 0x30
};

/* Results go somewhere, so nothing is optimised away. */
static volatile size_t fuzz_sink;

static void fuzz_key(const char *text, size_t len, apr_pool_t *p)
{
    oxt_result_t *res = oxt_result_make(p);
    oxt_license_verdict_t v;
    oxt_license_key_t *key;
    oxt_license_terms_t terms;
    const char *body;

    if (oxt_license_check(&key, &v, text, len, fuzz_pub, "192.0.2.10",
                          "2025-06-15", res, p) == APR_SUCCESS) {
        fuzz_sink++;
    }
    fuzz_sink += (size_t)v + (res->detail ? strlen(res->detail) : 0);
    if (key == NULL) {
        return;
    }
    /* A key that parsed is written back to exactly its signed bytes. */
    if (oxt_license_body(&body, key, NULL, p) != APR_SUCCESS
        || strlen(body) != key->body_len
        || memcmp(body, key->body, key->body_len) != 0) {
        __builtin_trap();
    }
    oxt_license_terms(&terms, key);
    fuzz_sink += (size_t)terms.groupware_cap + strlen(key->number)
                 + strlen(key->ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *text;
    oxt_licsrv_answer_t *a;

    if (size == 0) {
        apr_pool_destroy(p);
        return 0;
    }
    /* A copy of exactly the input, so ASan sees any read past it. */
    text = apr_pmemdup(p, data + 1, size - 1);
    if (data[0] != 'A') {
        fuzz_key(text, size - 1, p);
    }
    else if (oxt_licsrv_answer_parse(&a, text, size - 1, NULL, p)
             == APR_SUCCESS) {
        fuzz_sink += strlen(a->message);
        if (a->ok) {
            fuzz_key(a->key, a->key_len, p);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
