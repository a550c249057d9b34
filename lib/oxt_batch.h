/*
 * oxt_batch.h — a page of a full pass: many domains loaded together.
 *
 * A pass over a million mailboxes cannot afford a handful of queries per
 * domain (the statements, not the rows, were what it spent its time on).
 * A batch covers the domains with ids in a keyset range (after, upto]: the
 * psa domains, their mailboxes with aliases, the domains' aliases, the
 * preferences of every level above them and what we applied are each read
 * with one streamed query for the whole range (oxt_plesk, oxt_prefs and
 * oxt_state own the SQL), and the rows are joined here, in memory, by
 * domain and mailbox id. The work of one domain (oxt_work.h) is then made
 * from the batch on demand, in the caller's pool, exactly as oxt_work_load
 * makes it from its own queries. A batch of hints' domains is loaded
 * the same way with its domains chosen by their ids instead of a range
 * (oxt_batch_load_ids): the same queries with an IN list for the range's
 * condition (oxt_db_idsel_t).
 *
 * The rows may come in any order; a row outside the range (a mailbox of a
 * domain the next batch covers) is ignored, and so are mail rows of a
 * domain psa does not list (it was deleted meanwhile: what we applied
 * there is planned as lost).
 */
#ifndef OXT_BATCH_H
#define OXT_BATCH_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_work.h"

typedef struct oxt_batch_t oxt_batch_t;
typedef struct oxt_batch_aliases_t oxt_batch_aliases_t;

/** Which query a row comes from (and so how it is read). */
typedef enum {
    OXT_BATCH_DOMAIN = 0,       /* oxt_plesk_range_domains */
    OXT_BATCH_MAILBOX,          /* oxt_plesk_range_mailboxes */
    OXT_BATCH_PASSWORD,         /* oxt_plesk_range_passwords */
    OXT_BATCH_DOMAIN_ALIAS,     /* oxt_plesk_range_domain_aliases, for
                                   a page whose domain rows had a list
                                   cut short */
    OXT_BATCH_PREFS,            /* oxt_prefs_range */
    OXT_BATCH_CONTEXT,          /* oxt_state_range_contexts */
    OXT_BATCH_USER              /* oxt_state_range_users */
} oxt_batch_rows_t;

/* ---- the mailbox aliases of a whole pass --------------------------------- *
 *
 * Looking a mailbox's aliases up with each batch's mailboxes costs the
 * server an index lookup per mailbox, and most mailboxes have none: at a
 * million mailboxes that was the dearest part of a pass. So a pass reads
 * psa's aliases once, in one streamed query over their index, into a
 * table sorted by mail id (16 bytes and the name per alias), and every
 * batch takes its mailboxes' aliases from it. A host with more than a
 * pass may hold reads them with each batch's mailboxes instead.
 */

/**
 * psa's mailbox aliases (oxt_plesk_all_mail_aliases), in p; *paliases is
 * NULL when there are more than max (each batch then reads its own).
 * One statement.
 */
apr_status_t oxt_batch_aliases_load(oxt_batch_aliases_t **paliases,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    long long max, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** An empty table in p, and a row of oxt_plesk_all_mail_aliases added
 *  to it (copied; in any order); OXT_ESCHEMA for a row of another
 *  shape. For oxt_batch_aliases_load and the tests. */
oxt_batch_aliases_t *oxt_batch_aliases_make(apr_pool_t *p);
apr_status_t oxt_batch_aliases_feed(oxt_batch_aliases_t *aliases,
                                    const oxt_db_row_t *row)
    __attribute__((warn_unused_result));

/** How many aliases the table holds. */
long long oxt_batch_aliases_count(const oxt_batch_aliases_t *aliases);

/**
 * Loads the batch after domain id after: at most limit psa domains and,
 * in the same range, the domains we replicated that psa no longer has.
 * The range ends at the last of those psa domains, or covers every id
 * above after when psa has fewer than limit of them (then it is the last
 * batch). Six statements whatever the size. Without passwords, up to
 * three more for the passwords of the domains whose mailboxes may go to
 * OX (reading a password costs more than the rest of its mailbox's rows
 * together); with passwords, none: the mailbox query reads every
 * mailbox's password (what a page where most mailboxes need theirs
 * should do: oxt_batch_password_mailboxes). With aliases
 * (oxt_batch_aliases_load), the mailboxes' aliases come from that table,
 * which must outlive the batch; NULL: they are read with the mailboxes.
 * Everything else lives in p.
 */
apr_status_t oxt_batch_load(oxt_batch_t **pbatch, const oxt_psa_t *psa,
                            oxt_db_t *db, long long after, int limit,
                            int passwords, oxt_batch_aliases_t *aliases,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The same loader for the domains listed in ids (long long, ascending,
 * distinct, 1 to OXT_DB_IN_MAX of them; APR_EINVAL otherwise), not a
 * range: a batch of hints names hundreds of domains spread over every
 * id, and a range holding them all read every domain between them.
 * psa's rows of those domains and ours, each table in one statement
 * with the ids as one padded IN list (oxt_db_idsel_t), and the
 * passwords of those that need them in one more; the batch is the last
 * (nothing after it) and its range is (ids[0] - 1, ids[n - 1]], but it
 * holds only the listed domains: a row of another is ignored.
 */
apr_status_t oxt_batch_load_ids(oxt_batch_t **pbatch, const oxt_psa_t *psa,
                                oxt_db_t *db, const apr_array_header_t *ids,
                                int passwords, oxt_batch_aliases_t *aliases,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the parts of oxt_batch_load (for the tests) ------------------------ */

/** An empty batch after domain id after, in p. */
oxt_batch_t *oxt_batch_make(long long after, apr_pool_t *p);

/**
 * Adds a row of kind (its strings are copied into the batch's pool).
 * Domain rows come first: once they are in, oxt_batch_bound fixes the
 * end of the range that the other rows are checked against. OXT_ESCHEMA
 * when the row does not have the shape of its query.
 */
apr_status_t oxt_batch_feed(oxt_batch_t *batch, oxt_batch_rows_t kind,
                            const oxt_db_row_t *row)
    __attribute__((warn_unused_result));

/** The batch holds the domains of ids only (oxt_batch_load_ids; ids
 *  must outlive it): rows of others are ignored, and it is the last. */
void oxt_batch_choose(oxt_batch_t *batch, const apr_array_header_t *ids);

/**
 * The batch's mailboxes take their aliases from aliases (it must outlive
 * the batch; oxt_batch_aliases_load), and their rows carry none. Call it
 * before the first mailbox row.
 */
void oxt_batch_use_aliases(oxt_batch_t *batch, oxt_batch_aliases_t *aliases);

/** Ends the range after the domain rows: at the last domain when limit
 *  of them came, else at OXT_PLESK_ID_MAX. */
void oxt_batch_bound(oxt_batch_t *batch, int limit);

/** A run of domain ids, both ends included. */
typedef struct oxt_batch_run_t {
    long long first, last;
} oxt_batch_run_t;

/**
 * Where passwords are needed (oxt_desired_needs_password): the domains
 * with a mailbox that may go to OX, as at most max runs of the batch's
 * domains (oxt_batch_run_t, in the batch's pool), joined across every
 * gap of fewer than min_gap mailbox rows (the domains there that need no
 * password) and then across the smallest gaps; empty when no mailbox
 * needs one. Call it after the domain, mailbox and preference rows are
 * in; feed the password rows of these runs only.
 */
apr_array_header_t *oxt_batch_password_runs(oxt_batch_t *batch, int max,
                                            int min_gap);

/** The mail rows (of oxt_batch_mailboxes) of the domains that need their
 *  passwords, as the last oxt_batch_password_runs or oxt_batch_load
 *  counted them: whether the next page should read the passwords with
 *  its mailboxes. */
long long oxt_batch_password_mailboxes(const oxt_batch_t *batch);

/* ---- reading a batch ------------------------------------------------------ */

/** The range: (after, upto]. */
long long oxt_batch_after(const oxt_batch_t *batch);
long long oxt_batch_upto(const oxt_batch_t *batch);

/** True when this batch reaches the end (no batch comes after it). */
int oxt_batch_last(const oxt_batch_t *batch);

/** How long oxt_batch_load spent in each part (its queries, their rows
 *  streamed and joined): psa's tables, the preferences, our state. */
typedef struct oxt_batch_took_t {
    apr_interval_time_t psa, prefs, state;
} oxt_batch_took_t;

const oxt_batch_took_t *oxt_batch_took(const oxt_batch_t *batch);

/** The domains (long long, ascending) of the batch: psa's and those psa
 *  lost that we replicated. Lives in the batch's pool. */
const apr_array_header_t *oxt_batch_ids(oxt_batch_t *batch);

/** How many mail rows of psa the batch holds (mailboxes and forwarders),
 *  and how many of our mailbox_state rows: to size the next batch. */
long long oxt_batch_mailboxes(const oxt_batch_t *batch);
long long oxt_batch_users(const oxt_batch_t *batch);

/** About how many bytes the batch's rows take in its pool (their copies
 *  and what joins them): a page is sized by this, so that the two a pass
 *  holds (the one worked, the one read ahead) stay within a bound
 *  whatever its rows are made of. */
apr_size_t oxt_batch_bytes(const oxt_batch_t *batch);

/**
 * The work of domain dom_id (one of oxt_batch_ids), planned, entirely in
 * p: it does not point into the batch, which may go first. APR_ENOENT
 * for a domain the batch does not hold.
 */
apr_status_t oxt_batch_work(oxt_work_t **pwork, oxt_batch_t *batch,
                            long long dom_id, const oxt_desired_env_t *env,
                            apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_BATCH_H */
