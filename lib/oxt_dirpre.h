/*
 * oxt_dirpre.h — the count of a search of the Resellers, Clients and
 * Domains lists (oxt_dir.h), and the stored counts of the searches that
 * find many rows (migration 0113: dir_prefix, dir_prefix_min).
 *
 * A search finds the rows of its scope with a term (dir_term) that
 * starts with what was typed; its count is COUNT(DISTINCT id) over that
 * range of the term index, which costs as much as the rows it finds (a
 * one-letter search of 100,000 domains: about 100 ms). For every prefix
 * that finds more than dir_prefix_min.n rows of a scope, dir_prefix
 * holds that count:
 *  - oxt_dirpre_rebuild chooses the prefixes again and counts each with
 *    the very statement a page would use, in a transaction of its own:
 *    at the end of `oxtender-replicator directory` (every domain
 *    compared), and of a pass (changed buckets only) when oxt_dirpre_due
 *    says so;
 *  - every sync batch that writes terms calls oxt_dirpre_lock, then
 *    oxt_dirpre_take(-1) before it removes the old terms of its rows and
 *    oxt_dirpre_take(+1) after it wrote the new ones, and
 *    oxt_dirpre_apply: each stored count moves by exactly the rows of the
 *    batch that left or joined its pattern's matches, in the batch's
 *    transaction, so a stored count is always the live one;
 *  - oxt_dirpre_count answers from dir_prefix when the prefix is there,
 *    and counts the matches otherwise.
 * A prefix that became wide since the last rebuild is counted live (slower,
 * still exact) until the next one.
 *
 * Everything lives in p.
 */
#ifndef OXT_DIRPRE_H
#define OXT_DIRPRE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"

/** Where a search looks: list "reseller", "client" or "domain"; scope
 *  "all" (id 0), "reseller" or "client" (id: that account's). */
typedef struct oxt_dirpre_scope_t {
    const char *list;
    const char *scope;
    long long scope_id;
} oxt_dirpre_scope_t;

/**
 * The rows of the scope a search for q finds (like: q's LIKE pattern,
 * oxt_dir_like_prefix), from dir_prefix when it holds q, else counted;
 * *pstored (may be NULL) 1 when it came from dir_prefix.
 */
apr_status_t oxt_dirpre_count(long long *pn, int *pstored, oxt_db_t *db,
                              const oxt_dirpre_scope_t *sc, const char *q,
                              const char *like, oxt_result_t *res,
                              apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The stored count of q in the scope; APR_ENOENT when q is not a wide
 *  search there. */
apr_status_t oxt_dirpre_stored(long long *pn, oxt_db_t *db,
                               const oxt_dirpre_scope_t *sc, const char *q,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The key q is stored under: its ASCII letters in lower case (a LIKE of
 *  the collation finds the same rows either way). */
const char *oxt_dirpre_key(const char *q, apr_pool_t *p);

/**
 * Takes the lock of dir_prefix (an UPDATE of dir_prefix_min's row) for
 * the rest of the caller's transaction, before anything else of
 * dir_prefix is read or moved, and counts rows (whose terms the caller
 * rewrites) towards the next choice of the prefixes.
 */
apr_status_t oxt_dirpre_lock(oxt_db_t *db, long long rows,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * *pdue 1 when the prefixes should be chosen again: more than n / 2 rows
 * rewrote their terms since the last choice, or none is stored though a
 * list is wider than n (a new installation, or one just migrated). One
 * statement.
 */
/* What oxt_dirpre_due asks, as a column (1 when due, 0 otherwise, also
 * without the row), so that the lists' refresh can ask it in the same
 * statement as its totals' check. */
#define OXT_DIRPRE_DUE_SQL \
    "COALESCE((SELECT m.moved > m.n DIV 2 OR (NOT EXISTS" \
    " (SELECT 1 FROM dir_prefix) AND (SELECT MAX(t.n)" \
    " FROM dir_total t) > m.n) FROM dir_prefix_min m WHERE m.id = 1), 0)"

apr_status_t oxt_dirpre_due(int *pdue, oxt_db_t *db, oxt_result_t *res,
                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Adds sign (+1 or -1) times the rows of ids (in the lists lists_in, an
 * SQL list of constants such as "'domain'") that each stored prefix
 * finds now to *pdelta (a hash made by the first call, NULL before).
 */
apr_status_t oxt_dirpre_take(apr_hash_t **pdelta, int sign, oxt_db_t *db,
                             const char *lists_in,
                             const apr_array_header_t *ids,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** One stored prefix a row's terms match, in the row's list and scope. */
typedef struct oxt_dirpre_match_t {
    const char *list;
    const char *scope;
    long long scope_id;
    const char *prefix;
} oxt_dirpre_match_t;

/**
 * The stored prefixes the terms of each of ids (in the lists lists_in)
 * match now, each in its scope: *pby_id maps an id (oxt_util_id_set) to
 * an array of oxt_dirpre_match_t; an id that matches none is absent. A
 * locking read, as oxt_dirpre_take's (the caller holds oxt_dirpre_lock).
 */
apr_status_t oxt_dirpre_matches(apr_hash_t **pby_id, oxt_db_t *db,
                                const char *lists_in,
                                const apr_array_header_t *ids,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Moves the stored counts by delta (NULL: nothing). */
apr_status_t oxt_dirpre_apply(apr_hash_t *delta, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * dir_prefix made again from the directory as it is (dir_term, dir_total,
 * dir_account), in a transaction of its own: every prefix (ASCII letters
 * in lower case) that finds more than dir_prefix_min.n rows of a scope,
 * with its count. *pstored (may be NULL): how many.
 */
apr_status_t oxt_dirpre_rebuild(long long *pstored, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif
