/*
 * oxt_secrets.h — where our sealed secrets live, and bringing stored
 * values to the current format.
 *
 * Format 2 (issue 8): keys are derived per purpose from secret_key_file
 * (oxt_crypto_derive) and every sealed value is bound to its row (the row
 * names below are its AES-GCM additional data). Values written before
 * are converted once by "oxtender-replicator migrate" (oxt_secrets_convert):
 * sealed values are opened with the key file and sealed again for their
 * row; password fingerprints (mailbox_state.applied_password_fp) are
 * recomputed under the fingerprint key where the mailbox's password in
 * psa still gives the stored one, so OX is not sent every password again.
 * secrets_format.version (migration 0013) records that it was done; the
 * replicator refuses to replicate until then (oxt_secrets_check).
 */
#ifndef OXT_SECRETS_H
#define OXT_SECRETS_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_config.h"
#include "oxt_db.h"
#include "oxt_result.h"

#define OXT_SECRETS_FORMAT 2

/* The row identities sealed values are bound to. */
#define OXT_SECRETS_ROW_OX_PASSWORD "settings:ox_password"

/** "domain_state:<dom_id>:admin_password", in p. */
const char *oxt_secrets_row_admin_password(long long dom_id, apr_pool_t *p);

typedef struct oxt_secrets_stats_t {
    int converted;            /* the format was old and is current now */
    long long resealed;       /* v1 values sealed again for their row */
    long long rekeyed;        /* fingerprints moved to the new key */
    long long unverified;     /* fingerprints whose mailbox's password no
                                 longer gives them (changed, unreadable):
                                 replication sends those passwords once */
} oxt_secrets_stats_t;

/**
 * APR_SUCCESS when the stored secrets are in the current format;
 * OXT_ESCHEMA ("run oxtender-replicator migrate") otherwise.
 */
apr_status_t oxt_secrets_check(oxt_db_t *db, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Converts what is stored in db (the oxtender database, default) to the
 * current format; a no-op when it is current. Needs the key file (and
 * psa, Plesk's key, for the fingerprints) only when there is something
 * to convert. Safe to run again after an interruption: every row is
 * converted at most once.
 */
apr_status_t oxt_secrets_convert(oxt_secrets_stats_t *st, oxt_db_t *db,
                                 const oxt_config_t *cfg, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SECRETS_H */
