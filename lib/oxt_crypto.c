/*
 * oxt_crypto.c — see oxt_crypto.h. OpenSSL's libcrypto does the ciphers
 * (docs/architecture.md, "Dependencies"); libcrypt checks crypt(3) hashes.
 */
#include <stdatomic.h>
#include <string.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include <apr_file_io.h>
#include <apr_lib.h>

#include "oxt_crypto.h"
#include "oxt_status.h"
#include "oxt_util.h"
#include "oxt_log.h"

#define PLESK_SYM_PREFIX "$AES-128-CBC$"
#define SEAL_PREFIX      "v2:"
#define SEAL_PREFIX_V1   "v1:"
#define SEAL_NONCE_LEN   12
#define SEAL_TAG_LEN     16
/* No secret we handle is anywhere near this long; the cap bounds work on
 * hostile input. */
#define SECRET_MAX_LEN   4096

apr_status_t oxt_crypto_random(unsigned char *buf, apr_size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? APR_SUCCESS : OXT_ECRYPTO;
}

apr_status_t oxt_crypto_fingerprint(unsigned char *out,
                                    const unsigned char *key,
                                    apr_size_t keylen, const char *data)
{
    unsigned int len = 0;

    if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
             strlen(data), out, &len) == NULL || len != 32) {
        return OXT_ECRYPTO;
    }
    return APR_SUCCESS;
}

/* RFC 2104 with SHA-256: H((K ^ opad) || H((K ^ ipad) || data)), the key's
 * blocks hashed once into inner and outer. */
#define FP_BLOCK 64

struct oxt_crypto_fp_t {
    EVP_MD_CTX *inner, *outer;      /* after the key's block */
    EVP_MD_CTX *work;               /* scratch of each sum */
};

static apr_status_t fp_cleanup(void *data)
{
    oxt_crypto_fp_t *fp = data;

    EVP_MD_CTX_free(fp->inner);     /* cleanses the states */
    EVP_MD_CTX_free(fp->outer);
    EVP_MD_CTX_free(fp->work);
    return APR_SUCCESS;
}

apr_status_t oxt_crypto_fp_make(oxt_crypto_fp_t **pfp,
                                const unsigned char *key, apr_size_t keylen,
                                apr_pool_t *p)
{
    oxt_crypto_fp_t *fp = apr_pcalloc(p, sizeof(*fp));
    unsigned char k[FP_BLOCK], ipad[FP_BLOCK], opad[FP_BLOCK];
    unsigned int klen = 0;
    int ok, i;

    apr_pool_cleanup_register(p, fp, fp_cleanup, apr_pool_cleanup_null);
    memset(k, 0, sizeof(k));
    ok = 1;
    if (keylen > FP_BLOCK) {          /* a longer key is hashed first */
        ok = EVP_Digest(key, keylen, k, &klen, EVP_sha256(), NULL) == 1;
    }
    else {
        memcpy(k, key, keylen);
    }
    for (i = 0; i < FP_BLOCK; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    fp->inner = EVP_MD_CTX_new();
    fp->outer = EVP_MD_CTX_new();
    fp->work = EVP_MD_CTX_new();
    ok = ok && fp->inner && fp->outer && fp->work
         && EVP_DigestInit_ex(fp->inner, EVP_sha256(), NULL) == 1
         && EVP_DigestUpdate(fp->inner, ipad, FP_BLOCK) == 1
         && EVP_DigestInit_ex(fp->outer, EVP_sha256(), NULL) == 1
         && EVP_DigestUpdate(fp->outer, opad, FP_BLOCK) == 1;
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(ipad, sizeof(ipad));
    OPENSSL_cleanse(opad, sizeof(opad));
    if (!ok) {
        return OXT_ECRYPTO;
    }
    *pfp = fp;
    return APR_SUCCESS;
}

apr_status_t oxt_crypto_fp_sum(oxt_crypto_fp_t *fp, unsigned char *out,
                               const char *data)
{
    unsigned char h[32];
    unsigned int n = 0, m = 0;
    int ok;

    ok = EVP_MD_CTX_copy_ex(fp->work, fp->inner) == 1
         && EVP_DigestUpdate(fp->work, data, strlen(data)) == 1
         && EVP_DigestFinal_ex(fp->work, h, &n) == 1 && n == sizeof(h)
         && EVP_MD_CTX_copy_ex(fp->work, fp->outer) == 1
         && EVP_DigestUpdate(fp->work, h, sizeof(h)) == 1
         && EVP_DigestFinal_ex(fp->work, out, &m) == 1 && m == 32;
    OPENSSL_cleanse(h, sizeof(h));
    return ok ? APR_SUCCESS : OXT_ECRYPTO;
}

int oxt_crypto_str_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la != lb) {
        return 0;
    }
    return CRYPTO_memcmp(a, b, la) == 0;
}

