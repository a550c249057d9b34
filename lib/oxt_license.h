/*
 * oxt_license.h — license keys: the signed format, its bounded parser,
 * the Ed25519 signature, and the terms a key (or the evaluation allowance
 * of an installation without one) grants. Pure: no database, no network.
 *
 * A key is ASCII text (docs/license.md has the whole model):
 *
 *     -----BEGIN OXTENDER LICENSE KEY-----
 *     format: 1
 *     number: OXT-2025-0001
 *     ownership: owned              evaluation | owned | leased
 *     ip: 192.0.2.10                the server's main IP, canonical
 *     tier: 100                     10 | 100 | unlimited (domains)
 *     domains: 100                  maximum domains in OX, or unlimited
 *     mailboxes: 2000               maximum Plesk mailboxes, or unlimited
 *     premium: yes                  Groupware Premium allowed
 *     free-usage: no                no cap on non-Webmail mailboxes
 *     sus-expires: 2026-06-30
 *     renewed: 2025-06-30
 *     expires: never                or a date: the last day it is valid
 *     signature: <base64 of the 64-byte Ed25519 signature>
 *     -----END OXTENDER LICENSE KEY-----
 *
 * Every field is there exactly once, in this order, as "name: value"
 * with one space; lines end in LF alone; the file may end after the END
 * line or one LF later, and nothing else is accepted. The signature
 * covers OXT_LICENSE_CONTEXT followed by the field lines from "format"
 * to "expires" (each with its LF), exactly as they are in the file, and
 * the parser accepts a key only when formatting its fields again gives
 * those same bytes: what is signed is exactly what is parsed, with no
 * second spelling of any value.
 */
#ifndef OXT_LICENSE_H
#define OXT_LICENSE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_settings.h"
#include "oxt_psa.h"

/* A key is a few hundred bytes; anything longer is refused unread. */
#define OXT_LICENSE_MAX_BYTES 4096
#define OXT_LICENSE_PUBKEY_LEN 32
#define OXT_LICENSE_SIG_LEN 64
/* Domain separation: a signature over a key is never one over anything
 * else the same private key signs. */
#define OXT_LICENSE_CONTEXT "oxtender-license-key-v1\n"
#define OXT_LICENSE_BEGIN "-----BEGIN OXTENDER LICENSE KEY-----"
#define OXT_LICENSE_END "-----END OXTENDER LICENSE KEY-----"
/* domains, mailboxes: no limit */
#define OXT_LICENSE_UNLIMITED (-1LL)
/* The product's name in the guide's messages (docs/license.md). */
#define OXT_LICENSE_VENDOR "OXtender sales"

typedef enum {
    OXT_LICENSE_EVALUATION = 0,
    OXT_LICENSE_OWNED,
    OXT_LICENSE_LEASED
} oxt_license_ownership_t;

typedef enum {
    OXT_LICENSE_TIER_10 = 0,         /* "10 domains" */
    OXT_LICENSE_TIER_100,            /* "100 domains" */
    OXT_LICENSE_TIER_UNLIMITED       /* "unlimited domains" */
} oxt_license_tier_t;

/** Why a key was refused (OXT_LICENSE_OK: it was not). */
typedef enum {
    OXT_LICENSE_OK = 0,
    OXT_LICENSE_EMPTY,               /* nothing given */
    OXT_LICENSE_OVERSIZED,           /* over OXT_LICENSE_MAX_BYTES */
    OXT_LICENSE_MALFORMED,           /* not a key, or a field is wrong */
    OXT_LICENSE_TRUNCATED,           /* cut short: no END line at the end */
    OXT_LICENSE_UNSIGNED,            /* no signature line */
    OXT_LICENSE_BAD_SIGNATURE,       /* changed, or signed by another key */
    OXT_LICENSE_WRONG_IP,            /* issued for another server */
    OXT_LICENSE_EXPIRED              /* its last day has passed */
} oxt_license_verdict_t;

/** A key's fields. Dates are "YYYY-MM-DD" (they sort as text). */
typedef struct oxt_license_key_t {
    const char *number;
    oxt_license_ownership_t ownership;
    const char *ip;                  /* canonical text (inet_ntop) */
    oxt_license_tier_t tier;
    long long max_domains;           /* OXT_LICENSE_UNLIMITED or >= 1 */
    long long max_mailboxes;         /* Plesk mailboxes; likewise */
    int premium;
    int free_usage;
    const char *sus_expires;
    const char *renewed;
    const char *expires;             /* NULL: never */
    /* set by the parser */
    const char *text;                /* the whole key as given */
    apr_size_t text_len;
    const char *body;                /* the field lines that are signed */
    apr_size_t body_len;
    unsigned char sig[OXT_LICENSE_SIG_LEN];
} oxt_license_key_t;

/** What is in force: a key's terms or the evaluation allowance's. */
typedef struct oxt_license_terms_t {
    int from_key;                    /* 0: the evaluation allowance */
    long long max_domains;           /* OXT_LICENSE_UNLIMITED or a count */
    long long max_mailboxes;         /* Plesk mailboxes */
    long long groupware_cap;         /* non-Webmail mailboxes in OX;
                                        OXT_LICENSE_UNLIMITED: free usage */
    int premium;
} oxt_license_terms_t;

