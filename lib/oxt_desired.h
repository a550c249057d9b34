/*
 * oxt_desired.h — what OX should hold for a Plesk domain and mailbox.
 *
 * Pure functions of their inputs (psa rows, preferences, settings): no
 * database, no network, so every rule is unit-tested. The replicator
 * compares the result with the last applied state and sends only the
 * difference.
 */
#ifndef OXT_DESIRED_H
#define OXT_DESIRED_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_plesk.h"
#include "oxt_prefs.h"
#include "oxt_seats.h"

#define OXT_FP_LEN 32

/* Why a mailbox is not in OX. NULL reason: it is (or should be). */
#define OXT_WHY_FORWARD_ONLY   "forward_only"
#define OXT_WHY_SUSPENDED      "suspended"
#define OXT_WHY_MAIL_OFF       "mail_off"
#define OXT_WHY_NOT_SELECTED   "not_selected"
#define OXT_WHY_NO_PASSWORD    "no_password"
#define OXT_WHY_CRYPT_PASSWORD "crypt_password"
#define OXT_WHY_BAD_PASSWORD   "password_unreadable"
#define OXT_WHY_ADMIN_NAME     "admin_name"   /* its name or an address is
                                                 the context admin's */

/** Environment of a computation: fixed for a run. */
typedef struct oxt_desired_env_t {
    const oxt_settings_t *settings;
    const unsigned char *plesk_key;   /* Plesk's key for sym; may be NULL */
    const unsigned char *fp_key;      /* our key, for password fingerprints */
    /* fp_key keyed once (oxt_crypto_fp_make): what a pass uses, one
     * HMAC key set-up instead of one per password; NULL: each password
     * keys fp_key anew (oxt_crypto_fingerprint). Not const: it has a
     * scratch state, so one thread at a time, like seats. */
    struct oxt_crypto_fp_t *fp;
    const char *plesk_timezone;       /* the server's zone, "plesk" means it */
    int unicode_mappings;             /* OX allows non-ASCII login mappings */
    /* The license's seats across every domain of the run (oxt_seats.h);
     * NULL: no limit is applied. Not const: a seat given is taken. */
    oxt_seats_t *seats;
} oxt_desired_env_t;

typedef struct oxt_desired_context_t {
    const char *name;                 /* ASCII (punycode) domain name */
    apr_array_header_t *login_mappings;  /* const char *, sorted, unique */
    int quota_mb;
} oxt_desired_context_t;

typedef struct oxt_desired_user_t {
    int replicate;                    /* belongs in OX */
    int hold;                         /* leave OX as it is (suspended,
                                         mail service off) */
    const char *reason;               /* OXT_WHY_* when not replicated */
    oxt_service_t service;
    const char *name;                 /* OX user name: the local part */
    const char *display_name;
    const char *given_name;
    const char *sur_name;
    const char *primary_email;
    apr_array_header_t *aliases;      /* const char *, sorted, unique,
                                         holds primary_email */
    const char *language;             /* ll_CC */
    const char *timezone;             /* Olson id */
    const char *imap_server;
    int imap_port;
    const char *smtp_server;
    int smtp_port;
    const char *imap_login;
    const char *password;             /* plain text: never log it */
    unsigned char password_fp[OXT_FP_LEN];
} oxt_desired_user_t;

/** Plesk's "en-US" as OX's "en_US"; NULL when it is not of that shape. */
const char *oxt_desired_ox_language(const char *plesk_locale, apr_pool_t *p);

/**
 * The context of a domain: name, login mappings (the domain, its
 * mail-enabled aliases, and the Unicode names where the OX server allows
 * them) and quota. alias_names are const char * (domainaliases.name).
 */
void oxt_desired_context(oxt_desired_context_t *ctx,
                         const oxt_desired_env_t *env,
                         const oxt_plesk_domain_t *dom,
                         const apr_array_header_t *alias_names,
                         const oxt_prefs_chain_t *chain, apr_pool_t *p);

/**
 * The user of a mailbox. mail_aliases are local parts (mail_aliases),
 * domain_aliases mail-enabled alias domain names. Strings live in p.
 * With env->seats, a mailbox that would be replicated is also asked for
 * its license seats (the one place the license limits replication): one
 * that gets none is held as it is with an OXT_WHY_LICENSE_* reason, and
 * one that gets them keeps them for the run.
 */
void oxt_desired_user(oxt_desired_user_t *user, const oxt_desired_env_t *env,
                      const oxt_plesk_mailbox_t *mbox,
                      const apr_array_header_t *mail_aliases,
                      const apr_array_header_t *domain_aliases,
                      const oxt_prefs_chain_t *chain, apr_pool_t *p);

/**
 * Whether the user of mbox, with its own level in chain, needs the
 * mailbox's password: only a mailbox that should be in OX does (not a
 * forwarder, not a suspended one, not one nobody selected), and
 * oxt_desired_user never reads the password of any other. A full pass
 * reads passwords only for these (oxt_batch.h).
 */
int oxt_desired_needs_password(const oxt_plesk_mailbox_t *mbox,
                               const oxt_prefs_chain_t *chain);

/** Aliases as one string, newline-separated (the stored form). */
const char *oxt_desired_join(const apr_array_header_t *list, apr_pool_t *p);

/** A list as OX answered it (const char *, any order, may be NULL) in the
 *  stored form: sorted, without duplicates and without except (may be
 *  NULL), newline-separated, in p. */
const char *oxt_desired_join_sorted(const apr_array_header_t *list,
                                    const char *except, apr_pool_t *p);

#endif /* OXT_DESIRED_H */
