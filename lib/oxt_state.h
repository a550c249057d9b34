/*
 * oxt_state.h — what the replicator last applied in OX (domain_state,
 * mailbox_state), loaded for comparison with the desired state and saved
 * after each successful operation.
 *
 * Saving right after each OX success keeps the window in which a crash
 * loses knowledge to one operation, and every operation is safe to repeat
 * (create adopts what exists, delete accepts what is gone), so a repeat
 * converges to the same state.
 */
#ifndef OXT_STATE_H
#define OXT_STATE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_desired.h"
#include "oxt_rows.h"

typedef struct oxt_applied_context_t {
    int exists;                     /* a domain_state row exists */
    long long dom_id;
    long long ox_context_id;        /* 0: not created in OX (yet) */
    const char *context_name;
    const char *admin_login;
    const char *admin_password_enc; /* sealed; written before create */
    long long admin_user_id;        /* the admin's OX id, 0: not known */
    const char *admin_address;      /* the admin's address, as applied */
    const char *display_name;       /* the domain's displayName, as
                                       recorded */
    const char *mappings;           /* newline-joined, as applied */
    int quota_mb;                   /* -1: never applied */
    const char *status;             /* "deleted": its deletion was sent */
} oxt_applied_context_t;

typedef struct oxt_applied_user_t {
    int exists;                     /* a mailbox_state row exists */
    long long mail_id;
    long long dom_id;
    long long ox_context_id;
    long long ox_user_id;           /* 0: not created in OX (yet) */
    const char *mail_name;          /* with ox_user_id 0: a create was
                                       sent under this name, answer
                                       unknown */
    const char *address;
    const char *ox_primary;         /* the primary address OX kept when it
                                       refused a new one (NULL: address) */
    const char *display_name;
    const char *aliases;            /* newline-joined, sorted */
    int service;                    /* oxt_service_t, -1: none applied */
    const char *language;
    const char *timezone;
    const char *imap_server;        /* "host:port" */
    const char *smtp_server;
    int has_fp;
    unsigned char password_fp[OXT_FP_LEN];
    const char *status;
    const char *status_reason;
    /* A Change Service not applied yet ("Update in progress: ..."):
     * mailbox_state.pending_service_type. */
    int has_pending;
    int pending_service;            /* oxt_service_t when has_pending */
} oxt_applied_user_t;

/** "host:port", the stored form of a mail server. */
const char *oxt_state_server(const char *host, int port, apr_pool_t *p);

