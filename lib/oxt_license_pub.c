/*
 * oxt_license_pub.c — see oxt_license.h: the public key and the server's
 * address, as the configuration reads them.
 *
 * Apart from oxt_license.c, which verifies keys with libcrypto: the
 * configuration reader checks these two values, and the event front
 * reads the configuration without loading libcrypto (docs/architecture.md,
 * "The event front").
 */
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>

#include "oxt_license.h"
#include "oxt_status.h"

/* The vendor's key (docs/license.md, "The public key"): a build for
 * another vendor replaces these bytes; license_public_key overrides them
 * at run time. */
static const unsigned char builtin_pubkey[OXT_LICENSE_PUBKEY_LEN] = {
    0x83, 0x12, 0xc4, 0x0a, 0x31, 0x7a, 0xc7, 0xb5, 0x31, 0x66, 0x4b, 0xbd,
    0x0b, 0xb4, 0x59, 0x51, 0xde, 0xf9, 0xb8, 0xde, 0x01, 0x56, 0x59, 0xd6,
    0xfd, 0x48, 0x43, 0x0c, 0x3e, 0x58, 0xb3, 0x77
};

const char *oxt_license_ip_canonical(const char *ip, apr_pool_t *p)
{
    unsigned char addr[16];
    char out[INET6_ADDRSTRLEN];
    int af = strchr(ip, ':') ? AF_INET6 : AF_INET;

    if (strlen(ip) >= sizeof(out) || inet_pton(af, ip, addr) != 1
        || inet_ntop(af, addr, out, sizeof(out)) == NULL) {
        return NULL;
    }
    return apr_pstrdup(p, out);
}

/* ---- the public key ----------------------------------------------------- */

/* The value of a base64 digit, -1 for anything else. */
static int pub_digit(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A'
         : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52
         : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The 32 bytes of 43 base64 digits (and their '=', checked by the
 * caller). Decoded here rather than by apr-util's apr_base64: the event
 * front reads the configuration, and this, with APR alone. */
static int pub_decode(unsigned char *out, const char *b64)
{
    unsigned v = 0;
    int i, bits = 0, n = 0, d;

    for (i = 0; i < 43; i++) {
        d = pub_digit(b64[i]);
        if (d < 0) {
            return 0;
        }
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    return n == OXT_LICENSE_PUBKEY_LEN;
}

const unsigned char *oxt_license_builtin_pubkey(void)
{
    return builtin_pubkey;
}

apr_status_t oxt_license_pubkey(const unsigned char **ppub, const char *b64,
                                oxt_result_t *res, apr_pool_t *p)
{
    unsigned char buf[OXT_LICENSE_PUBKEY_LEN + 3];
    unsigned char *out;

    if (b64 == NULL) {
        *ppub = builtin_pubkey;
        return APR_SUCCESS;
    }
    /* 32 bytes are 43 characters and one '=' of padding. */
    if (strlen(b64) != 44 || b64[43] != '=' || !pub_decode(buf, b64)) {
        return oxt_result_set(res, OXT_ECONFIG, "Configuration error",
                              "license_public_key must be the base64 of a"
                              " 32-byte Ed25519 public key");
    }
    out = apr_pmemdup(p, buf, OXT_LICENSE_PUBKEY_LEN);
    *ppub = out;
    return APR_SUCCESS;
}
