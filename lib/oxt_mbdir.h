/*
 * oxt_mbdir.h — keeping the Mailboxes page's directory true: the tables
 * of migration 0082 (dir_mailbox, dir_mailbox_term, dir_mailbox_count)
 * that the page orders, searches and counts by (oxt_mblist.h reads
 * them), because psa gets no index of ours and cannot sort or count a
 * million mailboxes by service type or last replication per request.
 *
 * The values are the page's own: each batch selects the rows of its
 * domains with the page's SELECT (oxt_mblist_rows_select), so a sort
 * orders by exactly what the column shows. Written only here:
 *  - oxt_mbdir_sync_domains: the mailboxes of some domains (any ids;
 *    those psa no longer has lose their rows), in batches of
 *    OXT_MBDIR_BATCH domains, each its own transaction: the rows
 *    (upserted, so an unchanged row costs a key lookup and no index
 *    write), those psa lost, their search terms, and the stored counts
 *    of their domain, client, reseller and the whole server, adjusted by
 *    the batch's difference (a batch takes in the old domain of a row
 *    it takes over, so a mailbox moved between domains synced apart is
 *    counted once). The replicator calls it with the domains of
 *    every batch of hints it worked (next to oxt_dir_sync_domains).
 *  - oxt_mbdir_sync_mails: the same for the domains of some mailboxes:
 *    Change Service calls it right after recording (up to
 *    OXT_MBDIR_NOW_MAX mailboxes), so the order by service type or OX
 *    Service is true at once.
 *    Each batch also keeps the page index (dir_mailbox_page) exact: the
 *    rows whose sort value, owner or ox=1 changed are counted before and
 *    after every point. A batch and a rebuild of the index exclude each
 *    other (dir_mailbox_page_lock, migration 0137: batches share it), so
 *    no batch's change falls between a rebuild's snapshot and its points.
 *  - oxt_mbdir_refresh: every domain of psa and of the directory,
 *    compared in ranges and only what differs written (below): by
 *    `oxtender-replicator directory`; oxt_mbdir_refresh_changed the same
 *    for the domains whose sources moved (oxt_dirsum.h): after every
 *    full pass (next to oxt_dir_refresh_changed).
 *  - the wide searches (dir_mailbox_wide, migration 0115): the stored
 *    count of every prefix that finds more than OXT_MBDIR_WIDE_MIN
 *    mailboxes of the whole server, found again from the terms whenever
 *    the counts are recounted (a fill, bulk writes, drift) and kept
 *    exact by every batch in between: the mailboxes of the batch whose
 *    terms changed are counted against each prefix before and after
 *    (by LIKE, as the page matches), and the difference applied.
 *  - their points (dir_mailbox_wide_page, migration 0140): for each
 *    prefix of at least OXT_MBDIR_WIDE_POINTS_MIN mailboxes (marked pts
 *    when the prefixes are chosen) and each point of the server's page
 *    index, the prefix's matches from the point's key to the next
 *    point's (a head row: before the first). Built with the page index
 *    (and after a new choice of the prefixes) from one scan per sort,
 *    each mailbox's prefixes a bit mask read from the terms; moved by
 *    every batch in its transaction: the rows that moved in an order or
 *    whose terms changed, at their old key with their old terms (-1) and
 *    at the new with the new (+1), matched against the marked prefixes,
 *    merged in the sort's order with the page index's points, each
 *    segment added the moves in it (an increment: batches side by side
 *    add up).
 * What no hint announces (the Settings' default service type changed)
 * reaches the order at the next full pass; the rows themselves show it
 * at once.
 *
 * Call these outside a transaction. Everything lives in p.
 */
#ifndef OXT_MBDIR_H
#define OXT_MBDIR_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_settings.h"

/* ---- the sort columns (the directory's side of the page's sorts) ------- */

/** One sort of the page: its key, its dir_mailbox column, whether the
 *  value is a string (else an integer), whether ox=1 of the whole
 *  server has an index (and page points) for it, and the name of its
 *  indexes after their scope's "a_" or "r_" (migration 0082). */
typedef struct oxt_mbdir_sort_t {
    const char *key;
    const char *col;
    int is_str;
    int ox_index;
    const char *index;
} oxt_mbdir_sort_t;

/** The sort of key, or NULL (an allow-list: keys the page names). */
const oxt_mbdir_sort_t *oxt_mbdir_sort(const char *key);

/** Rows between two points of the page index (dir_mailbox_page). */
#define OXT_MBDIR_PAGE_EVERY 1000

/** The most mailboxes a Change Service syncs at once (more are left to
 *  the replicator's sync of the hints it queued). */
#define OXT_MBDIR_NOW_MAX 1000

/** A search of the whole server that finds more mailboxes than this
 *  has its count stored (dir_mailbox_wide); a narrower one is counted
 *  from the terms per request (at most about this many entries). */
#define OXT_MBDIR_WIDE_MIN 1000

/** A wide prefix that finds at least this many mailboxes when the
 *  prefixes are chosen also has points (dir_mailbox_wide_page): its pages
 *  at any depth are a seek and a bounded walk instead of a join and sort
 *  of every match. */
#define OXT_MBDIR_WIDE_POINTS_MIN 5000

/** The longest prefix whose count is stored, in characters. */
#define OXT_MBDIR_WIDE_MAXLEN 64

