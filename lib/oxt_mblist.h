/*
 * oxt_mblist.h — the data of the Mailboxes list (user guide, Mailboxes):
 * the caller's mailboxes with what the page shows of each (address, mail
 * service, service type and the one waiting for the replicator, language
 * and time zone in OX, last replication, the OX Service tick in effect,
 * and why a mailbox cannot be replicated), filtered, searched, sorted
 * and paged.
 *
 * A page takes two statements: the ids of the page in its order, from
 * the mailbox directory (dir_mailbox, kept by the replicator:
 * oxt_mbdir.h) on an index per sort, with its count stored per owner;
 * then the rows of those ids read from psa now (the mailbox, its domain
 * and owner chain) joined with our mailbox_state and prefs. So what a
 * row shows is always now (a Change Service's "Update in progress" at
 * once), the order and the count as fresh as the directory. A row
 * outside the caller's part of the server can never come back, whatever
 * the filters or a stale directory say, because the subtree as psa has
 * it is part of the rows' WHERE.
 * Search finds the start of the address, of its domain, of the local
 * part after its first '.', '-' or '_', or of the domain's display name
 * (dir_mailbox_term), never an arbitrary substring.
 * Nothing here reads a password: why a password cannot be used is what
 * the replicator recorded (mailbox_state.status_reason); what psa says
 * now (forward-only, suspended, mail off) is read live.
 *
 *     oxt_mblist_query_t q;
 *     memset(&q, 0, sizeof(q));
 *     q.ident = ident;  q.domain = 7;  q.sort = "name";  q.limit = 25;
 *     rv = oxt_mblist_filters_check(psa, db, &q, res, p);  ENOENT: 404
 *     rv = oxt_dir_read_begin(db, res);                    one snapshot
 *     rv = oxt_mblist_count(&total, psa, db, &q, settings, res, p);
 *     rv = oxt_mblist_each(psa, db, &q, settings, cb, baton, res, p);
 *     oxt_dir_read_end(db);
 *
 * Everything returned lives in the pool given; a row handed to a
 * callback lives until it returns.
 */
#ifndef OXT_MBLIST_H
#define OXT_MBLIST_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>
#include <apr_hash.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_settings.h"

/** One request of the list. */
typedef struct oxt_mblist_query_t {
    const oxt_identity_t *ident;
    long long reseller;        /* owner filters (reseller=, client=,   */
    long long client;          /* domain=), checked with               */
    long long domain;          /* oxt_mblist_filters_check; 0: none    */
    int ox;                    /* replicated only (ox=1) */
    const char *q;             /* search ("" or NULL: none) */
    const char *sort;          /* a sort key (else "name") */
    int desc;
    long long offset;          /* rows to skip */
    long long limit;           /* rows to give; 0: all */
    long long total;           /* what oxt_mblist_count gave in the same
                                  snapshot (a deep or searched page need
                                  not count again); 0: not known */
    int counted;               /* 1: total is that count, even when 0 (a
                                  search that found nothing was counted
                                  twice) */
} oxt_mblist_query_t;

/**
 * Is key a sort key: name, mail, service, language, timezone, modified,
 * ox_service, reason (every column of the page).
 */
int oxt_mblist_sortable(const char *key);

/** One mailbox as the page shows it. */
typedef struct oxt_mblist_row_t {
    long long id;              /* mail.id */
    const char *address;       /* mail_name@domain (ASCII, as psa has it) */
    long long dom_id;
    int mail_active;           /* the domain's mail is on and the mail
                                  name has its mailbox */
    int suspended;             /* the domain or an owner above it */
    int postbox;               /* has a mailbox (else forward-only) */
    int service;               /* oxt_service_t: in OX the one it has,
                                  else the one it would get */
    int pending;               /* oxt_service_t waiting for the
                                  replicator, -1: none */
    const char *language;      /* in OX (ll_CC), NULL: not there */
    const char *language_name; /* its name in the catalogue, or NULL */
    const char *timezone;      /* in OX, NULL: not there */
    long long modified;        /* last replication; 0: never */
    int ox_service;            /* the OX Service tick in effect (its own
                                  preference, else the nearest above) */
    int in_ox;                 /* replicated */
    const char *reason;        /* why it cannot be replicated (OXT_WHY_*
                                  of oxt_desired.h, never "not_selected"),
                                  NULL when nothing stops it */
    long long client_id;       /* the chain (0: none) */
    long long reseller_id;
} oxt_mblist_row_t;

/**
 * The SELECT of the rows the page shows, without a WHERE: every column
 * named as the oxt_mblist_row_t field (language: the catalogue's name,
 * language_code, tick: ox_service), its one parameter the settings'
 * default service type (oxt_service_t + 1); "psa." not yet qualified
 * (oxt_psa_sql). For the directory's sync (oxt_mbdir.c), so the two
 * cannot disagree. Static.
 */
const char *oxt_mblist_rows_select(const oxt_psa_t *psa);

/** The words of a reason for a person ("no usable password in Plesk"). */
const char *oxt_mblist_reason_text(const char *reason);

/**
 * Checks the owner filters of q against q->ident: each one in the
 * caller's subtree (a reseller filter a reseller, a client filter a
 * client, a domain filter a domain). APR_ENOENT for any other (answer 404
 * as for a forged id).
 */
apr_status_t oxt_mblist_filters_check(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_mblist_query_t *q,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The number of mailboxes q lists (all pages). */
apr_status_t oxt_mblist_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_mblist_query_t *q,
                              const oxt_settings_t *settings,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

typedef apr_status_t oxt_mblist_row_cb(void *baton,
                                       const oxt_mblist_row_t *row,
                                       apr_pool_t *ptemp);

/**
 * Streams one page of q, in its order, to cb (ptemp is cleared after
 * every row). settings gives the service type of a mailbox no level
 * chose one for. Precondition: the caller opened one snapshot
 * (oxt_dir_read_begin) and, when it gives q->total, counted in it: the
 * page's statements trust that the directory's rows, counts, misses and
 * points agree (each sync batch keeps them so in one transaction), and
 * read nothing again to find a batch committed between them.
 */
apr_status_t oxt_mblist_each(const oxt_psa_t *psa, oxt_db_t *db,
                             const oxt_mblist_query_t *q,
                             const oxt_settings_t *settings,
                             oxt_mblist_row_cb *cb, void *baton,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The rows of ids (long long) in ident's subtree: a hash from the id
 * (oxt_util_id_get) to oxt_mblist_row_t *, in p. An id outside the
 * subtree or gone is missing (compare the counts).
 */
apr_status_t oxt_mblist_rows_get(apr_hash_t **prows, const oxt_psa_t *psa,
                                 oxt_db_t *db, const oxt_identity_t *ident,
                                 const apr_array_header_t *ids,
                                 const oxt_settings_t *settings,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_MBLIST_H */