/** The domain's row; ctx->exists is 0 when there is none. */
apr_status_t oxt_state_context_load(oxt_applied_context_t *ctx, oxt_db_t *db,
                                    long long dom_id, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Every mailbox_state row of a domain, keyed by mail id (oxt_util_id_get),
 * values oxt_applied_user_t *, in p.
 */
apr_status_t oxt_state_users_load(apr_hash_t **pusers, oxt_db_t *db,
                                  long long dom_id, oxt_result_t *res,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Copies ctx's strings into p (from a row that goes with its result). */
void oxt_state_context_copy(oxt_applied_context_t *c,
                            const oxt_applied_context_t *src, apr_pool_t *p);

/** A copy of src with its strings, in p. */
oxt_applied_user_t *oxt_state_user_copy(const oxt_applied_user_t *src,
                                        apr_pool_t *p);

/* ---- a range of domains: the pages of a full pass -------------------------
 * Rows go to cb as they come (oxt_db_each), in no particular order; read
 * them with the readers below, whose strings point into the row. */

/** The domain_state rows of the domains with ids in (after, upto]. */
apr_status_t oxt_state_range_contexts(oxt_db_t *db, long long after,
                                      long long upto, oxt_db_row_cb *cb,
                                      void *baton, oxt_result_t *res,
                                      apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The mailbox_state rows of the domains with ids in (after, upto]. */
apr_status_t oxt_state_range_users(oxt_db_t *db, long long after,
                                   long long upto, oxt_db_row_cb *cb,
                                   void *baton, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The same, of the domains sel chooses (a range, or a batch of hints'
 *  list of domains: oxt_db_idsel_t). */
apr_status_t oxt_state_chosen_contexts(oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));
apr_status_t oxt_state_chosen_users(oxt_db_t *db, const oxt_db_idsel_t *sel,
                                    oxt_db_row_cb *cb, void *baton,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Reads a domain_state row; OXT_ESCHEMA when it has another shape. */
apr_status_t oxt_state_context_from_row(oxt_applied_context_t *ctx,
                                        const oxt_db_row_t *row);

/** Reads a mailbox_state row; OXT_ESCHEMA when it has another shape. */
apr_status_t oxt_state_user_from_row(oxt_applied_user_t *user,
                                     const oxt_db_row_t *row);

/**
 * The id of a domain we replicated under name (ASCII, or for other
 * characters the display name, as oxt_plesk_domain_named): for domains
 * psa no longer has. APR_ENOENT if none.
 */
apr_status_t oxt_state_domain_named(long long *pdom_id, oxt_db_t *db,
                                    const char *name, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The domain we replicated mailbox mail_id in; APR_ENOENT if none. */
apr_status_t oxt_state_user_domain(long long *pdom_id, oxt_db_t *db,
                                   long long mail_id, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The ids (long long, in p) of the domains we replicated for an account:
 * a client's (role OXT_ROLE_CLIENT) or a reseller's (OXT_ROLE_RESELLER),
 * by the owner snapshot of domain_state.
 */
apr_status_t oxt_state_owner_domain_ids(apr_array_header_t **pids,
                                        oxt_db_t *db, oxt_role_t role,
                                        long long owner_id,
                                        oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Records the sealed context admin password before the context is
 *  created, so a retry after a crash uses the same one. */
apr_status_t oxt_state_context_reserve(oxt_db_t *db,
                                       const oxt_plesk_domain_t *dom,
                                       const char *admin_login,
                                       const char *admin_password_enc,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The rows of a turn (oxt_rows.h): three writes of the replicator's
 * engine are rows added to rows of their shape, which the caller writes
 * together (oxt_store.c writes a turn's at its commit). Empty rows of
 * one of them, in p; p of a row is scratch.
 */
typedef enum {
    OXT_STATE_ROWS_CREATING,        /* oxt_state_user_creating */
    OXT_STATE_ROWS_APPLIED,         /* oxt_state_user_applied */
    OXT_STATE_ROWS_CONTEXT          /* oxt_state_context_applied */
} oxt_state_rows_t;

oxt_rows_t *oxt_state_rows(oxt_state_rows_t which, apr_pool_t *p);

/** After a context was created, adopted or changed. admin_address (NULL:
 *  kept as it is) is the address its admin has now (a create). The row
 *  is added to rows (oxt_state_rows), as
 *  oxt_state_user_creating's is. */
apr_status_t oxt_state_context_applied(oxt_rows_t *rows,
                                       const oxt_plesk_domain_t *dom,
                                       long long ox_context_id,
                                       const oxt_desired_context_t *want,
                                       const char *admin_address,
                                       apr_pool_t *p)
    __attribute__((warn_unused_result));

/** What we learned or changed of a context's admin: its OX id (0: kept)
 *  and the address it has now (NULL: kept). */
apr_status_t oxt_state_context_admin(oxt_db_t *db, long long dom_id,
                                     long long admin_user_id,
                                     const char *admin_address,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/*
 * Doubt: before an operation goes to OX, the state stops claiming what
 * the operation changes. If the process dies after OX did it and before
 * its outcome is recorded, the next plan finds those values unknown and
 * sends them again; without this, Plesk changing back meanwhile (an alias
 * added, then removed) would leave OX with what nobody wants any more,
 * since the recorded value would equal the wanted one. The outcome's
 * record (oxt_state_*_applied) puts the values back.
 */
#define OXT_DOUBT_NAME      0x001   /* applied_mail_name */
#define OXT_DOUBT_ADDRESS   0x002   /* applied_address (and IMAP login) */
#define OXT_DOUBT_ALIASES   0x004
#define OXT_DOUBT_PASSWORD  0x008
#define OXT_DOUBT_DISPLAY   0x010
#define OXT_DOUBT_LANGUAGE  0x020
#define OXT_DOUBT_TIMEZONE  0x040
#define OXT_DOUBT_SERVERS   0x080
#define OXT_DOUBT_SERVICE   0x100
#define OXT_DOUBT_USER_ALL  0x1ff
#define OXT_DOUBT_MAPPINGS  0x001   /* context: name and login mappings */
#define OXT_DOUBT_QUOTA     0x002
#define OXT_DOUBT_ADMIN     0x004   /* the admin's address */
#define OXT_DOUBT_DELETE    0x008   /* its deletion: status "deleted" */

/** The user's applied values in what (OXT_DOUBT_*) become unknown. */
apr_status_t oxt_state_user_doubt(oxt_db_t *db, long long mail_id,
                                  unsigned what, oxt_result_t *res,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/** oxt_state_user_doubt for each of mail_ids (long long), one statement
 *  per OXT_DB_IN_MAX. */
apr_status_t oxt_state_user_doubt_many(oxt_db_t *db,
                                       const apr_array_header_t *mail_ids,
                                       unsigned what, oxt_result_t *res,
                                       apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A create of mbox's user under name is about to be sent: the row says so
 *  (ox ids unset, applied_mail_name set), so that a mailbox that leaves
 *  before the answer is known is still deleted from OX (by name). The
 *  row is added to rows (oxt_state_rows), which the caller
 *  writes (oxt_rows_write): a turn writes all of its rows together. */
apr_status_t oxt_state_user_creating(oxt_rows_t *rows,
                                     const oxt_plesk_mailbox_t *mbox,
                                     const char *name)
    __attribute__((warn_unused_result));

/** The context's applied values in what (OXT_DOUBT_*) become unknown. */
apr_status_t oxt_state_context_doubt(oxt_db_t *db, long long dom_id,
                                     unsigned what, oxt_result_t *res,
                                     apr_pool_t *p)
    __attribute__((warn_unused_result));

/** After the context was deleted in OX (or found gone). */
apr_status_t oxt_state_context_deleted(oxt_db_t *db, long long dom_id,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * After a user was created or changed: OX now holds want, with the access
 * combination of service (-1: none known yet, e.g. after adopting a user
 * whose attributes are still to be sent), and ox_primary as its primary
 * address when OX refused to take want's (NULL: want's). A pending
 * service type change ends when service is that type; a change of other
 * attributes (which keeps the access combination OX has) leaves it
 * pending.
 */
apr_status_t oxt_state_user_applied(oxt_rows_t *rows,
                                    const oxt_plesk_mailbox_t *mbox,
                                    long long ox_context_id,
                                    long long ox_user_id,
                                    const oxt_desired_user_t *want,
                                    int service, const char *ox_primary,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * A user found in OX (create said it exists): its ids only, so the next
 * plan sends every attribute.
 */
apr_status_t oxt_state_user_adopted(oxt_db_t *db,
                                    const oxt_plesk_mailbox_t *mbox,
                                    long long ox_context_id,
                                    long long ox_user_id, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** After a user was deleted in OX (or found gone). */
apr_status_t oxt_state_user_deleted(oxt_db_t *db, long long mail_id,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * A mailbox that is not (or no longer) replicated, or whose last
 * operation failed: status, reason and the owner snapshot, keeping what
 * was applied. error (may be NULL) is the last failure's text. For a
 * mailbox not in OX, service becomes its chosen type. settled: nothing is
 * left to send OX for it (its status is final for now), so a pending
 * service type change ends here too; a failure or a hold keeps it.
 */
apr_status_t oxt_state_user_status(oxt_db_t *db,
                                   const oxt_plesk_mailbox_t *mbox,
                                   oxt_service_t service, const char *status,
                                   const char *reason, const char *error,
                                   int settled, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Forgets what was applied to a user so the next plan sends it again:
 * with gone, the user is not in OX at all (it will be created), else every
 * attribute and the access combination are resent.
 */
apr_status_t oxt_state_user_forget(oxt_db_t *db, long long mail_id, int gone,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Forgets a context: with gone it is not in OX (it and its users will be
 * created again), else its name, mappings and quota are resent.
 */
apr_status_t oxt_state_context_forget(oxt_db_t *db, long long dom_id,
                                      int gone, oxt_result_t *res,
                                      apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- counts (metrics, health) ---------------------------------------------- */

/** How many mailboxes or domains are in one status. */
typedef struct oxt_state_count_t {
    const char *status;            /* the table's status column */
    const char *reason;            /* status_reason, "" when none */
    const char *service;           /* service type code; NULL for domains */
    long long count;
} oxt_state_count_t;

/**
 * The mailboxes by status, reason and service type, and the domains by
 * status (oxt_state_count_t arrays in p). One GROUP BY each over the
 * tables' status indexes.
 */
apr_status_t oxt_state_counts(apr_array_header_t **pmailboxes,
                              apr_array_header_t **pdomains, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- what the license counts (oxt_seats.h) --------------------------------- */

/**
 * Seat holders: with domains, the domains with a context in OX, else the
 * mailboxes in OX with a Groupware type. *pids gets the first limit ids
 * (long long, ascending, in p), *ptotal how many there are in all.
 */
apr_status_t oxt_state_seat_holders(apr_array_header_t **pids,
                                    long long *ptotal, oxt_db_t *db,
                                    int domains, int limit,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The first limit ids (ascending) of the mailboxes (with domains: of
 * their domains) recorded as not replicated for reason.
 */
apr_status_t oxt_state_seat_waiting(apr_array_header_t **pids, oxt_db_t *db,
                                    const char *reason, int domains,
                                    int limit, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** How many reasons oxt_state_reason_counts takes. */
#define OXT_STATE_REASONS 4

/** How many mailboxes are recorded as not replicated for each of the
 *  OXT_STATE_REASONS reasons (counts[i] for reasons[i]), in one
 *  statement. */
apr_status_t oxt_state_reason_counts(long long *counts, oxt_db_t *db,
                                     const char *const *reasons,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The seat holders' totals (*pusers, *pdomains: as oxt_state_seat_holders
 *  counts them) and oxt_state_reason_counts' counts, in one statement:
 *  for seats without a cap, which need no id list (three statements
 *  each time the seats were recorded). */
apr_status_t oxt_state_seat_totals(long long *pusers, long long *pdomains,
                                   long long *counts, oxt_db_t *db,
                                   const char *const *reasons,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_STATE_H */
