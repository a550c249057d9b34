/*
 * fuzz_sym.c — Plesk "sym" values ($AES-128-CBC$iv$ciphertext, read from
 * psa.accounts) in lib/oxt_crypto.c: the value parser, the decryption and
 * the check of a given password against it.
 *
 * Input: the stored value. A fixed key is used, so decryptions that get
 * past the parser produce noise the text check must refuse.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_crypto.h"

static const unsigned char fuzz_key[OXT_CRYPTO_PLESK_KEY_LEN] =
    "0123456789abcdef";

/* Results go somewhere, so nothing is optimised away. */
static volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *value = apr_pstrmemdup(p, (const char *)data, size);
    const char *plain;

    if (oxt_crypto_is_plesk_sym(value)
        && oxt_crypto_plesk_sym_decrypt(&plain, fuzz_key, value, NULL, p)
           == APR_SUCCESS) {
        fuzz_sink += strlen(plain);
    }
    if (oxt_crypto_password_check("sym", value, "guess", fuzz_key, p)
        == APR_SUCCESS) {
        fuzz_sink++;
    }
    apr_pool_destroy(p);
    return 0;
}
