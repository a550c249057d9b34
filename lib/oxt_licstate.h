/*
 * oxt_licstate.h — the license in force: the license table (the key as
 * uploaded, what the replicator last counted, the licensing server's
 * last answer), the server's main IP, and everything the License page and
 * the other pages show or decide from them (docs/license.md).
 *
 * The stored key is verified again every time it is loaded (signature,
 * IP, expiry), so a row changed in the database grants nothing the
 * signed text does not; the parsed columns are only a copy for people.
 * A key that fails is not in force and the evaluation allowance applies;
 * a refused upload never touches the key in force.
 */
#ifndef OXT_LICSTATE_H
#define OXT_LICSTATE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_config.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_json.h"
#include "oxt_license.h"

/** The state of the key in the table. */
typedef enum {
    OXT_LICSTAT_NONE = 0,            /* no key: the evaluation allowance */
    OXT_LICSTAT_VALID,               /* in force */
    OXT_LICSTAT_EXPIRED,             /* its last day has passed since */
    OXT_LICSTAT_WRONG_IP,            /* the server's IP is another now */
    OXT_LICSTAT_INVALID              /* no longer verifies (changed in the
                                        database, or another public key) */
} oxt_licstat_t;

/** What the replicator counted at the end of its last full pass. */
typedef struct oxt_license_usage_t {
    int known;                       /* 0: nothing counted yet */
    long long plesk_mailboxes;       /* psa mail rows with a mailbox */
    long long groupware;             /* non-Webmail users in OX */
    long long domains;               /* contexts in OX */
    /* mailboxes not replicated, per license reason (oxt_seats.h) */
    long long refused_restricted;
    long long refused_domains;
    long long refused_premium;
    long long refused_groupware;
    const char *counted_at;          /* "YYYY-MM-DD hh:mm:ss", server time */
} oxt_license_usage_t;

/** Everything about the license a page shows or decides from. */
typedef struct oxt_license_status_t {
    const char *server_ip;           /* NULL: unknown */
    const char *server_ip_from;      /* "configuration" or "psa" */
    const char *server_ip_problem;   /* why it is unknown */
    oxt_licstat_t status;
    const char *status_text;         /* "Valid", "Expired on ...", ... */
    const oxt_license_key_t *key;    /* the stored key, in force or not;
                                        NULL: none, or unreadable */
    oxt_license_terms_t terms;       /* in force: the key's or the
                                        evaluation allowance's */
    oxt_license_usage_t usage;
    int restricted;                  /* more Plesk mailboxes than allowed */
    int limit_reached;               /* no new Groupware account or domain */
    const char *last_answer;         /* the licensing server's, for people */
    const char *last_answer_at;
    int last_answer_ok;
    const char *installed_at;
    const char *installed_by;
    int can_activate;                /* a licensing server is configured */
    int can_renew;                   /* ... and a key is loaded */
} oxt_license_status_t;

/** "none", "valid", "expired", "wrong_ip", "invalid". */
const char *oxt_licstat_name(oxt_licstat_t s);

/**
 * The server's main IP: server_ip of the configuration, else the one
 * Plesk keeps (oxt_psa_main_ip). *pfrom gets "configuration" or "psa".
 * Strings in p.
 */
apr_status_t oxt_license_server_ip(const char **pip, const char **pfrom,
                                   oxt_db_t *db, const oxt_psa_t *psa,
                                   const oxt_config_t *cfg,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Plesk's mailboxes (psa mail rows with a mailbox), the number the
 *  restriction compares with the license's. */
apr_status_t oxt_license_count_mailboxes(long long *pcount, oxt_db_t *db,
                                         const oxt_psa_t *psa,
                                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Loads the license in force (one row, the server's IP and the
 * signature check). With live, the Plesk mailboxes are counted now (the
 * License page) instead of taken from the replicator's last count.
 * Everything lives in p.
 */
apr_status_t oxt_license_status_load(oxt_license_status_t **pst,
                                     oxt_db_t *db, const oxt_psa_t *psa,
                                     const oxt_config_t *cfg, int live,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * "Upload License Key": checks text (len bytes, from memory) with
 * oxt_license_check for this server and puts it in force, recording who
 * (a Plesk login, or "oxtender-replicator"). A refused key changes
 * nothing: OXT_ELICENSE with *pverdict and res for people. *pst (may be
 * NULL) gets the new status. In p.
 */
apr_status_t oxt_license_install(oxt_license_status_t **pst,
                                 oxt_license_verdict_t *pverdict,
                                 oxt_db_t *db, const oxt_psa_t *psa,
                                 const oxt_config_t *cfg, const char *text,
                                 apr_size_t len, const char *who,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Keeps the licensing server's last answer (text for people). */
apr_status_t oxt_license_answer_record(oxt_db_t *db, int ok,
                                       const char *text, oxt_result_t *res,
                                       apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Keeps what the replicator counted (the time is the server's now). */
apr_status_t oxt_license_usage_record(oxt_db_t *db,
                                      const oxt_license_usage_t *usage,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- for the pages ------------------------------------------------------ */

/** allowed[s] is set for each service type the license allows: the
 *  Change Service dialog offers only those. */
void oxt_license_allowed_services(int allowed[OXT_SERVICE_COUNT],
                                  const oxt_license_status_t *st);

/**
 * The message a page of role shows above everything, or NULL: the
 * restriction (the admin is sent to the License page with it, the others
 * see error #62), else a reached limit (error #61 for the others).
 */
const char *oxt_license_banner(const oxt_license_status_t *st,
                               oxt_role_t role, apr_pool_t *p);

/** The status as one JSON object (the License page's JSON twin and the
 *  replicator's "license --json"), with the banner for role. */
void oxt_license_status_json(oxt_json_t *j, const oxt_license_status_t *st,
                             oxt_role_t role, apr_pool_t *p);

#endif /* OXT_LICSTATE_H */
