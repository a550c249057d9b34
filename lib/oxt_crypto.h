/*
 * oxt_crypto.h — passwords and secrets.
 *
 * Three jobs: checking a password given to us against what Plesk stores
 * (plain, crypt, sym); reading Plesk's "sym" values (AES-128-CBC with
 * Plesk's secret key, see docs/reference/plesk-passwords.md §2); and
 * sealing our own stored secrets (OX password, context admin passwords)
 * with AES-256-GCM under a key file only root and the web server can read.
 *
 * Plain-text secrets returned by these functions live in the caller's
 * pool; callers keep them out of logs and clear the pool soon.
 */
#ifndef OXT_CRYPTO_H
#define OXT_CRYPTO_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"

#define OXT_CRYPTO_PLESK_KEY_LEN 16
#define OXT_CRYPTO_SEAL_KEY_LEN  32

/**
 * Reads our binary key file of exactly len bytes into *pkey (in p; the
 * buffer is zeroed when p goes). Refused (OXT_ECONFIG, the file, what is
 * wrong and the fix in res) when it is a symlink or not a regular file,
 * when group or others may write it or others read it, or when it is not
 * owned by root or the running user. OXT_ECRYPTO when it has another size.
 */
apr_status_t oxt_crypto_key_load(const unsigned char **pkey, const char *path,
                                 apr_size_t len, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Reads Plesk's 16-byte key as oxt_crypto_key_load does, except for the
 * owner: the file is Plesk's (its panel user owns it), not ours.
 */
apr_status_t oxt_crypto_plesk_key_load(const unsigned char **pkey,
                                       const char *path, oxt_result_t *res,
                                       apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * len zeroed bytes in p for key material, zeroed again (OPENSSL_cleanse)
 * when p is cleared or destroyed.
 */
unsigned char *oxt_crypto_key_alloc(apr_size_t len, apr_pool_t *p);

/** True when value has the "$AES-128-CBC$iv$ciphertext" form. */
int oxt_crypto_is_plesk_sym(const char *value);

/**
 * Decrypts a Plesk "sym" value with the 16-byte Plesk key; trailing NUL
 * padding (and PKCS#7 padding) is removed. The result lives in p.
 */
apr_status_t oxt_crypto_plesk_sym_decrypt(const char **pplain,
                                          const unsigned char *key,
                                          const char *value,
                                          oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Checks a password against a stored one of Plesk's account type
 * ("plain", "crypt" or "sym"; sym needs plesk_key, else OXT_ECRYPTO).
 * APR_SUCCESS on a match, OXT_EAUTH on a mismatch; an empty stored value,
 * a NULL or unknown type and a crypt hash of a scheme other than $1$, $5$
 * or $6$ never match. Comparisons take the same time whatever the
 * mismatch.
 */
apr_status_t oxt_crypto_password_check(const char *type, const char *stored,
                                       const char *given,
                                       const unsigned char *plesk_key,
                                       apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- keys derived from the key file -------------------------------------
 * One key per purpose, never the key file itself: a key that both seals
 * secrets and keys password fingerprints would let one use help attack
 * the other. The page kit derives its CSRF key the same way, with its own
 * label. */
#define OXT_CRYPTO_LABEL_SEAL        "oxtender sealed secrets"
#define OXT_CRYPTO_LABEL_FINGERPRINT "oxtender password fingerprints"

/**
 * HKDF-SHA256 (RFC 5869, no salt: master is uniformly random) of the
 * 32-byte master key with label as "info", into out.
 */
apr_status_t oxt_crypto_derive(unsigned char out[32],
                               const unsigned char *master, const char *label)
    __attribute__((warn_unused_result));

/** The keys of secret_key_file; each buffer is zeroed when p goes. */
typedef struct oxt_crypto_keys_t {
    const unsigned char *seal;         /* oxt_crypto_seal / _open */
    const unsigned char *fingerprint;  /* oxt_crypto_fingerprint */
    const unsigned char *master;       /* the file: only to convert
                                          values made before the split */
} oxt_crypto_keys_t;

/** Loads the key file (oxt_crypto_key_load) and derives the keys. */
apr_status_t oxt_crypto_keys_load(oxt_crypto_keys_t *keys, const char *path,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- sealed secrets --------------------------------------------------------
 * Each sealed value is bound to the row that holds it: row names it
 * ("settings:ox_password", "domain_state:42:admin_password") and is the
 * AES-GCM additional data, so a value copied into another row does not
 * open there. */

/**
 * Seals plain with the 32-byte seal key for row: "v2:" + base64(nonce |
 * ciphertext | tag). Each call uses a fresh random nonce. Result in p.
 */
apr_status_t oxt_crypto_seal(const char **psealed, const unsigned char *key,
                             const char *row, const char *plain,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Opens a value made by oxt_crypto_seal for the same row; OXT_ECRYPTO if
 * tampered with, sealed for another row or under another key, or sealed
 * the old way (v1: "run oxtender-replicator migrate").
 */
apr_status_t oxt_crypto_open(const char **pplain, const unsigned char *key,
                             const char *row, const char *sealed,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** True for a value sealed the old way ("v1:": the key file, no row). */
int oxt_crypto_is_v1(const char *sealed);

/**
 * Opens a v1 value with the key file itself (master); only migrate uses
 * it, to seal such values again the new way.
 */
apr_status_t oxt_crypto_open_v1(const char **pplain,
                                const unsigned char *master,
                                const char *sealed, oxt_result_t *res,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * HMAC-SHA256 of data under key (keylen bytes; the fingerprint key of
 * oxt_crypto_keys_t) into out (32 bytes): lets us notice a changed
 * password without storing anything it could be recovered from.
 */
apr_status_t oxt_crypto_fingerprint(unsigned char *out,
                                    const unsigned char *key,
                                    apr_size_t keylen, const char *data);

/**
 * The same HMAC-SHA256 under a key set once: a full pass fingerprints
 * every password it reads (a million at a million mailboxes), and keying
 * HMAC() anew for each call (its digest fetched, the key's inner and outer
 * blocks hashed) cost four to six times the hash of the password itself.
 * oxt_crypto_fp_make hashes the key's blocks once; oxt_crypto_fp_sum
 * copies those states and hashes only data. Not for two threads at once
 * (it has one scratch state); freed, and its states cleansed, with p.
 */
typedef struct oxt_crypto_fp_t oxt_crypto_fp_t;

apr_status_t oxt_crypto_fp_make(oxt_crypto_fp_t **pfp,
                                const unsigned char *key, apr_size_t keylen,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

/** HMAC-SHA256 of data under fp's key into out (32 bytes): equal to
 *  oxt_crypto_fingerprint with that key. */
apr_status_t oxt_crypto_fp_sum(oxt_crypto_fp_t *fp, unsigned char *out,
                               const char *data)
    __attribute__((warn_unused_result));

/** Fills buf with len random bytes from the system's CSPRNG. */
apr_status_t oxt_crypto_random(unsigned char *buf, apr_size_t len);

/** Constant-time equality of two strings (length leaks, content does not). */
int oxt_crypto_str_equal(const char *a, const char *b);

#endif /* OXT_CRYPTO_H */
