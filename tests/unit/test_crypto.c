/*
 * test_crypto.c — password checks, Plesk sym values, sealed secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_unit.h"
#include "oxt_crypto.h"
#include "oxt_status.h"
#include "oxt_log.h"

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

#define ROW_A "domain_state:1:admin_password"
#define ROW_B "domain_state:2:admin_password"

START_TEST(sealed_secrets_round_trip_and_detect_tampering)
{
    unsigned char key[32], other[32];
    const char *sealed, *again, *plain;
    char *bad;

    memset(key, 1, sizeof(key));
    memset(other, 2, sizeof(other));
    ck_assert_int_eq(oxt_crypto_seal(&sealed, key, ROW_A, "ctx-admin-pw",
                                     NULL, oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(strstr(sealed, "ctx-admin-pw"));
    ck_assert(strncmp(sealed, "v2:", 3) == 0);
    ck_assert_int_eq(oxt_crypto_seal(&again, key, ROW_A, "ctx-admin-pw",
                                     NULL, oxt_test_pool), APR_SUCCESS);
    ck_assert_str_ne(sealed, again);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, ROW_A, sealed, NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(plain, "ctx-admin-pw");
    ck_assert_int_eq(oxt_crypto_open(&plain, other, ROW_A, sealed, NULL,
                                     oxt_test_pool), OXT_ECRYPTO);
    bad = apr_pstrdup(oxt_test_pool, sealed);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(oxt_crypto_open(&plain, key, ROW_A, bad, NULL,
                                     oxt_test_pool), OXT_ECRYPTO);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, ROW_A, "v2:", NULL,
                                     oxt_test_pool), OXT_ECRYPTO);
    ck_assert_int_eq(oxt_crypto_seal(&again, key, "", "x", NULL,
                                     oxt_test_pool), APR_EINVAL);
}
END_TEST

/* A value copied into another row (say, one domain's context admin
 * password into another's) must not open there. */
START_TEST(a_sealed_value_opens_only_in_its_own_row)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    unsigned char key[32];
    const char *sealed, *plain = NULL;

    memset(key, 1, sizeof(key));
    ck_assert_int_eq(oxt_crypto_seal(&sealed, key, ROW_A, "pw-of-1", NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, ROW_B, sealed, res,
                                     oxt_test_pool), OXT_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(res->detail, "sealed for another row"));
    ck_assert_int_eq(oxt_crypto_open(&plain, key, "settings:ox_password",
                                     sealed, NULL, oxt_test_pool),
                     OXT_ECRYPTO);
    ck_assert_int_eq(oxt_crypto_open(&plain, key, NULL, sealed, NULL,
                                     oxt_test_pool), APR_EINVAL);
}
END_TEST

/* Made by the sealing of before issue 8 (key: 32 bytes of 1, no row). */
static const char v1_ctx[] =
    "v1:LVsrZ1/QVB91sWiCrSUzvhXWOuVxTzEr0lyotPsU0nBOYKwKL11LVdU=";

