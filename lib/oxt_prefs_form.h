/*
 * oxt_prefs_form.h — the Prefs dialog of a reseller, client or domain:
 * what it shows, the rules a posted value must follow, and saving it.
 *
 * A reseller or client has a default and a maximum domain Infostore
 * quota, a default OX language and a default OX time zone; a domain has
 * its Infostore quota, language and time zone. Each field shows the
 * level's own value, or the one it inherits (the nearest level above,
 * else Settings). Rules:
 *  - quotas: whole MB from 0 to 100000000; no value above the parent's
 *    maximum (the smallest maximum set above the level), refused with
 *    the user guide's words; a default no larger than the level's own
 *    maximum; an empty maximum means the level sets none;
 *  - the language: one enabled in Settings, or "plesk" (the owner's
 *    Plesk language);
 *  - the time zone: one of oxt_tz.h, or "plesk" (the server's).
 * When one value breaks its rule, nothing is saved and every field gets
 * its own message. A value equal to the one inherited is stored as
 * "inherit", so a later change above still reaches the level.
 */
#ifndef OXT_PREFS_FORM_H
#define OXT_PREFS_FORM_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_prefs.h"
#include "oxt_settings.h"

/* The fields (form names and JSON keys). */
#define OXT_PF_QUOTA    "quota_mb"      /* default / the domain's quota */
#define OXT_PF_MAX      "max_quota_mb"  /* reseller, client */
#define OXT_PF_LANGUAGE "language"
#define OXT_PF_TIMEZONE "timezone"

typedef struct oxt_prefs_form_t {
    oxt_level_t level;
    long long id;
    /* shown: the level's own value, else what it inherits */
    long long quota_mb;
    int quota_own;
    long long max_mb;              /* -1: none of its own */
    long long parent_max_mb;       /* -1: none above */
    const char *language;          /* ll_CC or "plesk" */
    int language_own;
    const char *timezone;          /* Olson name or "plesk" */
    int timezone_own;
    /* what the level inherits (for saving "inherit") */
    long long inherited_quota_mb;
    const char *inherited_language;
    const char *inherited_timezone;
    /* after oxt_prefs_form_check: the message of each field, or NULL */
    const char *quota_error;
    const char *max_error;
    const char *language_error;
    const char *timezone_error;
} oxt_prefs_form_t;

/**
 * The dialog of object id of level, whose chain above is reseller_id and
 * client_id (0 where there is none; as oxt_dir_row_t has them). Reads the
 * stored preferences of the chain; settings gives what nothing above
 * sets. Strings in p.
 */
apr_status_t oxt_prefs_form_load(oxt_prefs_form_t *f, oxt_db_t *db,
                                 oxt_level_t level, long long id,
                                 long long reseller_id, long long client_id,
                                 const oxt_settings_t *settings,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Takes the posted values (text as sent; max is ignored for a domain, an
 * empty max means none) into f and checks them against the rules, with
 * languages the enabled ones (oxt_language_t). APR_SUCCESS, or APR_EINVAL
 * with the field messages set. Pure.
 */
apr_status_t oxt_prefs_form_check(oxt_prefs_form_t *f, const char *quota,
                                  const char *max, const char *language,
                                  const char *timezone,
                                  const apr_array_header_t *languages,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Saves a checked form, recording by (the person's name), with a queue
 *  hint for the object, in one transaction. */
apr_status_t oxt_prefs_form_save(oxt_db_t *db, const oxt_prefs_form_t *f,
                                 const char *by, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The message of a value above the parent's maximum (the guide's). */
const char *oxt_prefs_form_over_parent(oxt_level_t level);

#endif /* OXT_PREFS_FORM_H */