typedef struct {
    unsigned char *buf;
    apr_size_t len;
} key_buf_t;

static apr_status_t key_cleanse(void *data)
{
    key_buf_t *kb = data;

    OPENSSL_cleanse(kb->buf, kb->len);
    return APR_SUCCESS;
}

unsigned char *oxt_crypto_key_alloc(apr_size_t len, apr_pool_t *p)
{
    key_buf_t *kb = apr_palloc(p, sizeof(*kb));

    kb->buf = apr_pcalloc(p, len ? len : 1);
    kb->len = len;
    apr_pool_cleanup_register(p, kb, key_cleanse, apr_pool_cleanup_null);
    return kb->buf;
}

/* flags: OXT_FILE_PRIVATE for our own key; Plesk's belongs to Plesk's
 * user, so only its type and mode are checked. */
static apr_status_t key_read(const unsigned char **pkey, const char *path,
                             apr_size_t len, int flags, oxt_result_t *res,
                             apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    unsigned char *key;
    char *buf;
    apr_size_t got = 0;
    apr_status_t rv;

    rv = oxt_util_file_read_checked(&buf, &got, path, len + 1, flags, why,
                                    p);
    if (rv == OXT_ECONFIG) {
        return oxt_result_set(res, rv, "Unsafe key file", "%s", why->detail);
    }
    if (rv != APR_SUCCESS && rv != APR_EINVAL) {
        return oxt_result_set(res, rv, "Cannot read key file", "%s",
                              why->detail);
    }
    if (rv == APR_SUCCESS && got == len) {
        key = oxt_crypto_key_alloc(len, p);
        memcpy(key, buf, len);
        *pkey = key;
    }
    if (rv == APR_SUCCESS) {
        OPENSSL_cleanse(buf, got);
    }
    if (rv != APR_SUCCESS || got != len) {
        return oxt_result_set(res, OXT_ECRYPTO, "Unusable key file",
                              "%s: expected %" APR_SIZE_T_FMT " bytes", path,
                              len);
    }
    return APR_SUCCESS;
}

apr_status_t oxt_crypto_key_load(const unsigned char **pkey, const char *path,
                                 apr_size_t len, oxt_result_t *res,
                                 apr_pool_t *p)
{
    return key_read(pkey, path, len, OXT_FILE_PRIVATE, res, p);
}

apr_status_t oxt_crypto_plesk_key_load(const unsigned char **pkey,
                                       const char *path, oxt_result_t *res,
                                       apr_pool_t *p)
{
    return key_read(pkey, path, OXT_CRYPTO_PLESK_KEY_LEN, OXT_FILE_MODE, res,
                    p);
}

/* ---- base64 --------------------------------------------------------------- */

static apr_status_t b64_decode(unsigned char **pout, int *plen,
                               const char *in, apr_size_t inlen,
                               apr_pool_t *p)
{
    char *copy = apr_pstrmemdup(p, in, inlen);
    unsigned char *out;
    size_t i;

    for (i = 0; i < inlen; i++) {
        if (!(apr_isalnum(copy[i]) || copy[i] == '+' || copy[i] == '/'
              || copy[i] == '=')) {
            return OXT_ECRYPTO;
        }
    }
    out = apr_palloc(p, (apr_size_t)apr_base64_decode_len(copy) + 1);
    *plen = apr_base64_decode_binary(out, copy);
    *pout = out;
    return APR_SUCCESS;
}

static const char *b64_encode(const unsigned char *in, int len, apr_pool_t *p)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len(len));

    apr_base64_encode_binary(out, in, len);
    return out;
}

/* ---- Plesk sym ------------------------------------------------------------ */

int oxt_crypto_is_plesk_sym(const char *value)
{
    return value != NULL
        && strncmp(value, PLESK_SYM_PREFIX, strlen(PLESK_SYM_PREFIX)) == 0;
}

