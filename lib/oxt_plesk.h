/*
 * oxt_plesk.h — the Plesk objects we replicate, read from psa with their
 * owner chain: resellers and clients (psa.clients), domains, mailboxes,
 * mailbox aliases and mail-enabled domain aliases.
 *
 * Rows are streamed through callbacks so that a million mailboxes never
 * sit in memory at once; each row and its strings live in a pool that is
 * cleared after the callback returns. Passwords are handed over as Plesk
 * stores them (type + value); callers never log them.
 */
#ifndef OXT_PLESK_H
#define OXT_PLESK_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>
#include <apr_hash.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/** The part of the server a listing covers. */
typedef struct oxt_plesk_scope_t {
    oxt_role_t role;          /* OXT_ROLE_ADMIN: everything */
    long long id;             /* reseller/client id, or domain id */
} oxt_plesk_scope_t;

/** Who owns a domain: reseller and client ids are 0 where there is none
 *  (a domain of the admin has neither; a reseller's own domain no client).
 *  Statuses are Plesk's bitmasks; 0 is active. */
typedef struct oxt_plesk_owner_t {
    long long client_id;
    const char *client_login;
    unsigned long long client_status;
    long long reseller_id;
    const char *reseller_login;
    unsigned long long reseller_status;
    const char *locale;         /* the owning account's Plesk locale, en-US */
} oxt_plesk_owner_t;

typedef struct oxt_plesk_domain_t {
    long long id;
    const char *name;             /* ASCII (punycode for IDN) */
    const char *display_name;     /* UTF-8 */
    unsigned long long status;
    int mail_on;                  /* DomainServices mail row, status 0 */
    oxt_plesk_owner_t owner;
} oxt_plesk_domain_t;

typedef struct oxt_plesk_mailbox_t {
    long long id;                 /* mail.id: the stable key */
    const char *mail_name;        /* local part */
    const char *address;          /* mail_name@domain.name */
    int postbox;                  /* has a mailbox (else forward-only) */
    int redirect;
    long long quota_bytes;        /* -1: unlimited */
    const char *password_type;    /* plain, crypt, sym; NULL if no account */
    const char *password;         /* as stored; NULL or "" if none */
    oxt_plesk_domain_t domain;
} oxt_plesk_mailbox_t;

typedef apr_status_t oxt_plesk_domain_cb(void *baton,
                                         const oxt_plesk_domain_t *dom,
                                         apr_pool_t *ptemp);
typedef apr_status_t oxt_plesk_mailbox_cb(void *baton,
                                          const oxt_plesk_mailbox_t *mbox,
                                          apr_pool_t *ptemp);

/* ---- the caller's subtree ------------------------------------------------
 * What an identity may see and change: the admin everything, a reseller
 * its own domains and its clients', a client its domains, a domain
 * administrator its domain. Every id a page receives is checked with
 * these before it is used; an object outside the subtree and one that
 * does not exist get the same answer (APR_ENOENT: the page's 404).
 */

/** The subtree of ident as a scope (for the listings below). */
void oxt_plesk_scope_of(oxt_plesk_scope_t *scope,
                        const oxt_identity_t *ident);

/** Is mbox (as loaded here, with its owner chain) inside scope? Pure. */
int oxt_plesk_mailbox_in_scope(const oxt_plesk_mailbox_t *mbox,
                               const oxt_plesk_scope_t *scope);

/**
 * Mailbox mail_id if it is in ident's subtree: APR_SUCCESS with *pmbox
 * (in p; pmbox may be NULL), else APR_ENOENT whether it is outside the
 * subtree or gone (one answer, so a 404 tells nothing).
 */
