/*
 * oxt_prefs_form.c — see oxt_prefs_form.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_prefs_form.h"
#include "oxt_queue.h"
#include "oxt_tz.h"

#define QUOTA_MAX 100000000LL

const char *oxt_prefs_form_over_parent(oxt_level_t level)
{
    switch (level) {
    case OXT_LEVEL_CLIENT:
        return "You can not fill in a value greater than the one set for"
               " the reseller the client belongs to!";
    default:
        return "You can not fill in a value greater than the one set for"
               " the domain's parent account!";
    }
}

/* ---- loading ------------------------------------------------------------- */

/* The nearest value set above level (NULL / -1: none). */
static void inherited(oxt_prefs_form_t *f, const oxt_prefs_chain_t *chain,
                      const oxt_settings_t *settings)
{
    const oxt_prefs_t *l;
    int i;

    f->inherited_quota_mb = -1;
    f->parent_max_mb = -1;
    f->inherited_language = NULL;
    f->inherited_timezone = NULL;
    for (i = (int)f->level - 1; i >= OXT_LEVEL_RESELLER; i--) {
        l = &chain->level[i];
        if (f->inherited_quota_mb < 0 && l->default_quota_mb >= 0) {
            f->inherited_quota_mb = l->default_quota_mb;
        }
        if (l->max_quota_mb >= 0 && (f->parent_max_mb < 0
                                     || l->max_quota_mb < f->parent_max_mb)) {
            f->parent_max_mb = l->max_quota_mb;
        }
        if (f->inherited_language == NULL && l->language && *l->language) {
            f->inherited_language = l->language;
        }
        if (f->inherited_timezone == NULL && l->timezone && *l->timezone) {
            f->inherited_timezone = l->timezone;
        }
    }
    if (f->inherited_quota_mb < 0) {
        f->inherited_quota_mb = settings->default_quota_mb;
    }
    if (f->parent_max_mb >= 0 && f->inherited_quota_mb > f->parent_max_mb) {
        f->inherited_quota_mb = f->parent_max_mb;
    }
    f->inherited_language = f->inherited_language
        ? f->inherited_language : settings->default_language;
    f->inherited_timezone = f->inherited_timezone
        ? f->inherited_timezone : settings->default_timezone;
}

