/*
 * fuzz_basic.c — libFuzzer harness for HTTP Basic credentials and the
 * shape of a login (oxt_login_basic_parse, oxt_login_check): the login
 * normalisation that keeps invalid UTF-8 and text outside MySQL's utf8
 * collation away from the database.
 *
 * The input is tried three ways: as the Authorization header itself, as
 * the credentials inside a well-formed "Basic <base64>" header (so the
 * fuzzer reaches the login rules without having to learn base64), and as
 * a login. Whatever is accepted must satisfy the contracts of
 * oxt_login.h, or the harness aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_login.h"

static apr_pool_t *root;

/* A login accepted by oxt_login_check: bounded, no control bytes, no
 * byte that starts a four-byte sequence, no blank at either end. */
static void check_login(const char *login)
{
    size_t n = strlen(login), i;

    if (n == 0 || n > OXT_LOGIN_MAX || login[0] == ' '
        || login[n - 1] == ' ') {
        abort();
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)login[i];

        if (c < 0x20 || c == 0x7f || c >= 0xf0) {
            abort();
        }
    }
}

static void try_header(const char *header, apr_pool_t *p)
{
    const char *user = NULL, *pass = NULL;

    if (oxt_login_basic_parse(&user, &pass, header, p) != APR_SUCCESS) {
        return;
    }
    if (*user == '\0' || strchr(user, ':') != NULL
        || strlen(pass) > OXT_LOGIN_PASSWORD_MAX) {
        abort();
    }
    if (oxt_login_check(user) == APR_SUCCESS) {
        check_login(user);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *text, *b64;

    if (root == NULL) {
        apr_initialize();
        apr_pool_create(&root, NULL);
    }
    apr_pool_create(&p, root);
    text = apr_palloc(p, size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    try_header(text, p);
    if (size < 4096) {
        b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)size));
        apr_base64_encode_binary(b64, data, (int)size);
        try_header(apr_pstrcat(p, "Basic ", b64, NULL), p);
    }
    if (oxt_login_check(text) == APR_SUCCESS) {
        check_login(text);
    }
    apr_pool_destroy(p);
    return 0;
}
