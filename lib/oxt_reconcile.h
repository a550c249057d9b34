/*
 * oxt_reconcile.h — comparing what we believe OX holds with what it
 * holds, and repairing the difference ("drift": a context or user removed
 * or changed by hand in OX, a lost answer).
 *
 * Every attribute we set is compared: a context's name, login mappings
 * and quota; a user's addresses (primary, email1, default sender,
 * aliases, IMAP login), display, given and sur name, language, time
 * zone, IMAP and SMTP server and access combination (its name); and the
 * context admin: ours must still answer to our credentials, be the one
 * with contextadmin set and never be one of our mailboxes.
 *
 * Repair means forgetting what we thought was applied, so the next plan
 * sends it again: a missing user is created, a changed one is sent every
 * attribute. A context admin that drifted cannot be repaired from here
 * (without its credentials nothing in the context can be changed): it is
 * reported, and the log says so. Users in our contexts that we never
 * created are reported and, only when asked (and within a limit),
 * deleted: a mass delete caused by a wrong database would be a disaster,
 * so above max_deletes nothing is deleted unless forced.
 */
#ifndef OXT_RECONCILE_H
#define OXT_RECONCILE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_ox.h"

typedef struct oxt_drift_t {
    const char *kind;        /* context_missing, context_changed,
                                context_admin, user_missing, user_changed,
                                user_unknown */
    long long dom_id;
    long long mail_id;       /* 0 for context drift and unknown users */
    long long ox_id;         /* OX user id for user drift */
    const char *target;      /* context name or address */
    const char *detail;      /* what differs */
} oxt_drift_t;

typedef void oxt_drift_cb(void *baton, const oxt_drift_t *drift);

/* Whose access combination is compared. OX gives it one user per call
 * (getAccessCombinationName), so at 100,000 mailboxes a full check costs
 * more calls than all the other reads together: by default a run
 * compares a fifth of the users (those whose mail id modulo
 * OXT_RECONCILE_TURNS is the turn recorded in reconcile_state), and the
 * turn moves on after every completed run, so each user's access is
 * compared at least once every OXT_RECONCILE_TURNS runs. */
typedef enum {
    OXT_RECONCILE_ACCESS_ROTATE = 0,
    OXT_RECONCILE_ACCESS_ALL,
    OXT_RECONCILE_ACCESS_NONE
} oxt_reconcile_access_t;

#define OXT_RECONCILE_TURNS 5
typedef void oxt_progress_cb(void *baton, long long done, long long total);

typedef struct oxt_reconcile_opts_t {
    int dry_run;             /* report only */
    int delete_unknown;      /* delete users we did not create */
    int force;               /* even above max_deletes */
    int max_deletes;
    int window;              /* domains compared at once */
    const char *const *access_combination;  /* per oxt_service_t, the
                                               Settings' names; NULL: the
                                               users' rights are not
                                               compared */
    oxt_reconcile_access_t access;
    oxt_drift_cb *on_drift;
    oxt_progress_cb *on_progress;
    void *baton;
} oxt_reconcile_opts_t;

typedef struct oxt_reconcile_stats_t {
    long long domains;
    long long users;
    long long drifts;
    long long unknown;
    long long deleted;
    int deletes_refused;     /* more unknown users than max_deletes */
    long long access_checked;     /* access combinations compared */
    long long access_total;       /* users whose access could have been */
    int access_turn;              /* ROTATE: the fifth compared (0..4) */
    apr_array_header_t *repaired_domains;   /* long long dom ids */
} oxt_reconcile_stats_t;

/**
 * Compares every context in domain_state and every user in mailbox_state
 * with OX (the contexts with OXContextService.list a hundred ids at a
 * time, getData for one a list lacks; the user list, getMultipleData;
 * the access combinations as opts->access says) and repairs our state. key opens the stored context
 * admin passwords; master_override uses the master for users. With
 * OXT_RECONCILE_ACCESS_ROTATE the turn is read from reconcile_state and,
 * once the comparison is complete, moved on (also in a dry run: it is
 * the rotation's bookkeeping, not a repair). Results live in p.
 */
apr_status_t oxt_reconcile_run(oxt_reconcile_stats_t *stats, oxt_db_t *db,
                               oxt_ox_t *ox, oxt_soap_client_t *soap,
                               const unsigned char *key, int master_override,
                               const oxt_reconcile_opts_t *opts,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_RECONCILE_H */