apr_status_t oxt_prefs_form_load(oxt_prefs_form_t *f, oxt_db_t *db,
                                 oxt_level_t level, long long id,
                                 long long reseller_id, long long client_id,
                                 const oxt_settings_t *settings,
                                 oxt_result_t *res, apr_pool_t *p)
{
    oxt_prefs_chain_t chain;
    const oxt_prefs_t *own;
    apr_status_t rv;

    memset(f, 0, sizeof(*f));
    f->level = level;
    f->id = id;
    rv = oxt_prefs_chain_load(&chain, db,
                              level == OXT_LEVEL_RESELLER ? id : reseller_id,
                              level == OXT_LEVEL_CLIENT ? id
                              : level == OXT_LEVEL_DOMAIN ? client_id : 0,
                              level == OXT_LEVEL_DOMAIN ? id : 0, 0, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    inherited(f, &chain, settings);
    own = &chain.level[level];
    f->quota_own = own->default_quota_mb >= 0;
    f->quota_mb = f->quota_own ? own->default_quota_mb : f->inherited_quota_mb;
    f->max_mb = level == OXT_LEVEL_DOMAIN ? -1 : own->max_quota_mb;
    f->language_own = own->language != NULL && *own->language;
    f->language = f->language_own ? apr_pstrdup(p, own->language)
                                  : f->inherited_language;
    f->timezone_own = own->timezone != NULL && *own->timezone;
    f->timezone = f->timezone_own ? apr_pstrdup(p, own->timezone)
                                  : f->inherited_timezone;
    return APR_SUCCESS;
}

/* ---- checking -------------------------------------------------------------- */

static const char quota_message[] = "A number of MB from 0 to 100000000.";

/* A quota as typed: *pv, or the message. */
static const char *quota_parse(long long *pv, const char *text)
{
    apr_size_t n = text ? strlen(text) : 0;

    /* Digits only: no sign, no blanks, no exponent; at most 9 of them. */
    if (n == 0 || n > 9 || strspn(text, "0123456789") != n) {
        return quota_message;
    }
    *pv = strtoll(text, NULL, 10);
    return *pv <= QUOTA_MAX ? NULL : quota_message;
}

static int language_ok(const char *code, const apr_array_header_t *langs)
{
    int i;

    if (strcmp(code, OXT_SETTINGS_PLESK) == 0) {
        return 1;
    }
    for (i = 0; langs != NULL && i < langs->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(langs, i, oxt_language_t).code, code) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The quota fields: each number, then the maximums. */
static void check_quotas(oxt_prefs_form_t *f, const char *quota,
                         const char *max)
{
    int has_max = f->level != OXT_LEVEL_DOMAIN && max != NULL && *max;

    f->quota_error = quota_parse(&f->quota_mb, quota);
    f->max_mb = -1;
    if (has_max) {
        f->max_error = quota_parse(&f->max_mb, max);
    }
    if (f->parent_max_mb >= 0 && f->quota_error == NULL
        && f->quota_mb > f->parent_max_mb) {
        f->quota_error = oxt_prefs_form_over_parent(f->level);
    }
    if (f->parent_max_mb >= 0 && has_max && f->max_error == NULL
        && f->max_mb > f->parent_max_mb) {
        f->max_error = oxt_prefs_form_over_parent(f->level);
    }
    if (has_max && f->quota_error == NULL && f->max_error == NULL
        && f->quota_mb > f->max_mb) {
        f->quota_error = "The default quota cannot be above the maximum"
                         " quota.";
    }
}

apr_status_t oxt_prefs_form_check(oxt_prefs_form_t *f, const char *quota,
                                  const char *max, const char *language,
                                  const char *timezone,
                                  const apr_array_header_t *languages,
                                  apr_pool_t *p)
{
    f->quota_error = f->max_error = NULL;
    f->language_error = f->timezone_error = NULL;
    check_quotas(f, quota, max);
    language = language ? language : "";
    timezone = timezone ? timezone : "";
    if (!language_ok(language, languages)) {
        f->language_error = "Choose one of the languages enabled in"
                            " Settings.";
    }
    if (strcmp(timezone, OXT_SETTINGS_PLESK) != 0
        && oxt_tz_find(timezone) == NULL) {
        f->timezone_error = "Choose a time zone of the list.";
    }
    f->language = apr_pstrdup(p, language);
    f->timezone = apr_pstrdup(p, timezone);
    return f->quota_error || f->max_error || f->language_error
           || f->timezone_error ? APR_EINVAL : APR_SUCCESS;
}

/* ---- saving ------------------------------------------------------------------ */

apr_status_t oxt_prefs_form_save(oxt_db_t *db, const oxt_prefs_form_t *f,
                                 const char *by, oxt_result_t *res,
                                 apr_pool_t *p)
{
    /* What equals the inherited value is stored as "inherit" (NULL). */
    oxt_db_arg_t quota = f->quota_mb == f->inherited_quota_mb
                         ? OXT_DB_NULL : OXT_DB_INT(f->quota_mb);
    oxt_db_arg_t max = f->max_mb < 0 ? OXT_DB_NULL : OXT_DB_INT(f->max_mb);
    oxt_db_arg_t lang = strcmp(f->language, f->inherited_language) == 0
                        ? OXT_DB_NULL : OXT_DB_STR(f->language);
    oxt_db_arg_t tz = strcmp(f->timezone, f->inherited_timezone) == 0
                      ? OXT_DB_NULL : OXT_DB_STR(f->timezone);

    apr_status_t rv = oxt_db_begin(db, res);

    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db,
        "INSERT INTO prefs (level, plesk_id, default_quota_mb, max_quota_mb,"
        " language, timezone, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, NOW(), ?) ON DUPLICATE KEY UPDATE"
        " default_quota_mb = VALUES(default_quota_mb),"
        " max_quota_mb = VALUES(max_quota_mb), language = VALUES(language),"
        " timezone = VALUES(timezone), updated_at = NOW(),"
        " updated_by = VALUES(updated_by)",
        OXT_DB_ARGS(OXT_DB_STR(oxt_level_name(f->level)), OXT_DB_INT(f->id),
                    quota, max, lang, tz, OXT_DB_STR(by)), res, p);
    }
    /* What OX should hold may have changed: the replicator looks now. */
    if (rv == APR_SUCCESS) {
        rv = oxt_queue_push(db, f->level == OXT_LEVEL_RESELLER
                            ? OXT_OBJ_RESELLER : f->level == OXT_LEVEL_CLIENT
                            ? OXT_OBJ_CLIENT : OXT_OBJ_DOMAIN, f->id, "page",
                            "preferences", by, res, p);
    }
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(db, res);
    }
    oxt_db_rollback(db);
    return rv;
}
