/*
 * oxt_dir.h — the data of the Resellers, Clients and Domains lists: who
 * may see which object, the rows of a list request, and the directory
 * tables that make those lists fast at a million mailboxes.
 *
 * ---- Why a directory ------------------------------------------------------
 * psa is Plesk's database: we read it and add nothing to it, and it cannot
 * count, sort or search a hundred thousand domains by their mailboxes or
 * their last replication quickly. So the replicator copies what the lists
 * order, count and search by into tables of ours (migration 0020:
 * dir_account, dir_domain, dir_term, dir_total, dir_page), and the pages
 * read them:
 *  - totals are stored: a reseller's clients and domains, a client's
 *    domains, each list's size (no COUNT(*) over a list);
 *  - every sort column has an index per scope (all, a reseller's, a
 *    client's), and a page index (dir_page: about every 1000th row of a
 *    long scope in each sort order with its exact position), so a deep
 *    page is a seek plus a short range scan, never OFFSET 99,975;
 *  - search matches the start of each word of a name a person would type
 *    (dir_term, LIKE 'typed%' on an index), never LIKE '%typed%'; the
 *    count of a search that finds many rows is stored per prefix and
 *    scope (dir_prefix, oxt_dirpre.h).
 * What a page shows of each row it lists (name, suspension, mail service,
 * owner chain) and whether the row is the caller's at all are read from
 * psa with the page, so a stale directory can misplace a row in the order
 * or a count by one until the next sync, but never show anybody a row
 * outside their part of the server.
 *
 * ---- Keeping it true (the replicator is the only writer) ------------------
 *  - oxt_dir_sync_domains: THE narrow function a pass calls per batch of
 *    domain ids it has worked (any ids: those psa lost are removed), and
 *    the daemon calls with the domains of the hints it worked. It reads
 *    the batch from psa and mailbox_state with a few set-based queries
 *    and writes only what changed: the rows, their search terms, the
 *    aggregates of their owners (dir_account), the totals and the page
 *    index, in one transaction. Outside OXT_DIR_DEFER the page index is
 *    kept exact row by row (a few changed rows) or rebuilt for the groups
 *    touched (many).
 *  - oxt_dir_sync_accounts: the same for resellers and clients by id
 *    (account hints), or for all of them (NULL).
 *  - oxt_dir_refresh: the whole directory, as a pass of its own in
 *    batches (accounts, every domain with OXT_DIR_DEFER, the rows psa no
 *    longer has), then, when a batch wrote anything or the totals
 *    drifted or a refresh before it stopped short of its finish (each
 *    deferred batch that writes marks dir_unfinished in its transaction,
 *    the finish clears it in its own), oxt_dir_sync_finish: exact totals
 *    and aggregates and a rebuilt page index. `oxtender-replicator directory` runs it; after
 *    every full pass the replicator runs oxt_dir_refresh_changed, the
 *    same over the domains whose sources moved (oxt_dirsum.h) only.
 * So the lists are as fresh as the replicator: within about a second of a
 * Plesk event with the daemon, else at the next run; what no event
 * announces (a client without domains created) at the next full pass.
 *
 * ---- Reading (the pages) ----------------------------------------------------
 *     oxt_dir_query_t q = { OXT_DIR_DOMAINS, ident, 0, 0, "", "name", 0,
 *                           0, 25 };
 *     rv = oxt_dir_filters_check(psa, db, ident, q.list, reseller, client,
 *                                res, p);             APR_ENOENT: 404
 *     rv = oxt_dir_read_begin(db, res);               one snapshot
 *     rv = oxt_dir_count(&total, psa, db, &q, res, p);
 *     ... paging: q.offset, q.limit ...
 *     rv = oxt_dir_each(psa, db, &q, row_cb, baton, res, p);
 *     oxt_dir_read_end(db);
 *
 * Everything a function returns lives in the pool it is given, unless
 * said otherwise; rows handed to a callback live until it returns.
 */
#ifndef OXT_DIR_H
#define OXT_DIR_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_prefs.h"

/* ---- who may see what ------------------------------------------------------ */

typedef enum {
    OXT_DIR_RESELLER = 0,
    OXT_DIR_CLIENT,
    OXT_DIR_DOMAIN,
    OXT_DIR_MAILBOX
} oxt_dir_kind_t;

/** "reseller", "client", "domain", "mailbox". */
const char *oxt_dir_kind_name(oxt_dir_kind_t kind);

