/*
 * test_crypto.c — password checks, Plesk sym values, sealed secrets.
 */
#include <string.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_unit.h"
#include "oxt_crypto.h"
#include "oxt_status.h"

static const unsigned char plesk_key[16] = "0123456789abcdef";

/* Builds a sym value the way Plesk does: AES-128-CBC, NUL padding. */
static const char *make_sym(const char *plain, apr_pool_t *p)
{
    unsigned char iv[16], buf[64] = { 0 }, out[64];
    char ivb[64], ctb[128];
    size_t len = strlen(plain), padded = (len / 16 + 1) * 16;
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    memset(iv, 7, sizeof(iv));
    memcpy(buf, plain, len);
    EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, plesk_key, iv);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_EncryptUpdate(ctx, out, &n, buf, (int)padded);
    EVP_EncryptFinal_ex(ctx, out + n, &fin);
    EVP_CIPHER_CTX_free(ctx);
    apr_base64_encode_binary(ivb, iv, 16);
    apr_base64_encode_binary(ctb, out, n + fin);
    return apr_pstrcat(p, "$AES-128-CBC$", ivb, "$", ctb, NULL);
}

START_TEST(plain_passwords_match_exactly)
{
    apr_pool_t *p = oxt_test_pool;

    ck_assert_int_eq(oxt_crypto_password_check("plain", "secret", "secret",
                                               NULL, p), APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_password_check("plain", "secret", "Secret",
                                               NULL, p), OXT_EAUTH);
    ck_assert_int_eq(oxt_crypto_password_check("plain", "secret", "secret ",
                                               NULL, p), OXT_EAUTH);
}
END_TEST

START_TEST(empty_or_missing_stored_passwords_never_match)
{
    apr_pool_t *p = oxt_test_pool;

    ck_assert_int_eq(oxt_crypto_password_check("plain", "", "", NULL, p),
                     OXT_EAUTH);
    ck_assert_int_eq(oxt_crypto_password_check("plain", NULL, "x", NULL, p),
                     OXT_EAUTH);
    ck_assert_int_eq(oxt_crypto_password_check("unknown", "x", "x", NULL, p),
                     OXT_EAUTH);
}
END_TEST

START_TEST(crypt_hashes_are_checked_with_libcrypt)
{
    struct crypt_data cd;
    const char *hash;

    memset(&cd, 0, sizeof(cd));
    hash = apr_pstrdup(oxt_test_pool,
                       crypt_r("hunter2", "$6$saltsalt$", &cd));
    ck_assert_int_eq(oxt_crypto_password_check("crypt", hash, "hunter2",
                                               NULL, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_password_check("crypt", hash, "hunter3",
                                               NULL, oxt_test_pool),
                     OXT_EAUTH);
}
END_TEST

/* Finding 3 of issue 8: a NULL type was "plain", and any crypt(3) scheme
 * (traditional DES included) was accepted. */
START_TEST(a_missing_type_or_an_unknown_crypt_scheme_never_matches)
{
    struct crypt_data cd;
    const char *des, *md5, *sha256;

    ck_assert_int_eq(oxt_crypto_password_check(NULL, "secret", "secret",
                                               NULL, oxt_test_pool),
                     OXT_EAUTH);
    memset(&cd, 0, sizeof(cd));
    des = apr_pstrdup(oxt_test_pool, crypt_r("hunter2", "ab", &cd));
    md5 = apr_pstrdup(oxt_test_pool, crypt_r("hunter2", "$1$salt$", &cd));
    sha256 = apr_pstrdup(oxt_test_pool,
                         crypt_r("hunter2", "$5$saltsalt$", &cd));
    ck_assert_int_eq(oxt_crypto_password_check("crypt", des, "hunter2",
                                               NULL, oxt_test_pool),
                     OXT_EAUTH);
    ck_assert_int_eq(oxt_crypto_password_check("crypt", md5, "hunter2",
                                               NULL, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_password_check("crypt", sha256, "hunter2",
                                               NULL, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_password_check("crypt", "$2y$10$abc",
                                               "$2y$10$abc", NULL,
                                               oxt_test_pool), OXT_EAUTH);
}
END_TEST

START_TEST(sym_values_decrypt_with_the_plesk_key)
{
    const char *sym = make_sym("mail-pw-1", oxt_test_pool);
    const char *plain = NULL;

    ck_assert(oxt_crypto_is_plesk_sym(sym));
    ck_assert_int_eq(oxt_crypto_plesk_sym_decrypt(&plain, plesk_key, sym,
                                                  NULL, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(plain, "mail-pw-1");
    ck_assert_int_eq(oxt_crypto_password_check("sym", sym, "mail-pw-1",
                                               plesk_key, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_password_check("sym", sym, "mail-pw-1",
                                               NULL, oxt_test_pool),
                     OXT_ECRYPTO);
}
END_TEST

START_TEST(a_wrong_plesk_key_is_noticed_not_turned_into_a_password)
{
    static const unsigned char other[16] = "fedcba9876543210";
    const char *sym = make_sym("mail-pw-1", oxt_test_pool);
    const char *plain = NULL;

    ck_assert_int_eq(oxt_crypto_plesk_sym_decrypt(&plain, other, sym, NULL,
                                                  oxt_test_pool),
                     OXT_ECRYPTO);
    ck_assert_int_eq(oxt_crypto_password_check("sym", sym, "mail-pw-1",
                                               other, oxt_test_pool),
                     OXT_ECRYPTO);
}
END_TEST

START_TEST(malformed_sym_values_are_refused)
{
    static const char *const bad[] = {
        "$AES-128-CBC$", "$AES-128-CBC$abc", "$AES-128-CBC$!!!$AAAA",
        "$AES-128-CBC$BwcHBwcHBwcHBwcHBwcHBw==$AAAA",
        "$DES$x$y", "plain",
    };
    const char *plain;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(oxt_crypto_plesk_sym_decrypt(&plain, plesk_key,
                                                      bad[i], NULL,
                                                      oxt_test_pool),
                         OXT_ECRYPTO);
    }
}
END_TEST

START_TEST(sealed_secrets_round_trip_and_detect_tampering)
{
    unsigned char key[32], other[32];
    const char *sealed, *again, *plain;
    char *bad;

    memset(key, 1, sizeof(key));
    memset(other, 2, sizeof(other));
    ck_assert_int_eq(oxt_crypto_seal(&sealed, key, "ctx-admin-pw", NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(strstr(sealed, "ctx-admin-pw"));
    ck_assert_int_eq(oxt_crypto_seal(&again, key, "ctx-admin-pw", NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_str_ne(sealed, again);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, sealed, NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(plain, "ctx-admin-pw");
    ck_assert_int_eq(oxt_crypto_open(&plain, other, sealed, NULL,
                                     oxt_test_pool), OXT_ECRYPTO);
    bad = apr_pstrdup(oxt_test_pool, sealed);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(oxt_crypto_open(&plain, key, bad, NULL, oxt_test_pool),
                     OXT_ECRYPTO);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, "v1:", NULL,
                                     oxt_test_pool), OXT_ECRYPTO);
}
END_TEST

TCase *oxt_crypto_test_case(void)
{
    TCase *tc = oxt_unit_tcase("crypto");

    tcase_add_test(tc, plain_passwords_match_exactly);
    tcase_add_test(tc, empty_or_missing_stored_passwords_never_match);
    tcase_add_test(tc, crypt_hashes_are_checked_with_libcrypt);
    tcase_add_test(tc,
                   a_missing_type_or_an_unknown_crypt_scheme_never_matches);
    tcase_add_test(tc, sym_values_decrypt_with_the_plesk_key);
    tcase_add_test(tc, malformed_sym_values_are_refused);
    tcase_add_test(tc,
                   a_wrong_plesk_key_is_noticed_not_turned_into_a_password);
    tcase_add_test(tc, sealed_secrets_round_trip_and_detect_tampering);
    return tc;
}