static apr_size_t strip_padding(const unsigned char *buf, apr_size_t len)
{
    unsigned char n;
    apr_size_t i;

    /* PKCS#7: the last n bytes all equal n. */
    n = len ? buf[len - 1] : 0;
    if (n >= 1 && n <= 16 && n <= len) {
        for (i = len - n; i < len && buf[i] == n; i++) {
        }
        if (i == len) {
            len -= n;
        }
    }
    /* Plesk itself pads with NULs. */
    while (len > 0 && buf[len - 1] == '\0') {
        len--;
    }
    return len;
}

/* Valid UTF-8 without control characters. */
static int plain_is_text(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, n, k;

    while (i < len) {
        if (s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
        n = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 && s[i] >= 0xC2 ? 2
          : (s[i] & 0xF0) == 0xE0 ? 3
          : (s[i] & 0xF8) == 0xF0 && s[i] <= 0xF4 ? 4 : 0;
        if (n == 0 || i + n > len) {
            return 0;
        }
        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        i += n;
    }
    return 1;
}

static apr_status_t aes128cbc_decrypt(unsigned char *out, int *poutlen,
                                      const unsigned char *key,
                                      const unsigned char *iv,
                                      const unsigned char *ct, int ctlen)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok;

    if (ctx == NULL) {
        return APR_ENOMEM;
    }
    ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv) == 1
        && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1
        && EVP_DecryptUpdate(ctx, out, &n, ct, ctlen) == 1
        && EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    *poutlen = n + fin;
    return ok ? APR_SUCCESS : OXT_ECRYPTO;
}

apr_status_t oxt_crypto_plesk_sym_decrypt(const char **pplain,
                                          const unsigned char *key,
                                          const char *value,
                                          oxt_result_t *res, apr_pool_t *p)
{
    const char *ivb64, *ctb64;
    unsigned char *iv, *ct, *out;
    int ivlen, ctlen, outlen;

    if (!oxt_crypto_is_plesk_sym(value) || strlen(value) > SECRET_MAX_LEN) {
        return oxt_result_set(res, OXT_ECRYPTO, "Unreadable password",
                              "not a Plesk sym value");
    }
    ivb64 = value + strlen(PLESK_SYM_PREFIX);
    ctb64 = strchr(ivb64, '$');
    if (ctb64 == NULL
        || b64_decode(&iv, &ivlen, ivb64, (apr_size_t)(ctb64 - ivb64), p)
        || b64_decode(&ct, &ctlen, ctb64 + 1, strlen(ctb64 + 1), p)
        || ivlen != 16 || ctlen <= 0 || ctlen % 16 != 0) {
        return oxt_result_set(res, OXT_ECRYPTO, "Unreadable password",
                              "malformed Plesk sym value");
    }
    out = apr_palloc(p, (apr_size_t)ctlen + 16);
    if (aes128cbc_decrypt(out, &outlen, key, iv, ct, ctlen) != APR_SUCCESS) {
        return oxt_result_set(res, OXT_ECRYPTO, "Unreadable password",
                              "decryption failed");
    }
    outlen = (int)strip_padding(out, (apr_size_t)outlen);
    /* CBC has no integrity check: a wrong key "decrypts" to noise. A
     * password is text, so noise is recognised and refused rather than
     * sent to OX as somebody's password. */
    if (!plain_is_text(out, (apr_size_t)outlen)) {
        return oxt_result_set(res, OXT_ECRYPTO, "Unreadable password",
                              "decrypted value is not text (wrong key?)");
    }
    *pplain = apr_pstrmemdup(p, (char *)out, (apr_size_t)outlen);
    return APR_SUCCESS;
}

/* ---- password check ------------------------------------------------------- */

/* The crypt(3) schemes Plesk writes: MD5 ($1$), SHA-256 ($5$), SHA-512
 * ($6$). Others (DES, bcrypt, ...) are refused rather than guessed at. */
static int crypt_scheme_known(const char *stored)
{
    return stored[0] == '$' && (stored[1] == '1' || stored[1] == '5'
                                || stored[1] == '6') && stored[2] == '$';
}

/* docs/install.md promises a line in the error log when a sym login fails
 * for want of Plesk's key: once per process, not per request (a flood of
 * identical lines would hide everything else). */
