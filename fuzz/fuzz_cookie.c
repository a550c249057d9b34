/*
 * fuzz_cookie.c — libFuzzer harness for the Plesk session cookie parser
 * (oxt_session_cookie_get) and the client address behind a proxy
 * (oxt_session_client_addr): both read request headers as sent.
 *
 * The input is a Cookie header; its first line, when there is one, is
 * also used as an X-Forwarded-For header from a trusted proxy. What the
 * parsers accept must satisfy their contracts, or the harness aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_lib.h>

#include "oxt_session.h"

static apr_pool_t *root;

static void check_sid(const char *v)
{
    size_t n = strlen(v), i;

    if (n < OXT_SESSION_ID_MIN || n > OXT_SESSION_ID_MAX) {
        abort();
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(v[i]) && v[i] != ',' && v[i] != '-') {
            abort();
        }
    }
}

static void fuzz_addr(const char *header, apr_pool_t *p)
{
    apr_array_header_t *proxies = apr_array_make(p, 1, sizeof(const char *));
    const char *addr = NULL;

    APR_ARRAY_PUSH(proxies, const char *) = "127.0.0.1";
    if (oxt_session_client_addr(&addr, "127.0.0.1", header, proxies, p)
        == APR_SUCCESS && !oxt_session_addr_equal(addr, addr)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *header, *nl;
    const char *v = NULL;

    if (root == NULL) {
        apr_initialize();
        apr_pool_create(&root, NULL);
    }
    apr_pool_create(&p, root);
    header = apr_palloc(p, size + 1);
    memcpy(header, data, size);
    header[size] = '\0';
    if (oxt_session_cookie_get(&v, header, "PHPSESSID", p) == APR_SUCCESS) {
        check_sid(v);
    }
    nl = strchr(header, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    fuzz_addr(header, p);
    apr_pool_destroy(p);
    return 0;
}
