/*
 * oxt_seats.h — the license's limits in the replicator, which is where
 * they are enforced (docs/license.md, "How the replicator applies it").
 *
 * A seat is a place the license counts: a Groupware user in OX (Standard
 * or Premium; Webmail takes none) and a domain with an OX context. The
 * replicator asks oxt_seats_decide for every mailbox that would be
 * replicated, while the desired state of a domain is computed
 * (oxt_desired_user: the one place), and a mailbox that gets no seat is
 * not replicated and is held as it is in OX, with its reason:
 *
 *   license_restricted  Plesk has more mailboxes than the license allows:
 *                       nothing at all is replicated
 *   license_premium     Groupware Premium without a Premium license
 *   license_domains     its domain would be one domain too many
 *   license_limit       one Groupware mailbox too many
 *
 * Who gets the seats is stable and deterministic across runs: whoever
 * holds one keeps it (the lowest ids first when a smaller license leaves
 * fewer seats than holders); free seats go to those waiting (mailboxes or
 * domains refused before, recorded with their reason), lowest id first,
 * whatever order they are asked in; newcomers get only what the waiting
 * leave, in the order the replicator meets them (a full pass: domain id,
 * then mailbox id).
 *
 * The holders and the waiting are loaded from the state tables by
 * oxt_seats_load when no domain is in progress (the start of a queue
 * batch and of a full pass); the seats given out after that are counted
 * in memory until the next load, so the caps are never passed, even by
 * creations still in flight. Everything of a load lives in a pool of the
 * seats' own, cleared by the next load.
 */
#ifndef OXT_SEATS_H
#define OXT_SEATS_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_config.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_settings.h"
#include "oxt_license.h"

#define OXT_WHY_LICENSE_RESTRICTED "license_restricted"
#define OXT_WHY_LICENSE_PREMIUM    "license_premium"
#define OXT_WHY_LICENSE_DOMAINS    "license_domains"
#define OXT_WHY_LICENSE_LIMIT      "license_limit"

typedef struct oxt_seats_t oxt_seats_t;

/** Seats with no limit at all (until a load), living in p. */
oxt_seats_t *oxt_seats_make(apr_pool_t *p);

/* ---- the rule (pure; the unit tests drive these) ------------------------ */

/** Starts over with terms: no holders, nobody waiting, nothing given. */
void oxt_seats_reset(oxt_seats_t *s, const oxt_license_terms_t *terms,
                     int restricted);

/**
 * The holders of one kind (domains: contexts in OX, else Groupware users
 * in OX): the first ids in ascending order (at least the cap's number of
 * them, when there are that many) and how many there are in all.
 */
void oxt_seats_holders(oxt_seats_t *s, int domains,
                       const apr_array_header_t *ids, long long total);

/** Those waiting for a seat of one kind: ids in ascending order (the
 *  first cap ones are enough). */
void oxt_seats_waiting(oxt_seats_t *s, int domains,
                       const apr_array_header_t *ids);

/**
 * May mailbox mail_id of domain dom_id be replicated with service type
 * service? NULL when it may (its seats are then taken), else the reason
 * (OXT_WHY_LICENSE_*, static text).
 */
const char *oxt_seats_decide(oxt_seats_t *s, long long dom_id,
                             long long mail_id, oxt_service_t service);

/** The terms last loaded. */
const oxt_license_terms_t *oxt_seats_terms(const oxt_seats_t *s);

/** Plesk's mailboxes as the last full load counted them, 0 before one. */
long long oxt_seats_plesk_mailboxes(const oxt_seats_t *s);

/** A license reason for people ("the license allows at most 50 Groupware
 *  mailboxes"), NULL for any other reason. In p. */
const char *oxt_seats_reason_text(const oxt_seats_t *s, const char *reason,
                                  apr_pool_t *p);

/* ---- loading ------------------------------------------------------------ */

/**
 * Loads the license in force and the holders and waiting of each limited
 * kind. With count, Plesk's mailboxes are counted (the restriction; a
 * full pass), else the last count stands. With record (not in a dry run),
 * what was counted is kept for the pages (oxt_license_usage_record).
 * Only while no domain is in progress.
 */
apr_status_t oxt_seats_load(oxt_seats_t *s, oxt_db_t *db,
                            const oxt_psa_t *psa, const oxt_config_t *cfg,
                            int count, int record, oxt_result_t *res)
    __attribute__((warn_unused_result));

#endif /* OXT_SEATS_H */