apr_status_t oxt_plesk_mailbox_in_subtree(oxt_plesk_mailbox_t **pmbox,
                                          const oxt_psa_t *psa,
                                          oxt_db_t *db,
                                          const oxt_identity_t *ident,
                                          long long mail_id,
                                          oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The mail rows of ids (long long) that are inside scope, a few hundred
 * per query: a hash from the mail id (oxt_util_id_get) to
 * oxt_plesk_mailbox_t *, in p. An id outside scope or gone is simply
 * missing: compare the count with the ids asked for.
 */
apr_status_t oxt_plesk_mailboxes_get(apr_hash_t **pfound,
                                     const oxt_psa_t *psa, oxt_db_t *db,
                                     const oxt_plesk_scope_t *scope,
                                     const apr_array_header_t *ids,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** True when the domain or any owner above it is suspended (any bit). */
int oxt_plesk_domain_suspended(const oxt_plesk_domain_t *dom);

/** The domains of scope, in id order. */
apr_status_t oxt_plesk_domains_each(const oxt_psa_t *psa, oxt_db_t *db,
                                    const oxt_plesk_scope_t *scope,
                                    oxt_plesk_domain_cb *cb, void *baton,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Every mail row of scope (mailboxes and forward-only), in id order. */
apr_status_t oxt_plesk_mailboxes_each(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_plesk_scope_t *scope,
                                      oxt_plesk_mailbox_cb *cb, void *baton,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** One mail row by id; APR_ENOENT when it is gone. Lives in p. */
apr_status_t oxt_plesk_mailbox_get(oxt_plesk_mailbox_t **pmbox,
                                   const oxt_psa_t *psa, oxt_db_t *db,
                                   long long mail_id, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The aliases (local parts, sorted) of mailbox mail_id, as const char *. */
apr_status_t oxt_plesk_mail_aliases(apr_array_header_t **paliases,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    long long mail_id, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The aliases of every mailbox of domain dom_id: a hash from the mail id
 * (oxt_util_id_get) to an array of local parts (const char *, sorted).
 */
apr_status_t oxt_plesk_domain_mailbox_aliases(apr_hash_t **paliases,
                                              const oxt_psa_t *psa,
                                              oxt_db_t *db, long long dom_id,
                                              oxt_result_t *res,
                                              apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The id of the domain named name: its ASCII (punycode) name, or for a
 * name with other characters its Unicode display name (Plesk names IDN
 * domains either way). APR_ENOENT when psa has none.
 */
apr_status_t oxt_plesk_domain_named(long long *pdom_id, const oxt_psa_t *psa,
                                    oxt_db_t *db, const char *name,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The domain of mail row mail_id; APR_ENOENT when psa has no such row. */
apr_status_t oxt_plesk_mail_domain(long long *pdom_id, const oxt_psa_t *psa,
                                   oxt_db_t *db, long long mail_id,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The ids (long long, in p) of the domains an account owns: a client's
 * (role OXT_ROLE_CLIENT), or a reseller's and its clients'
 * (OXT_ROLE_RESELLER; none on Plesk 8, which has no resellers).
 */
apr_status_t oxt_plesk_owner_domain_ids(apr_array_header_t **pids,
                                        const oxt_psa_t *psa, oxt_db_t *db,
                                        oxt_role_t role, long long owner_id,
                                        oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A copy of mbox and its strings in p. */
oxt_plesk_mailbox_t *oxt_plesk_mailbox_copy(const oxt_plesk_mailbox_t *mbox,
                                            apr_pool_t *p);

/** The names of domain dom_id's aliases that carry mail, sorted. */
apr_status_t oxt_plesk_domain_mail_aliases(apr_array_header_t **pnames,
                                           const oxt_psa_t *psa,
                                           oxt_db_t *db, long long dom_id,
                                           oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- a range of domains: the pages of a full pass ---------------------------
 *
 * A full pass reads psa a page at a time: the domains with ids in
 * (after, upto], each table in one streamed query (not one per domain),
 * joined in memory by the caller (oxt_batch.h); a batch of hints reads
 * its listed domains the same way (oxt_db_idsel_t). Rows go to cb as they
 * come, parsed with the readers below; they live only as long as the
 * callback (copy what you keep).
 */

/** The widest upper bound of a range: no domain id is above it. */
#define OXT_PLESK_ID_MAX 0x7fffffffffffffffLL

/**
 * At most limit domains with an id above after, in id order, with their
 * owner chain and their mail aliases (rows for
 * oxt_plesk_range_domain_from_row).
 */
apr_status_t oxt_plesk_range_domains(const oxt_psa_t *psa, oxt_db_t *db,
                                     long long after, int limit,
                                     oxt_db_row_cb *cb, void *baton,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The domains of the list sel names (sel->ids: oxt_db_idsel_t), in id
 * order, as oxt_plesk_range_domains reads them: a batch of hints' own
 * domains, without the others of their ids' span. One statement.
 */
apr_status_t oxt_plesk_listed_domains(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_db_idsel_t *sel,
                                      oxt_db_row_cb *cb, void *baton,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Every mail row of the domains sel chooses (a range or a list), in no
 * particular order (rows for oxt_plesk_range_mailbox_from_row). With
 * aliases, one row per alias of the mailbox (or one with no alias);
 * without, one row per mailbox and no alias (the caller has them from
 * oxt_plesk_all_mail_aliases). With passwords, each mailbox's (postbox)
 * password type and value as oxt_plesk_range_passwords reads them (NULL
 * for a forwarder, or when accounts has no row); without, none (one
 * lookup in accounts per row less).
 */
apr_status_t oxt_plesk_range_mailboxes(const oxt_psa_t *psa, oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       int aliases, int passwords,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The first limit aliases of psa's mailboxes, in the order of mail id
 * and alias (rows for oxt_plesk_mail_alias_from_row): for a pass that
 * holds them all, because looking them up with each range's mailboxes
 * costs the server a lookup per mailbox and most mailboxes have none.
 */
apr_status_t oxt_plesk_all_mail_aliases(const oxt_psa_t *psa, oxt_db_t *db,
                                        long long limit, oxt_db_row_cb *cb,
                                        void *baton, oxt_result_t *res,
                                        apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Reads a row of oxt_plesk_all_mail_aliases; OXT_ESCHEMA when it has
 *  another shape. The alias points into the row. */
apr_status_t oxt_plesk_mail_alias_from_row(long long *pmail_id,
                                           const char **palias,
                                           const oxt_db_row_t *row);

/**
 * The passwords (type and value, as psa stores them) of the mailboxes
 * (postbox rows with an account) of the domains sel chooses, in no
 * particular order (rows for
 * oxt_plesk_range_password_from_row). Callers never log them.
 */
apr_status_t oxt_plesk_range_passwords(const oxt_psa_t *psa, oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Reads a row of oxt_plesk_range_domains: the domain, its mail-enabled,
 * active aliases' names (separated by one space, by name; NULL: none)
 * and whether that list is whole (*pcomplete 0: the server cut it, read
 * the range's aliases with oxt_plesk_range_domain_aliases). The strings
 * point into the row. OXT_ESCHEMA when it has another shape.
 */
apr_status_t oxt_plesk_range_domain_from_row(oxt_plesk_domain_t *dom,
                                             const char **paliases,
                                             int *pcomplete,
                                             const oxt_db_row_t *row)
    __attribute__((warn_unused_result));

/**
 * The mail-enabled, active aliases of the domains sel chooses: rows of
 * dom_id and name. For a range whose domain rows held a cut list
 * (oxt_plesk_range_domain_from_row).
 */
apr_status_t oxt_plesk_range_domain_aliases(const oxt_psa_t *psa,
                                            oxt_db_t *db,
                                            const oxt_db_idsel_t *sel,
                                            oxt_db_row_cb *cb, void *baton,
                                            oxt_result_t *res,
                                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Which ids of a range oxt_plesk_range_ids_sql selects. */
typedef enum {
    OXT_PLESK_RANGE_MAIL_IDS = 0,   /* mail.id of the range's domains */
    OXT_PLESK_RANGE_CLIENT_IDS,     /* their owners' clients.id */
    OXT_PLESK_RANGE_RESELLER_IDS    /* the owners' and their parents' */
} oxt_plesk_range_ids_t;

/**
 * A subquery (SQL text, in p) selecting those ids of the domains sel
 * chooses; it takes exactly sel's parameters (oxt_db_idsel_bind). For
 * other modules' queries over the same domains (mailbox preferences).
 */
const char *oxt_plesk_range_ids_sql(const oxt_psa_t *psa,
                                    oxt_plesk_range_ids_t which,
                                    const oxt_db_idsel_t *sel,
                                    apr_pool_t *p);

/**
 * Reads a row of oxt_plesk_range_mailboxes: the mailbox without its
 * domain (mbox->domain and address are left alone, and so are
 * password_type and password unless the row has them), its domain's id
 * and the alias of this row (NULL when it has none). OXT_ESCHEMA when
 * the row has another shape. The strings point into the row.
 */
apr_status_t oxt_plesk_range_mailbox_from_row(oxt_plesk_mailbox_t *mbox,
                                              long long *pdom_id,
                                              const char **palias,
                                              const oxt_db_row_t *row);

/** Reads a row of oxt_plesk_range_passwords; OXT_ESCHEMA when it has
 *  another shape. The strings point into the row. */
apr_status_t oxt_plesk_range_password_from_row(long long *pmail_id,
                                               long long *pdom_id,
                                               const char **ptype,
                                               const char **ppassword,
                                               const oxt_db_row_t *row);

#endif /* OXT_PLESK_H */
