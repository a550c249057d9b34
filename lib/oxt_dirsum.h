/*
 * oxt_dirsum.h — which parts of the server changed since the directories
 * (oxt_dir.h, oxt_mbdir.h) were last brought in line at the end of a
 * full pass, so that a steady pass at a million mailboxes compares only
 * those parts instead of recomputing every row.
 *
 * The domain ids are cut into buckets of OXT_DIRSUM_WIDTH ids. For every
 * bucket, a sum of the source rows the directory rows are made of: psa's
 * mail, domains and their mail service (DomainServices), and our
 * mailbox_state, each row hashed (CRC32 of its columns) and combined by
 * XOR, by addition and by count, one GROUP BY per table. What every
 * bucket depends on (psa's clients, our prefs and ox_language, the
 * default service type) makes one global sum: when it moved, every
 * domain is compared. dir_source_sum (migration 0095) keeps the
 * sums of the last refresh that finished; a bucket whose sum differs is
 * compared row by row and synced.
 *
 * The hashed columns are exactly those the directories are computed
 * from; a column a directory starts to use must be added here too.
 *
 *     rv = oxt_dirsum_take(&sum, db, psa, settings->default_service, res, p);
 *     ... for the buckets oxt_dirsum_changed gives ...
 *     rv = oxt_dirsum_save(sum, db, res, p);      once all is in line
 *
 * Everything lives in p.
 */
#ifndef OXT_DIRSUM_H
#define OXT_DIRSUM_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/* Domain ids per bucket: bucket k holds ids k * WIDTH .. k * WIDTH +
 * WIDTH - 1. Narrow enough that the domains a first run's pass still
 * has in progress when the early directory step reads the sums (the
 * window's last 64 or so, the highest ids: replicator/oxt_repl_cmd_run.c)
 * lie in one or two buckets, so the step after the pass compares those
 * and not a tenth of the server or all of a small one (at 1,024 every
 * server of up to a thousand domains was one bucket); wide enough that
 * the sums stay a few thousand rows at a million mailboxes (782 buckets
 * for 100,000 domain ids; their GROUP BYs scan the same rows whatever
 * the width). Sums stored at another width name other ranges by the
 * same numbers: the width is in the global sum, so a changed one
 * compares every domain once (oxt_dirsum_take). */
#define OXT_DIRSUM_WIDTH 128

/* Changed buckets fewer than this many domain ids apart are compared in
 * one range, the ids between them with them: each range costs its own
 * statements, and as many as the 1,024-id buckets made is enough. */
#define OXT_DIRSUM_BRIDGE 1024

typedef struct oxt_dirsum_t oxt_dirsum_t;

/**
 * The sums of the sources now, next to those stored: a handful of
 * statements, whatever the size.
 */
apr_status_t oxt_dirsum_take(oxt_dirsum_t **psum, oxt_db_t *db,
                             const oxt_psa_t *psa, int default_service,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The buckets (long long, ascending) whose sum differs from the stored
 * one, or that only one side has; NULL (compare every domain) when the
 * global sum moved or nothing was stored yet.
 */
apr_array_header_t *oxt_dirsum_changed(const oxt_dirsum_t *sum,
                                       apr_pool_t *p);

/** The first and last domain id of bucket k. */
long long oxt_dirsum_first(long long k);
long long oxt_dirsum_last(long long k);

/**
 * The next range of buckets from *pat on (buckets as oxt_dirsum_changed
 * gives them): those less than OXT_DIRSUM_BRIDGE ids apart joined while
 * the range spans at most max_ids domain ids. The range is (*pafter,
 * *pupto]; *pat moves past it. 0 when there is none left.
 */
int oxt_dirsum_range(const apr_array_header_t *buckets, int *pat,
                     long long max_ids, long long *pafter,
                     long long *pupto);

/** Stores the sums taken as those the directories now agree with (only
 *  the rows that differ are written). */
apr_status_t oxt_dirsum_save(const oxt_dirsum_t *sum, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_DIRSUM_H */