START_TEST(values_sealed_the_old_way_open_only_for_conversion)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    unsigned char key[32];
    const char *plain = NULL;

    memset(key, 1, sizeof(key));
    ck_assert(oxt_crypto_is_v1(v1_ctx));
    ck_assert_int_eq(oxt_crypto_open_v1(&plain, key, v1_ctx, NULL,
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(plain, "legacy-ctx-pw");
    /* The ordinary path refuses them and says what to do. */
    ck_assert_int_eq(oxt_crypto_open(&plain, key, ROW_A, v1_ctx, res,
                                     oxt_test_pool), OXT_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(res->detail, "run oxtender-replicator"
                                 " migrate"));
}
END_TEST

static const char *hex(const unsigned char *b, apr_size_t n)
{
    char *out = apr_palloc(oxt_test_pool, 2 * n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
    return out;
}

/* HKDF-SHA256, no salt, info = label; the expected values were computed
 * independently from RFC 5869 with Python's hmac module. */
START_TEST(keys_are_derived_per_purpose_with_hkdf)
{
    unsigned char master[32], seal[32], fp[32];

    memset(master, 1, sizeof(master));
    ck_assert_int_eq(oxt_crypto_derive(seal, master, OXT_CRYPTO_LABEL_SEAL),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_derive(fp, master,
                                       OXT_CRYPTO_LABEL_FINGERPRINT),
                     APR_SUCCESS);
    ck_assert_str_eq(hex(seal, 32), "6acebbed7c914a1a22271312a7c291f4"
                                    "81366367a62bebcf7816ac9226172165");
    ck_assert_str_eq(hex(fp, 32), "c3083b723f15d5f5194a9d5fbb5b35e7"
                                  "863c9f1496e6e9274eab33ecfd04691b");
}
END_TEST

/* ---- Plesk's key missing ------------------------------------------------ */

static int told_count;

static int count_level(void *baton, int level)
{
    (void)baton;
    return level <= OXT_LOG_ERR;
}

static void count_print(const char *file, int line, int level,
                        apr_status_t rv, void *baton, const char *msg)
{
    (void)file; (void)line; (void)level; (void)rv; (void)baton;
    told_count += strstr(msg, "OXT00350") != NULL;
}

START_TEST(a_sym_check_without_plesk_key_is_logged_once_per_process)
{
    const char *sym = make_sym("secret", oxt_test_pool);
    int i;

    oxt_log_set(count_level, count_print, NULL);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(oxt_crypto_password_check("sym", sym, "secret",
                                                   NULL, oxt_test_pool),
                         OXT_ECRYPTO);
    }
    oxt_log_set(NULL, NULL, NULL);
    ck_assert_int_eq(told_count, 1);
}
END_TEST

/* ---- key files ---------------------------------------------------------- */

static const char *key_file(const char *dir, const char *name, apr_size_t len,
                            mode_t mode)
{
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/", name, NULL);
    unsigned char buf[64];
    FILE *f = fopen(path, "wb");

    memset(buf, 0x5a, sizeof(buf));
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

START_TEST(key_files_others_could_read_or_replace_are_refused)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-key-XXXXXX");
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const unsigned char *key;
    const char *good, *loose, *link;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    good = key_file(dir, "good", 32, 0640);
    loose = key_file(dir, "loose", 32, 0644);
    link = apr_pstrcat(oxt_test_pool, dir, "/link", NULL);
    ck_assert_int_eq(symlink(good, link), 0);
    ck_assert_int_eq(oxt_crypto_key_load(&key, good, 32, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(key[0], 0x5a);
    ck_assert_int_eq(oxt_crypto_key_load(&key, loose, 32, res,
                                         oxt_test_pool), OXT_ECONFIG);
    ck_assert_str_eq(res->problem, "Unsafe key file");
    ck_assert_ptr_nonnull(strstr(res->detail, "is readable by everyone"
                                 " (mode 0644); fix: chmod 0640"));
    ck_assert_int_eq(oxt_crypto_key_load(&key, link, 32, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is a symbolic link"));
    ck_assert_int_eq(oxt_crypto_key_load(&key, good, 16, res, oxt_test_pool),
                     OXT_ECRYPTO);
    ck_assert_str_eq(res->problem, "Unusable key file");
    /* Plesk's key belongs to Plesk's user: the owner is not ours to
     * judge, the mode and symlinks are. */
    key_file(dir, "plesk", 16, 0600);
    if (geteuid() == 0) {
        ck_assert_int_eq(chown(apr_pstrcat(oxt_test_pool, dir, "/plesk",
                                           NULL), 65534, 65534), 0);
    }
    ck_assert_int_eq(oxt_crypto_plesk_key_load(&key, apr_pstrcat(
        oxt_test_pool, dir, "/plesk", NULL), res, oxt_test_pool),
        APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_plesk_key_load(&key, loose, res,
                                               oxt_test_pool), OXT_ECONFIG);
    ck_assert_int_eq(system(apr_psprintf(oxt_test_pool, "rm -rf '%s'", dir)),
                     0);
}
END_TEST

/* Registered before the key, so it runs after the key's own cleanup. */
static apr_status_t peek_key(void *data)
{
    unsigned char **pk = data;
    int i, sum = 0;

    for (i = 0; i < 32; i++) {
        sum |= (*pk)[i];
    }
    *pk = sum == 0 ? NULL : *pk;
    return APR_SUCCESS;
}

static const char *hex32(const unsigned char *b)
{
    static char out[65];
    int i;

    for (i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
    return out;
}

/* RFC 4231's cases 2 (a short key) and 6 (one longer than a block), and
 * the same sums as a key set per call for every length around a block. */
START_TEST(a_key_set_once_gives_the_hmac_of_every_call)
{
    oxt_crypto_fp_t *fp;
    unsigned char key[131], a[32], b[32];
    char data[200];
    int n;

    ck_assert_int_eq(oxt_crypto_fp_make(&fp, (const unsigned char *)"Jefe",
                                        4, oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_fp_sum(fp, a, "what do ya want for nothing?"),
                     APR_SUCCESS);
    ck_assert_str_eq(hex32(a), "5bdcc146bf60754e6a042426089575c7"
                               "5a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof(key));
    ck_assert_int_eq(oxt_crypto_fp_make(&fp, key, sizeof(key),
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_crypto_fp_sum(fp, a, "Test Using Larger Than"
                                       " Block-Size Key - Hash Key First"),
                     APR_SUCCESS);
    ck_assert_str_eq(hex32(a), "60e431591ee0b67f0d8a26aacbf5b77f"
                               "8e0bc6213728c5140546040f0ee37f54");
    ck_assert_int_eq(oxt_crypto_fp_make(&fp, key, 32, oxt_test_pool),
                     APR_SUCCESS);
    for (n = 0; n < (int)sizeof(data); n++) {
        memset(data, 'a' + n % 26, (size_t)n);
        data[n] = '\0';
        ck_assert_int_eq(oxt_crypto_fp_sum(fp, a, data), APR_SUCCESS);
        ck_assert_int_eq(oxt_crypto_fingerprint(b, key, 32, data),
                         APR_SUCCESS);
        ck_assert_mem_eq(a, b, 32);
    }
}
END_TEST

START_TEST(key_buffers_are_zeroed_when_their_pool_goes)
{
    apr_pool_t *p;
    unsigned char *key = NULL;
    unsigned char **pk = &key;

    apr_pool_create(&p, oxt_test_pool);
    apr_pool_cleanup_register(p, pk, peek_key, apr_pool_cleanup_null);
    key = oxt_crypto_key_alloc(32, p);
    memset(key, 0xa5, 32);
    apr_pool_destroy(p);
    ck_assert_ptr_null(key);        /* peek_key saw only zeros */
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
    tcase_add_test(tc, a_sealed_value_opens_only_in_its_own_row);
    tcase_add_test(tc, values_sealed_the_old_way_open_only_for_conversion);
    tcase_add_test(tc, keys_are_derived_per_purpose_with_hkdf);
    tcase_add_test(tc, key_files_others_could_read_or_replace_are_refused);
    tcase_add_test(tc, key_buffers_are_zeroed_when_their_pool_goes);
    tcase_add_test(tc, a_key_set_once_gives_the_hmac_of_every_call);
    tcase_add_test(tc,
                   a_sym_check_without_plesk_key_is_logged_once_per_process);
    return tc;
}