static atomic_flag plesk_key_told = ATOMIC_FLAG_INIT;

static void note_no_plesk_key(void)
{
    if (!atomic_flag_test_and_set(&plesk_key_told)) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS,
                       OXTLOGNO(00350) "a password stored as sym cannot be"
                       " checked: Plesk's secret key (plesk_secret_key_file)"
                       " was not loaded by this process, so such logins"
                       " fail until it can be read (see docs/install.md)");
    }
}

static apr_status_t check_crypt(const char *stored, const char *given,
                                apr_pool_t *p)
{
    struct crypt_data *cd;
    const char *hashed;

    if (!crypt_scheme_known(stored)) {
        return OXT_EAUTH;
    }
    cd = apr_pcalloc(p, sizeof(*cd));
    hashed = crypt_r(given, stored, cd);

    /* crypt_r returns "*0"-style failure tokens for unknown schemes. */
    if (hashed == NULL || hashed[0] == '*') {
        return OXT_EAUTH;
    }
    return oxt_crypto_str_equal(hashed, stored) ? APR_SUCCESS : OXT_EAUTH;
}

apr_status_t oxt_crypto_password_check(const char *type, const char *stored,
                                       const char *given,
                                       const unsigned char *plesk_key,
                                       apr_pool_t *p)
{
    const char *plain;
    apr_status_t rv;

    /* No type is no type: never "plain" by default. */
    if (stored == NULL || *stored == '\0' || given == NULL || type == NULL) {
        return OXT_EAUTH;
    }
    if (strcmp(type, "plain") == 0) {
        return oxt_crypto_str_equal(stored, given) ? APR_SUCCESS : OXT_EAUTH;
    }
    if (strcmp(type, "crypt") == 0) {
        return check_crypt(stored, given, p);
    }
    if (strcmp(type, "sym") == 0) {
        if (plesk_key == NULL) {
            note_no_plesk_key();
            return OXT_ECRYPTO;
        }
        rv = oxt_crypto_plesk_sym_decrypt(&plain, plesk_key, stored, NULL, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        return oxt_crypto_str_equal(plain, given) ? APR_SUCCESS : OXT_EAUTH;
    }
    return OXT_EAUTH;
}

/* ---- derived keys ------------------------------------------------------ */

apr_status_t oxt_crypto_derive(unsigned char out[32],
                               const unsigned char *master, const char *label)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    int ok;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)master,
                                                  OXT_CRYPTO_SEAL_KEY_LEN);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  (void *)label,
                                                  strlen(label));
    params[3] = OSSL_PARAM_construct_end();
    ok = ctx != NULL && EVP_KDF_derive(ctx, out, 32, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? APR_SUCCESS : OXT_ECRYPTO;
}

apr_status_t oxt_crypto_keys_load(oxt_crypto_keys_t *keys, const char *path,
                                  oxt_result_t *res, apr_pool_t *p)
{
    unsigned char *seal = oxt_crypto_key_alloc(32, p);
    unsigned char *fp = oxt_crypto_key_alloc(32, p);
    apr_status_t rv;

    rv = oxt_crypto_key_load(&keys->master, path, OXT_CRYPTO_SEAL_KEY_LEN,
                             res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (oxt_crypto_derive(seal, keys->master, OXT_CRYPTO_LABEL_SEAL)
        != APR_SUCCESS
        || oxt_crypto_derive(fp, keys->master, OXT_CRYPTO_LABEL_FINGERPRINT)
           != APR_SUCCESS) {
        return oxt_result_set(res, OXT_ECRYPTO, "Cannot derive keys",
                              "%s", path);
    }
    keys->seal = seal;
    keys->fingerprint = fp;
    return APR_SUCCESS;
}

/* ---- sealing our own secrets ------------------------------------------------ */

/* aad (may be NULL: v1) is authenticated, not encrypted: the row. */
static apr_status_t gcm_run(int enc, unsigned char *out,
                            const unsigned char *key,
                            const unsigned char *nonce,
                            const unsigned char *in, int inlen,
                            const char *aad, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, alen = 0, ok;

    if (ctx == NULL) {
        return APR_ENOMEM;
    }
    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1
        && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
                                       SEAL_TAG_LEN, tag) == 1)
        && (aad == NULL
            || EVP_CipherUpdate(ctx, NULL, &alen, (const unsigned char *)aad,
                                (int)strlen(aad)) == 1)
        && EVP_CipherUpdate(ctx, out, &n, in, inlen) == 1
        && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1
        && (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                                        SEAL_TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? APR_SUCCESS : OXT_ECRYPTO;
}

