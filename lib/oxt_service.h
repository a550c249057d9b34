/*
 * oxt_service.h — Change Service: the Mailboxes page's "Apply Your
 * Changes" for a set of mailboxes (user guide, Mailboxes): the service
 * type, the local settings of users already in OX ("Replicated User's
 * Local Settings in OX") and of those about to be replicated ("New
 * User's Local Settings in OX"), and the OX Service ticks.
 *
 * A change is recorded, not sent: it becomes the mailboxes' own
 * preferences (prefs rows at mailbox level, which win over every level
 * above), the service type waits in mailbox_state.pending_service_type
 * (the page's "(Update in progress: Groupware Standard)"), and each
 * domain concerned is queued with the caller as "scheduled by". The
 * replicator applies it like any other difference (the access
 * combination, language and time zone of the OX user), ends the pending
 * mark once OX has the type (oxt_state.h), and logs each operation with
 * the person's name (the Logs page's "Scheduled By").
 *
 * Every mailbox id is checked against the caller's subtree first; one id
 * outside it (or gone) refuses the whole change with APR_ENOENT and
 * nothing is written.
 *
 * The page calls, in order:
 *   oxt_service_change_init            an empty request
 *   oxt_service_choice_parse           the dialog's language and time
 *                                      zone selects ("keep", "plesk", a
 *                                      value)
 *   oxt_service_change_add             each mailbox: ticked or not, and
 *                                      whether the dialog's settings
 *                                      apply to it
 *   oxt_service_change_record          check and record; errors per field
 *   oxt_service_change_info            the Info message
 */
#ifndef OXT_SERVICE_H
#define OXT_SERVICE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_settings.h"

/** A language or time zone choice of the dialog. */
typedef enum {
    OXT_CHOICE_KEEP = 0,          /* "Do not change" */
    OXT_CHOICE_PLESK,             /* "Plesk language on replicated
                                     accounts" / "Plesk server time zone" */
    OXT_CHOICE_VALUE              /* a language enabled in Settings, or a
                                     zone of oxt_tz.h */
} oxt_choice_kind_t;

typedef struct oxt_choice_t {
    oxt_choice_kind_t kind;
    const char *value;            /* OXT_CHOICE_VALUE: "de_DE", "UTC" */
} oxt_choice_t;

/** The user's local settings in OX: language and time zone. */
typedef struct oxt_local_t {
    oxt_choice_t language;
    oxt_choice_t timezone;
} oxt_local_t;

/** One mailbox of the request. */
typedef struct oxt_service_target_t {
    long long mail_id;
    int tick;                     /* OX Service: -1 unchanged, 0 off, 1 on */
    int change;                   /* the service type and local settings
                                     apply to it */
} oxt_service_target_t;

/* A request names at most this many mailboxes (a page's "All" included;
 * the form's body cap is lower still). */
#define OXT_SERVICE_TARGETS_MAX 100000

typedef struct oxt_service_change_t {
    int service;                  /* oxt_service_t, or -1: do not change */
    oxt_local_t replicated;       /* for mailboxes already in OX */
    oxt_local_t fresh;            /* for mailboxes not in OX yet */
    apr_array_header_t *targets;  /* oxt_service_target_t */
} oxt_service_change_t;

/** What was recorded, for the Info message. Lives in the pool given. */
typedef struct oxt_service_result_t {
    apr_array_header_t *names;    /* const char *: the addresses whose
                                     service settings change, request order */
    apr_array_header_t *ticked;   /* addresses whose OX Service tick
                                     changed */
    int pending;                  /* mailboxes now "Update in progress" */
    int domains;                  /* domains queued */
    int daemon_running;           /* the daemon will take it within
                                     seconds (oxt_beat.h); else the next
                                     run */
} oxt_service_result_t;

/** An empty request in p: nothing to change, no target. */
void oxt_service_change_init(oxt_service_change_t *req, apr_pool_t *p);

/**
 * The choice a select posted: "keep" (or absent/empty), "plesk", or a
 * value taken as it is (oxt_service_change_record checks it).
 */
void oxt_service_choice_parse(oxt_choice_t *choice, const char *text);

/** Adds a mailbox to the request (tick: -1, 0, 1). */
void oxt_service_change_add(oxt_service_change_t *req, long long mail_id,
                            int tick, int change);

/* Bits of the service types the license allows (allowed_services). */
#define OXT_SERVICE_BIT(s) (1u << (unsigned)(s))
#define OXT_SERVICE_ALL_BITS \
    (OXT_SERVICE_BIT(OXT_SERVICE_WEBMAIL) \
     | OXT_SERVICE_BIT(OXT_SERVICE_STANDARD) \
     | OXT_SERVICE_BIT(OXT_SERVICE_PREMIUM))

/**
 * Checks req by itself (pure): the service type among allowed_services
 * (OXT_SERVICE_BIT of each type the license allows), each language one
 * of those enabled in settings (oxt_settings_language_chosen), each time
 * zone of oxt_tz.h, at least one and at most OXT_SERVICE_TARGETS_MAX
 * mailboxes, each id positive and named once. Every problem gets an
 * oxt_settings_error_t in *perrors (key: "service",
 * "replicated_language", "replicated_timezone", "new_language",
 * "new_timezone", "mailboxes"); APR_SUCCESS or APR_EINVAL.
 */
apr_status_t oxt_service_change_check(apr_array_header_t **perrors,
                                      const oxt_service_change_t *req,
                                      const oxt_settings_t *settings,
                                      unsigned allowed_services,
                                      apr_pool_t *p);

/**
 * Checks req (oxt_service_change_check), then every mailbox against
 * ident's subtree (APR_ENOENT, nothing written, when one is outside it
 * or gone), then records it in one transaction: the mailbox-level
 * preferences (service type and the local settings that apply: those of
 * "replicated" for a mailbox in OX, of "fresh" for the others; the OX
 * Service tick), the pending service type of each mailbox whose type
 * changes, and one queue hint per domain, scheduled by ident->name.
 * *presult (in p) tells the Info message what to say. APR_EINVAL with
 * *perrors as oxt_service_change_check when the request is refused.
 */
apr_status_t oxt_service_change_record(oxt_service_result_t **presult,
                                       apr_array_header_t **perrors,
                                       oxt_db_t *db, const oxt_psa_t *psa,
                                       const oxt_identity_t *ident,
                                       const oxt_service_change_t *req,
                                       const oxt_settings_t *settings,
                                       unsigned allowed_services,
                                       oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The guide's Info message for result: "Service type for mailbox(es)
 * a@x.tst, b@x.tst will be updated within seconds." (the daemon) or
 * "... next time the replication script will run." Names beyond the
 * first 20 are counted ("and 5 more"). Plain text in p; the page escapes
 * it like any other text.
 */
const char *oxt_service_change_info(const oxt_service_result_t *result,
                                    apr_pool_t *p);

/**
 * The same message from its parts, for a page that shows it after a
 * redirect: service true when the service settings changed (else only
 * OX Service ticks), names the first addresses (const char *), total
 * how many mailboxes in all (those beyond names are counted). In p.
 */
const char *oxt_service_info_text(int service,
                                  const apr_array_header_t *names,
                                  int total, int daemon_running,
                                  apr_pool_t *p);

#endif /* OXT_SERVICE_H */