/**
 * THE subtree rule: is object (kind, id) in ident's part of the server,
 * as psa says now? The admin sees everything; a reseller itself, its
 * clients, its own and its clients' domains and their mailboxes; a
 * client its domains and their mailboxes; a domain administrator its
 * domain and its mailboxes. APR_SUCCESS, or APR_ENOENT both when the
 * object does not exist and when it is somebody else's: the caller
 * answers 404 either way, so nobody learns which.
 */
apr_status_t oxt_dir_in_subtree(const oxt_psa_t *psa, oxt_db_t *db,
                                const oxt_identity_t *ident,
                                oxt_dir_kind_t kind, long long id,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The same for every id of ids (long long): APR_SUCCESS when all are in
 * the subtree, APR_ENOENT when one is not (or does not exist). Set-based:
 * a few queries for any number of ids.
 */
apr_status_t oxt_dir_in_subtree_all(const oxt_psa_t *psa, oxt_db_t *db,
                                    const oxt_identity_t *ident,
                                    oxt_dir_kind_t kind,
                                    const apr_array_header_t *ids,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the lists -------------------------------------------------------------- */

typedef enum {
    OXT_DIR_RESELLERS = 0,
    OXT_DIR_CLIENTS,
    OXT_DIR_DOMAINS,
    OXT_DIR_LISTS
} oxt_dir_list_t;

/** The level of the rows of a list (OXT_LEVEL_RESELLER, ...). */
oxt_level_t oxt_dir_list_level(oxt_dir_list_t list);

/**
 * Is key a sort key of list? resellers: name, modified, clients, domains,
 * mailboxes; clients: name, modified, domains, mailboxes; domains: name,
 * mail, modified, mailboxes. The pages' column tables name these keys;
 * the SQL behind them is this file's.
 */
int oxt_dir_sortable(oxt_dir_list_t list, const char *key);

/** One list request: whose subtree, which part of it, which page. */
typedef struct oxt_dir_query_t {
    oxt_dir_list_t list;
    const oxt_identity_t *ident;
    long long reseller;        /* owner filters, checked with          */
    long long client;          /* oxt_dir_filters_check; 0: none       */
    const char *q;             /* search ("" or NULL: none)            */
    const char *sort;          /* a sort key (else the list's default) */
    int desc;
    long long offset;          /* rows to skip */
    long long limit;           /* rows to give; 0: all */
    long long total;           /* what oxt_dir_count gave in the same
                                  snapshot (saves reading it again for
                                  a deep page); 0: not known */
    int wide;                  /* what oxt_dir_count found: 1 the total
                                  of a stored wide search (dir_prefix),
                                  -1 not one; 0: not known (looked up
                                  again when the page needs it) */
} oxt_dir_query_t;

/**
 * Checks the owner filters a request names for list against the caller:
 * each must be of its kind and in the caller's subtree, and a client
 * filter must lie inside a reseller filter given with it; the Resellers
 * list takes none, the Clients list only reseller. APR_ENOENT for any
 * other (answer 404 exactly as for a forged id).
 */
apr_status_t oxt_dir_filters_check(const oxt_psa_t *psa, oxt_db_t *db,
                                   const oxt_identity_t *ident,
                                   oxt_dir_list_t list, long long reseller,
                                   long long client, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Opens one consistent snapshot for the reads of a page (the total and
 * the rows agree even while the replicator writes); _end closes it. A
 * page must call _end on every path once _begin succeeded.
 */
apr_status_t oxt_dir_read_begin(oxt_db_t *db, oxt_result_t *res)
    __attribute__((warn_unused_result));
void oxt_dir_read_end(oxt_db_t *db);

/**
 * The number of rows the request lists (all pages): a stored total
 * without a search, an index count of the matching terms with one. Sets
 * q->wide, so that the page that follows (q->total given) does not look
 * the search up in dir_prefix a second time.
 */
apr_status_t oxt_dir_count(long long *ptotal, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_dir_query_t *q,
                           oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** One row of a list, for the page to format. */
typedef struct oxt_dir_row_t {
    long long id;
    const char *name;          /* psa's, now: contact name or domain's
                                  display name */
    int suspended;             /* any status bit up the owner chain */
    int mail_on;               /* domains: the mail service is on */
    long long reseller_id;     /* the chain above the row (psa, now) */
    long long client_id;
    long long clients;         /* resellers */
    long long domains;         /* resellers, clients */
    long long mbox_total;      /* mailboxes in psa */
    long long mbox_ox;         /* of them replicated */
    long long ox_by_service[3];/* replicated, by oxt_service_t */
    long long modified;        /* last sync, seconds since 1970; 0: never */
    /* the row's own preferences and what it inherits */
    int access;                /* the Access tick */
    oxt_forever_t forever_own; /* as stored at the row's level */
    int forever;               /* Webmail Forever in effect (own, else
                                  the nearest level above) */
    int now;                   /* a Webmail Now request is pending */
} oxt_dir_row_t;

typedef apr_status_t oxt_dir_row_cb(void *baton, const oxt_dir_row_t *row,
                                    apr_pool_t *ptemp);

/**
 * Streams the rows of one page of the request, in its order, to cb: each
 * row is in the caller's subtree as psa says now (one that is not any
 * more is left out). The rows come in chunks; ptemp is cleared after
 * every chunk. For all rows (limit 0) memory holds the ids (8 bytes a
 * row) and one chunk.
 */
apr_status_t oxt_dir_each(const oxt_psa_t *psa, oxt_db_t *db,
                          const oxt_dir_query_t *q, oxt_dir_row_cb *cb,
                          void *baton, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * One object's row as a list would show it (the Prefs dialog's heading,
 * a POST's current state), for an object in ident's subtree: APR_ENOENT
 * otherwise.
 */
apr_status_t oxt_dir_row_get(oxt_dir_row_t *row, const oxt_psa_t *psa,
                             oxt_db_t *db, const oxt_identity_t *ident,
                             oxt_dir_list_t list, long long id,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The rows of ids (long long) as oxt_dir_row_get gives them, in a hash
 * from id (oxt_util_id_get) to oxt_dir_row_t *, in p; ids outside the
 * subtree are absent.
 */
apr_status_t oxt_dir_rows_get(apr_hash_t **prows, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_identity_t *ident,
                              oxt_dir_list_t list,
                              const apr_array_header_t *ids,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The ids (long long, in p) of every row the request lists, whatever its
 * paging: the target of "Webmail Forever for all". Checked against psa
 * like oxt_dir_each.
 */
apr_status_t oxt_dir_ids(apr_array_header_t **pids, const oxt_psa_t *psa,
                         oxt_db_t *db, const oxt_dir_query_t *q,
                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- search terms (pure, for the sync and its tests) ------------------------- */

/** The most terms one name gives. */
#define OXT_DIR_TERMS_MAX 8

/**
 * The terms a name is found by (const char *, in p, at most
 * OXT_DIR_TERMS_MAX, each at most 255 bytes, cut at a character
 * boundary): the name, then each part of it that starts after a space,
 * a '.', a '-', a '_', a '@' or a '/' — for a domain ("shop.dom1.example")
 * "dom1.example" but not the top-level "example" alone (every name ends
 * in one, so it would find everything). Duplicates left out.
 */
apr_array_header_t *oxt_dir_terms(const char *name, int domain,
                                  apr_pool_t *p);

/* ---- a searched page from a window of the sort order (pure) ------------------ */

/** The largest window of a sort index a searched page reads. */
#define OXT_DIR_WINDOW_MAX 2000

/** How a searched page is read from a window of its scope's sort index:
 *  the first rows index entries in the read order (back: the other end,
 *  the page then reversed), of whose matches skip are passed over. */
typedef struct oxt_dir_window_t {
    int back;
    long long rows;
    long long skip;
} oxt_dir_window_t;

/**
 * Plans the searched page [offset, offset + limit) of matches rows among
 * a scope of scope_rows, read from the nearer end of the sort order: a
 * window of twice the index entries that hold the page when the matches
 * are spread evenly, plus 64. 0 when that window would exceed
 * OXT_DIR_WINDOW_MAX (the matches are then joined and sorted) or there
 * is no page. A window that holds fewer than the page's rows (the
 * matches bunch elsewhere in the order) must be given up for the join;
 * one of scope_rows entries holds every match. bunched: the order is by
 * the name the terms are made of, so the matches of a narrow search lie
 * together (the names that start with it) rather than spread: a window
 * only when they are at least half of the scope.
 */
int oxt_dir_window_plan(oxt_dir_window_t *w, long long offset,
                        long long limit, long long matches,
                        long long scope_rows, int bunched);

/**
 * The LIKE pattern of a search: q with '%', '_' and '!' escaped by '!',
 * then '%' ("50%" -> "50!%%"): what was typed, at the start of a term.
 */
const char *oxt_dir_like_prefix(const char *q, apr_pool_t *p);

/* ---- keeping it true (the replicator) ------------------------------------------ */

/* oxt_dir_sync_domains flags */
#define OXT_DIR_DEFER 1        /* leave the page index, the owners'
                                  aggregates and the exact totals to
                                  oxt_dir_sync_finish (a batch that
                                  writes drops the page index whole) */

/** What a sync changed (for the log and the tests). */
typedef struct oxt_dir_stats_t {
    long long seen;
    long long added;
    long long changed;
    long long removed;
} oxt_dir_stats_t;

/** dst += src, field by field. */
void oxt_dir_stats_add(oxt_dir_stats_t *dst, const oxt_dir_stats_t *src);

/**
 * Takes the optimizer's statistics of the directory's tables again
 * (ANALYZE TABLE, which samples a few pages per index) when st, one
 * pass's changes, added or removed more than a tenth of the lists' rows
 * (dir_total): a first fill, a big import, never a daemon's pass of a
 * few domains. InnoDB retakes them itself once a tenth of a table
 * changed, but in the background some seconds later, and a server that
 * stops first keeps the old ones: a directory filled just before a
 * restart kept "0 rows" for dir_domain, and the optimizer then walked
 * the whole name index for a search of 110 matches (about 17 ms of the
 * server per page at 10,000 domains instead of the join's 0.3 ms).
 * ANALYZE commits: never inside a transaction.
 */
apr_status_t oxt_dir_analyze_if_moved(oxt_db_t *db,
                                      const oxt_dir_stats_t *st,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Brings the directory rows of the domains ids (long long; any ids, at
 * most OXT_DIR_BATCH of them) in line with psa and mailbox_state, with
 * the aggregates of their owners, in one transaction of its own (call it
 * outside one). stats (may be NULL) is added to.
 */
#define OXT_DIR_BATCH 500
apr_status_t oxt_dir_sync_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                  const apr_array_header_t *ids,
                                  unsigned flags, oxt_dir_stats_t *stats,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The same for resellers and clients: ids (long long) or NULL for every
 * account. A client that moved to another reseller takes its domains
 * with it. Its own transaction.
 */
apr_status_t oxt_dir_sync_accounts(oxt_db_t *db, const oxt_psa_t *psa,
                                   const apr_array_header_t *ids,
                                   unsigned flags, oxt_dir_stats_t *stats,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * After a pass of OXT_DIR_DEFER batches: every total and aggregate
 * recomputed exactly and the page index rebuilt.
 */
apr_status_t oxt_dir_sync_finish(oxt_db_t *db, const oxt_psa_t *psa,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The wide searches' points (dir_prefix_page, migration 0132) made again
 * for every stored prefix (dir_prefix) in every sort of its scope, from
 * the page index (dir_page) as it is, in a transaction of its own: after
 * the prefixes were chosen again (oxt_dirpre_rebuild drops them all).
 * *ppoints (may be NULL): how many.
 */
apr_status_t oxt_dir_points_rebuild(long long *ppoints, oxt_db_t *db,
                                    const oxt_psa_t *psa, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The whole directory from psa and mailbox_state: every account, every
 * domain in batches of OXT_DIR_BATCH (each its own transaction, so the
 * pages see progress), the rows psa lost, then oxt_dir_sync_finish.
 * stats may be NULL.
 */
apr_status_t oxt_dir_refresh(oxt_db_t *db, const oxt_psa_t *psa,
                             oxt_dir_stats_t *stats, oxt_result_t *res,
                             apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The same for the domains of the buckets (long long, ascending, as
 * oxt_dirsum_changed gives them) only, the accounts all; NULL: every
 * domain, as oxt_dir_refresh. When nothing was written and the stored
 * totals agree with the rows (one statement), oxt_dir_sync_finish is
 * left out: the aggregates and the page index are as exact as the last
 * sync left them.
 */
apr_status_t oxt_dir_refresh_changed(oxt_db_t *db, const oxt_psa_t *psa,
                                     const apr_array_header_t *buckets,
                                     oxt_dir_stats_t *stats,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_DIR_H */