/* ---- the format --------------------------------------------------------- */

/**
 * Parses text (len bytes, not NUL-terminated) into *pkey without checking
 * the signature: APR_SUCCESS, or OXT_ELICENSE with *pverdict and res
 * saying what is wrong (the line, the field). The key lives in p.
 */
apr_status_t oxt_license_parse(oxt_license_key_t **pkey,
                               oxt_license_verdict_t *pverdict,
                               const char *text, apr_size_t len,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** APR_SUCCESS when key's signature is good under the 32-byte pubkey,
 *  OXT_ELICENSE otherwise. */
apr_status_t oxt_license_verify(const oxt_license_key_t *key,
                                const unsigned char *pubkey)
    __attribute__((warn_unused_result));

/**
 * Everything a key must pass to be put in force: the format, the
 * signature under pubkey, issued for server_ip (canonical or not; NULL
 * when unknown fails as a wrong IP) and not expired on today
 * ("YYYY-MM-DD"). OXT_ELICENSE with *pverdict and res for people
 * otherwise; *pkey is set whenever the format was good (so a caller can
 * show what an expired key said). Lives in p.
 */
apr_status_t oxt_license_check(oxt_license_key_t **pkey,
                               oxt_license_verdict_t *pverdict,
                               const char *text, apr_size_t len,
                               const unsigned char *pubkey,
                               const char *server_ip, const char *today,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The field lines of key (format to expires) as they are signed, after
 * checking every field: APR_EINVAL with res naming the field otherwise.
 * For the vendor's tool; the parser compares with it. Lives in p.
 */
apr_status_t oxt_license_body(const char **pbody, const oxt_license_key_t *key,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The bytes a signature covers: OXT_LICENSE_CONTEXT and body; in p. */
const char *oxt_license_signed_bytes(apr_size_t *plen, const char *body,
                                     apr_size_t body_len, apr_pool_t *p);

/** The key file: BEGIN, body, the signature line, END; in p. */
const char *oxt_license_armor(const char *body, const unsigned char *sig,
                              apr_pool_t *p);

/* ---- the public key ----------------------------------------------------- */

/** The vendor's public key built into this program (32 bytes). */
const unsigned char *oxt_license_builtin_pubkey(void);

/**
 * The public key to verify with: base64 (the license_public_key
 * configuration key, 32 bytes once decoded) or, for NULL, the built-in
 * one. OXT_ECONFIG for text that is not such a key. In p.
 */
apr_status_t oxt_license_pubkey(const unsigned char **ppub, const char *b64,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- small helpers ------------------------------------------------------ */

/** The canonical text of an IPv4 or IPv6 address, NULL if it is none. */
const char *oxt_license_ip_canonical(const char *ip, apr_pool_t *p);

/** Today in UTC as "YYYY-MM-DD", in p. */
const char *oxt_license_today(apr_pool_t *p);

/** True for a real calendar date written "YYYY-MM-DD" (2000-2999). */
int oxt_license_date_valid(const char *s);

/** A count as a key writes it: the number, or "unlimited"; in p. */
const char *oxt_license_count_text(long long v, apr_pool_t *p);

const char *oxt_license_ownership_name(oxt_license_ownership_t o);
const char *oxt_license_ownership_label(oxt_license_ownership_t o);
const char *oxt_license_tier_name(oxt_license_tier_t t);
const char *oxt_license_tier_label(oxt_license_tier_t t);
/** "no_signature", ...: the stable word of a verdict (JSON, tests). */
const char *oxt_license_verdict_name(oxt_license_verdict_t v);

/* ---- terms -------------------------------------------------------------- */

/** Non-Webmail mailboxes a tier allows without free usage: 50/150/250. */
long long oxt_license_tier_cap(oxt_license_tier_t tier);

/** The terms of key, or of the evaluation allowance for NULL. */
void oxt_license_terms(oxt_license_terms_t *terms,
                       const oxt_license_key_t *key);

/** True when terms allow mailboxes of service type s at all. */
int oxt_license_service_allowed(const oxt_license_terms_t *terms,
                                oxt_service_t s);

/** True when Plesk holds more mailboxes than terms allow: the module is
 *  restricted and the replicator sends nothing. */
int oxt_license_restricted(const oxt_license_terms_t *terms,
                           long long plesk_mailboxes);

/* ---- the guide's messages ----------------------------------------------- */

/** The restriction (more Plesk mailboxes than allowed) for a person of
 *  role: the admin's text names the limit, the others' error #62. */
const char *oxt_license_text_restricted(oxt_role_t role,
                                        const oxt_license_terms_t *terms,
                                        apr_pool_t *p);

/** A limit reached (no more OX Groupware accounts): the admin's text,
 *  or the others' error #61. Static text. */
const char *oxt_license_text_limit(oxt_role_t role);

#endif /* OXT_LICENSE_H */
