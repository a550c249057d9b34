/*
 * oxt_report.h — the data of the three Service Utilization Reports
 * (a reseller's, a client's, a domain's): the quick report of the object
 * and the rows of its table, for the pages to format.
 *
 * Where the numbers come from: what the replicator recorded. The counts of
 * resellers, clients and domains are the directory's (oxt_dir.h: dir_account
 * and dir_domain, kept by every pass and every hint the daemon works from
 * mailbox_state); a domain's mailboxes are read from psa.mail with their
 * mailbox_state row. A mailbox counts for a service when its state is
 * "replicated", under the service it was replicated with (applied, else
 * recorded). "Total" counts every mailbox psa has, replicated or not.
 *
 * What the report shows of a row (its name, its suspension) and whether
 * the row belongs to the object at all are read from psa with the page,
 * as the lists do: a stale directory can be a pass behind on a count,
 * never show a row of somebody else's.
 *
 * The tables:
 *   reseller  its clients and the domains it owns itself (not its
 *             clients' domains: they are in the clients' rows);
 *   client    its domains;
 *   domain    its mailboxes, Total 1 each.
 * Their rows are few per object (a reseller's clients and own domains),
 * so search ("contains", LIKE '%q%') and sort run over that scope only,
 * on the directory's per-scope indexes.
 *
 * Example:
 *     oxt_report_t rep;
 *     rv = oxt_report_get(&rep, psa, db, ident, OXT_DIR_CLIENT, 7, res, p);
 *                                              APR_ENOENT: answer 404
 *     oxt_report_query_t q = { OXT_DIR_CLIENT, 7, "", "name", 0, 0, 25 };
 *     rv = oxt_report_count(&n, psa, db, &q, res, p);
 *     rv = oxt_report_each(psa, db, &q, row_cb, baton, res, p);
 *
 * Everything returned lives in the pool given; rows handed to a callback
 * live until it returns.
 */
#ifndef OXT_REPORT_H
#define OXT_REPORT_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_db.h"
#include "oxt_dir.h"
#include "oxt_psa.h"
#include "oxt_result.h"

/* The service types, in the order of oxt_service_t. */
#define OXT_REPORT_SERVICES 3

/** The quick report of one object. */
typedef struct oxt_report_t {
    oxt_dir_kind_t kind;       /* OXT_DIR_RESELLER, _CLIENT or _DOMAIN */
    long long id;
    const char *name;          /* psa's, now (a domain's display name) */
    long long reseller_id;     /* the chain above it (psa, now); 0: none */
    long long client_id;
    long long total;           /* mailboxes in psa */
    long long ox;              /* of them replicated */
    long long by_service[OXT_REPORT_SERVICES];  /* replicated, by service */
} oxt_report_t;

/**
 * The quick report of (kind, id) for ident: APR_ENOENT when the object
 * does not exist or is not in ident's part of the server (the subtree
 * rule of oxt_dir_in_subtree; answer 404 either way), APR_EINVAL for a
 * kind without a report (a mailbox, a reseller before Plesk 9).
 */
apr_status_t oxt_report_get(oxt_report_t *rep, const oxt_psa_t *psa,
                            oxt_db_t *db, const oxt_identity_t *ident,
                            oxt_dir_kind_t kind, long long id,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** One row of a report's table. */
typedef struct oxt_report_row_t {
    oxt_dir_kind_t kind;       /* OXT_DIR_CLIENT, _DOMAIN or _MAILBOX */
    long long id;
    const char *name;          /* psa's, now; a mailbox as name@domain */
    int suspended;             /* the row or its owner is suspended */
    long long total;           /* mailboxes in psa (a mailbox: 1) */
    long long ox;              /* of them replicated */
    long long by_service[OXT_REPORT_SERVICES];
} oxt_report_row_t;

/** Which rows of whose report. */
typedef struct oxt_report_query_t {
    oxt_dir_kind_t kind;       /* the report's object, as given to       */
    long long id;              /* oxt_report_get (which checked it)      */
    const char *q;             /* search: names containing it; "": none */
    const char *sort;          /* a key of oxt_report_sortable, else
                                  "name" */
    int desc;
    long long offset;          /* rows to skip */
    long long limit;           /* rows to give; 0: all */
    long long total;           /* what oxt_report_count gave (a page past
                                  the middle is then read from the other
                                  end); 0: not known */
} oxt_report_query_t;

/**
 * Is key a sort key of the tables? "type" (the reseller's T column:
 * clients before domains), "name", "total", "webmail",
 * "groupware_standard", "groupware_premium". The pages' column tables
 * name these keys; the SQL behind them is this file's.
 */
int oxt_report_sortable(const char *key);

/** The number of rows the query lists (all pages). */
apr_status_t oxt_report_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_report_query_t *q,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

typedef apr_status_t oxt_report_row_cb(void *baton,
                                       const oxt_report_row_t *row,
                                       apr_pool_t *ptemp);

/**
 * Streams the rows of one page of the query, in its order (ties broken
 * by type, then id), to cb: one query, the rows read from the server as
 * they are handed on, so memory stays flat for any number of rows. cb
 * must not use db. ptemp is cleared after every row.
 */
apr_status_t oxt_report_each(const oxt_psa_t *psa, oxt_db_t *db,
                             const oxt_report_query_t *q,
                             oxt_report_row_cb *cb, void *baton,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * "Reseller", "Client", "Domain", "Mailbox": the User type of the CSV.
 */
const char *oxt_report_kind_label(oxt_dir_kind_t kind);

/**
 * The file name of a report's CSV, in our own words and ASCII only:
 * "oxtender-service-report-client-7.csv". In p.
 */
const char *oxt_report_file_name(oxt_dir_kind_t kind, long long id,
                                 apr_pool_t *p);

#endif /* OXT_REPORT_H */