/** A stored wide prefix that finds at least this many of a reseller's
 *  mailboxes and misses at most OXT_MBDIR_RDENSE_MISS_MAX of them when
 *  the prefixes are chosen is a dense search of that reseller
 *  (dir_mailbox_rdense, migration 0149): its misses are stored
 *  (dir_mailbox_rmiss), so its count is the reseller's less them and a
 *  page the reseller's page without the search, the misses left out.
 *  A sync batch that leaves a stored one more misses than that drops it
 *  (a page binds every miss), and none more is read from its misses. */
#define OXT_MBDIR_RDENSE_MIN 2000
#define OXT_MBDIR_RDENSE_MISS_MAX 500

/** A stored wide prefix that finds at least this many of the mailboxes of
 *  a reseller of OXT_MBDIR_RDENSE_MIN or more, fewer than half of them,
 *  and is not one of its dense searches, when the prefixes are chosen, is
 *  a mid-density search of that reseller (dir_mailbox_rmid, migration
 *  0150): its matches are counted per point of the reseller's page index
 *  and sort (dir_mailbox_rseg), so its pages are a seek and a bounded walk
 *  instead of a join and sort of every match. */
#define OXT_MBDIR_RMID_MIN 500

/** Domains per transaction. */
#define OXT_MBDIR_BATCH 500

/** What a sync did (for the log and the tests); added to. */
typedef struct oxt_mbdir_stats_t {
    long long seen;            /* mailbox rows psa gave */
    long long changed;         /* rows added or changed */
    long long removed;         /* rows psa no longer has */
} oxt_mbdir_stats_t;

/**
 * The directory rows of the mailboxes of the domains ids (long long),
 * with their terms and counts, as psa and our state say now. settings
 * gives the default service type; stats may be NULL.
 */
apr_status_t oxt_mbdir_sync_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                    const oxt_settings_t *settings,
                                    const apr_array_header_t *ids,
                                    oxt_mbdir_stats_t *stats,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The same for the domains of the mailboxes mail_ids (long long), for a
 *  page's request: while the page index is rebuilt it fails at once (the
 *  rows are brought in line by the replicator's next batch) rather than
 *  hold the request for the rebuild. */
apr_status_t oxt_mbdir_sync_mails(oxt_db_t *db, const oxt_psa_t *psa,
                                  const oxt_settings_t *settings,
                                  const apr_array_header_t *mail_ids,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The whole directory: every domain psa has and every one the directory
 * has (so a deleted domain's rows go), compared range by range (about
 * ten thousand domains a statement: the page's SELECT against the stored
 * rows, the rows psa lost, the display-name terms) and only the domains
 * that differ synced: while few, keeping the page index exact, past
 * OXT_MBDIR_BATCH of them the rest without it and the index rebuilt at
 * the end. The counts are recounted and the page index rebuilt only
 * then, or when a cheap check finds them drifted (the whole server's
 * count and the domains' sum against the rows; the page index's points
 * against an even spacing). An empty directory is filled range by range
 * in two statements each, with the secondary indexes of dir_mailbox and
 * dir_mailbox_term but those by domain parked (dir_index_parked,
 * migration 0094) and built once at the end when psa has more than a few
 * thousand mailboxes; a fill cut short gets them back at the next call.
 */
apr_status_t oxt_mbdir_refresh(oxt_db_t *db, const oxt_psa_t *psa,
                               const oxt_settings_t *settings,
                               oxt_mbdir_stats_t *stats, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The same for the buckets of domain ids (long long, ascending, as
 * oxt_dirsum_changed gives them) only: the domains whose sources moved
 * since the last refresh. NULL: everything, as oxt_mbdir_refresh. An
 * empty directory is filled whole either way.
 */
apr_status_t oxt_mbdir_refresh_changed(oxt_db_t *db, const oxt_psa_t *psa,
                                       const oxt_settings_t *settings,
                                       const apr_array_header_t *buckets,
                                       oxt_mbdir_stats_t *stats,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The stored count of the whole server's mailboxes found by the search
 * q (as typed; the page's word-start rule): *pfound 1 and *pcnt the
 * count when q is a wide prefix of dir_mailbox_wide, else *pfound 0
 * (count it from the terms).
 */
apr_status_t oxt_mbdir_wide_count(long long *pcnt, int *pfound,
                                  oxt_db_t *db, const char *q,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Every reseller's dense searches (dir_mailbox_rdense and their misses,
 * migration 0149) chosen again from the stored wide prefixes, in a
 * transaction of its own; *pn the (reseller, prefix) pairs stored. The
 * refreshes call it with the wide prefixes' choice; for the tests and
 * tools.
 */
apr_status_t oxt_mbdir_rdense_rebuild(long long *pn, oxt_db_t *db,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The segments of every stored mid-density search of a reseller
 * (dir_mailbox_rseg, migration 0150) counted again from the pairs
 * (dir_mailbox_rmid) and the page index as they are, in a transaction of
 * its own that holds the page index's lock for update; *pn the segments
 * stored. The refresh counts them with every rebuild of the page index
 * and every choice of the pairs; for the tests and tools.
 */
apr_status_t oxt_mbdir_rmid_build(long long *pn, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The wide searches' points (dir_mailbox_wide_page, migration 0140) made
 * again for every prefix marked pts from the page index as it is, in a
 * transaction of its own; *ppoints the rows written. The refreshes call
 * it when they are missing; for the tests and tools.
 */
apr_status_t oxt_mbdir_wide_points_rebuild(long long *ppoints, oxt_db_t *db,
                                           oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_MBDIR_H */