apr_status_t oxt_crypto_seal(const char **psealed, const unsigned char *key,
                             const char *row, const char *plain,
                             oxt_result_t *res, apr_pool_t *p)
{
    int len = (int)strlen(plain);
    unsigned char *buf;

    if (len > SECRET_MAX_LEN || row == NULL || *row == '\0') {
        return oxt_result_set(res, APR_EINVAL, "Cannot seal secret",
                              row == NULL || *row == '\0' ? "no row"
                              : "too long");
    }
    buf = apr_palloc(p, (apr_size_t)len + SEAL_NONCE_LEN + SEAL_TAG_LEN);
    if (oxt_crypto_random(buf, SEAL_NONCE_LEN) != APR_SUCCESS
        || gcm_run(1, buf + SEAL_NONCE_LEN, key, buf,
                   (const unsigned char *)plain, len, row,
                   buf + SEAL_NONCE_LEN + len) != APR_SUCCESS) {
        return oxt_result_set(res, OXT_ECRYPTO, "Cannot encrypt secret",
                              NULL);
    }
    *psealed = apr_pstrcat(p, SEAL_PREFIX,
                           b64_encode(buf, len + SEAL_NONCE_LEN + SEAL_TAG_LEN,
                                      p), NULL);
    return APR_SUCCESS;
}

int oxt_crypto_is_v1(const char *sealed)
{
    return sealed != NULL
        && strncmp(sealed, SEAL_PREFIX_V1, strlen(SEAL_PREFIX_V1)) == 0;
}

/* Opens "<prefix>base64(nonce | ciphertext | tag)" with aad (or none). */
static apr_status_t open_with(const char **pplain, const unsigned char *key,
                              const char *prefix, const char *aad,
                              const char *sealed, oxt_result_t *res,
                              apr_pool_t *p)
{
    unsigned char *buf, *out;
    int len, ctlen;
    size_t plen = strlen(prefix);

    if (strncmp(sealed, prefix, plen) != 0
        || strlen(sealed) > 2 * SECRET_MAX_LEN
        || b64_decode(&buf, &len, sealed + plen, strlen(sealed + plen), p)
        || len < SEAL_NONCE_LEN + SEAL_TAG_LEN) {
        return oxt_result_set(res, OXT_ECRYPTO, "Cannot decrypt secret",
                              "malformed value");
    }
    ctlen = len - SEAL_NONCE_LEN - SEAL_TAG_LEN;
    out = apr_palloc(p, (apr_size_t)ctlen + 1);
    if (gcm_run(0, out, key, buf, buf + SEAL_NONCE_LEN, ctlen, aad,
                buf + SEAL_NONCE_LEN + ctlen) != APR_SUCCESS) {
        return oxt_result_set(res, OXT_ECRYPTO, "Cannot decrypt secret",
                              "wrong key, tampered with, or sealed for"
                              " another row");
    }
    out[ctlen] = '\0';
    *pplain = (const char *)out;
    return APR_SUCCESS;
}

apr_status_t oxt_crypto_open(const char **pplain, const unsigned char *key,
                             const char *row, const char *sealed,
                             oxt_result_t *res, apr_pool_t *p)
{
    if (oxt_crypto_is_v1(sealed)) {
        return oxt_result_set(res, OXT_ECRYPTO, "Cannot decrypt secret",
                              "sealed the old way; run oxtender-replicator"
                              " migrate");
    }
    if (row == NULL || *row == '\0') {
        return oxt_result_set(res, APR_EINVAL, "Cannot decrypt secret",
                              "no row");
    }
    return open_with(pplain, key, SEAL_PREFIX, row, sealed, res, p);
}

apr_status_t oxt_crypto_open_v1(const char **pplain,
                                const unsigned char *master,
                                const char *sealed, oxt_result_t *res,
                                apr_pool_t *p)
{
    return open_with(pplain, master, SEAL_PREFIX_V1, NULL, sealed, res, p);
}
