/*
 * oxt_service.c — see oxt_service.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "oxt_service.h"
#include "oxt_mbdir.h"
#include "oxt_beat.h"
#include "oxt_plesk.h"
#include "oxt_prefs.h"
#include "oxt_queue.h"
#include "oxt_status.h"
#include "oxt_tz.h"
#include "oxt_util.h"

/* Mailboxes per query when reading their state. */
#define STATE_PER_QUERY 500
/* Names the Info message lists before it counts the rest. */
#define INFO_NAMES 20

void oxt_service_change_init(oxt_service_change_t *req, apr_pool_t *p)
{
    memset(req, 0, sizeof(*req));
    req->service = -1;
    req->targets = apr_array_make(p, 16, sizeof(oxt_service_target_t));
}

void oxt_service_choice_parse(oxt_choice_t *choice, const char *text)
{
    choice->value = NULL;
    if (text == NULL || *text == '\0' || strcmp(text, "keep") == 0) {
        choice->kind = OXT_CHOICE_KEEP;
    }
    else if (strcmp(text, OXT_SETTINGS_PLESK) == 0) {
        choice->kind = OXT_CHOICE_PLESK;
    }
    else {
        choice->kind = OXT_CHOICE_VALUE;
        choice->value = text;
    }
}

void oxt_service_change_add(oxt_service_change_t *req, long long mail_id,
                            int tick, int change)
{
    oxt_service_target_t *t = apr_array_push(req->targets);

    t->mail_id = mail_id;
    t->tick = tick;
    t->change = change;
}

/* ---- checking ------------------------------------------------------------ */

static void service_error(apr_array_header_t *errors, const char *key,
                          const char *message)
{
    oxt_settings_error_t *e = apr_array_push(errors);

    e->key = key;
    e->message = message;
}

static void service_check_choice(apr_array_header_t *errors, const char *key,
                                 const oxt_choice_t *c, int timezone,
                                 const oxt_settings_t *settings)
{
    if (c->kind != OXT_CHOICE_VALUE) {
        return;
    }
    if (timezone && oxt_tz_find(c->value) == NULL) {
        service_error(errors, key, "Choose a time zone of the list, Plesk"
                      " server time zone, or Do not change.");
    }
    else if (!timezone
             && !oxt_settings_language_chosen(settings, c->value)) {
        service_error(errors, key, "Choose a language enabled in Settings,"
                      " Plesk language on replicated accounts, or Do not"
                      " change.");
    }
}

/* The targets: some, not too many, sound ids and ticks, something to do. */
static const char *service_targets_problem(const apr_array_header_t *ts)
{
    const oxt_service_target_t *t;
    int i, something = 0;

    if (ts->nelts > OXT_SERVICE_TARGETS_MAX) {
        return "Select at most 100000 mailboxes at once.";
    }
    for (i = 0; i < ts->nelts; i++) {
        t = &APR_ARRAY_IDX(ts, i, const oxt_service_target_t);
        if (t->mail_id <= 0 || t->tick < -1 || t->tick > 1) {
            return "A mailbox of the list is not valid.";
        }
        something |= t->change || t->tick >= 0;
    }
    return something ? NULL : "Select at least one mailbox.";
}

apr_status_t oxt_service_change_check(apr_array_header_t **perrors,
                                      const oxt_service_change_t *req,
                                      const oxt_settings_t *settings,
                                      unsigned allowed_services,
                                      apr_pool_t *p)
{
    apr_array_header_t *errors = apr_array_make(p, 2,
                                                sizeof(oxt_settings_error_t));
    const char *why;

    if (req->service >= OXT_SERVICE_COUNT
        || (req->service >= 0
            && !(allowed_services & OXT_SERVICE_BIT(req->service)))) {
        service_error(errors, "service",
                      "Choose a service type your license allows.");
    }
    service_check_choice(errors, "replicated_language",
                         &req->replicated.language, 0, settings);
    service_check_choice(errors, "replicated_timezone",
                         &req->replicated.timezone, 1, settings);
    service_check_choice(errors, "new_language", &req->fresh.language, 0,
                         settings);
    service_check_choice(errors, "new_timezone", &req->fresh.timezone, 1,
                         settings);
    why = service_targets_problem(req->targets);
    if (why != NULL) {
        service_error(errors, "mailboxes", why);
    }
    *perrors = errors;
    return errors->nelts ? APR_EINVAL : APR_SUCCESS;
}

/* ---- what is there ------------------------------------------------------- */

/* One mailbox of the change, with what it is now. */
typedef struct {
    oxt_service_target_t t;
    const oxt_plesk_mailbox_t *mbox;
    int has_state;                /* a mailbox_state row exists */
    int in_ox;
    int current;                  /* its service type now; -1 unknown */
} svc_item_t;

/* The targets with each id once: a later tick wins, change adds up. */
static apr_array_header_t *service_unique(const apr_array_header_t *ts,
                                          apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, ts->nelts,
                                             sizeof(svc_item_t));
    apr_hash_t *seen = apr_hash_make(p);
    const oxt_service_target_t *t;
    svc_item_t *it;
    int i;

    for (i = 0; i < ts->nelts; i++) {
        t = &APR_ARRAY_IDX(ts, i, const oxt_service_target_t);
        it = oxt_util_id_get(seen, t->mail_id);
        if (it == NULL) {
            it = apr_array_push(out);
            memset(it, 0, sizeof(*it));
            it->t = *t;
            it->current = -1;
            oxt_util_id_set(seen, t->mail_id, it);
            continue;
        }
        it->t.tick = t->tick >= 0 ? t->tick : it->t.tick;
        it->t.change |= t->change;
    }
    return out;
}

/* Every item's mailbox, from the caller's subtree only. */
static apr_status_t service_mailboxes(apr_array_header_t *items,
                                      const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_identity_t *ident,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, items->nelts,
                                             sizeof(long long));
    oxt_plesk_scope_t scope;
    apr_hash_t *found;
    svc_item_t *it;
    int i;
    apr_status_t rv;

    for (i = 0; i < items->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) =
            APR_ARRAY_IDX(items, i, svc_item_t).t.mail_id;
    }
    oxt_plesk_scope_of(&scope, ident);
    rv = oxt_plesk_mailboxes_get(&found, psa, db, &scope, ids, res, p);
    for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
        it = &APR_ARRAY_IDX(items, i, svc_item_t);
        it->mbox = oxt_util_id_get(found, it->t.mail_id);
        if (it->mbox == NULL) {
            /* Outside the subtree or gone: one answer for both. */
            return oxt_result_set(res, APR_ENOENT, "No such mailbox", NULL);
        }
    }
    return rv;
}

/* The state rows of items[at .. at + n): in OX or not, type now. */
static apr_status_t service_state_chunk(apr_array_header_t *items, int at,
                                        int n, apr_hash_t *byid,
                                        oxt_db_t *db, oxt_result_t *res,
                                        apr_pool_t *p)
{
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args) * (apr_size_t)n);
    apr_array_header_t *marks = apr_array_make(p, n, sizeof(const char *));
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    svc_item_t *it;
    int i;
    apr_status_t rv;

    for (i = 0; i < n; i++) {
        args[i] = OXT_DB_INT(APR_ARRAY_IDX(items, at + i,
                                           svc_item_t).t.mail_id);
        APR_ARRAY_PUSH(marks, const char *) = "?";
    }
    rv = oxt_db_select(&rows, db, apr_pstrcat(p,
             "SELECT mail_id, ox_user_id IS NOT NULL,"
             " IF(ox_user_id IS NOT NULL, applied_service_type, service_type)"
             " FROM mailbox_state WHERE mail_id IN (",
             apr_array_pstrcat(p, marks, ','), ")", NULL), args, n, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        it = oxt_util_id_get(byid, oxt_db_row_int(row, 0, 0));
        if (it != NULL) {
            it->has_state = 1;
            it->in_ox = oxt_db_row_bool(row, 1);
            it->current = oxt_db_row_enum(row, 2, oxt_service_codes(), -1);
        }
    }
    return rv;
}

/* The type of a mailbox never recorded: what its preferences say. */
static apr_status_t service_chain_chunk(apr_array_header_t *items, int at,
                                        int n, const oxt_settings_t *set,
                                        oxt_db_t *db, oxt_result_t *res,
                                        apr_pool_t *p)
{
    oxt_prefs_owner_t *owners = apr_pcalloc(p, sizeof(*owners)
                                            * (apr_size_t)n);
    const oxt_plesk_owner_t *o;
    const oxt_prefs_chain_t *chain;
    apr_hash_t *chains;
    svc_item_t *it;
    int i;
    apr_status_t rv;

    for (i = 0; i < n; i++) {
        it = &APR_ARRAY_IDX(items, at + i, svc_item_t);
        o = &it->mbox->domain.owner;
        owners[i].reseller_id = o->reseller_id;
        owners[i].client_id = o->client_id;
        owners[i].dom_id = it->mbox->domain.id;
        owners[i].mail_id = it->mbox->id;
    }
    rv = oxt_prefs_chains_load(&chains, db, owners, n, res, p);
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        it = &APR_ARRAY_IDX(items, at + i, svc_item_t);
        chain = oxt_util_id_get(chains, it->t.mail_id);
        if (!it->has_state && chain != NULL) {
            it->current = (int)oxt_prefs_service(chain, set);
        }
    }
    return rv;
}

static apr_status_t service_states(apr_array_header_t *items,
                                   const oxt_settings_t *set, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *byid = apr_hash_make(p);
    svc_item_t *it;
    int i, n;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < items->nelts; i++) {
        it = &APR_ARRAY_IDX(items, i, svc_item_t);
        oxt_util_id_set(byid, it->t.mail_id, it);
    }
    for (i = 0; rv == APR_SUCCESS && i < items->nelts; i += n) {
        n = items->nelts - i < STATE_PER_QUERY ? items->nelts - i
                                                : STATE_PER_QUERY;
        rv = service_state_chunk(items, i, n, byid, db, res, p);
        if (rv == APR_SUCCESS) {
            rv = service_chain_chunk(items, i, n, set, db, res, p);
        }
    }
    return rv;
}

/* ---- writing ------------------------------------------------------------- */

/* The stored form of a choice: NULL keeps what is there. */
static const char *choice_value(const oxt_choice_t *c)
{
    switch (c->kind) {
    case OXT_CHOICE_PLESK:
        return OXT_SETTINGS_PLESK;
    case OXT_CHOICE_VALUE:
        return c->value;
    default:
        return NULL;
    }
}

/* The mailbox's own preferences: tick, type, language, time zone. */
static apr_status_t service_prefs(oxt_db_t *db, const svc_item_t *it,
                                  const oxt_service_change_t *req,
                                  const char *by, oxt_result_t *res,
                                  apr_pool_t *p)
{
    const oxt_local_t *local = it->in_ox ? &req->replicated : &req->fresh;
    const char *tick = it->t.tick < 0 ? NULL : it->t.tick ? "on" : "off";
    int change = it->t.change;

    return oxt_db_exec(NULL, db,
        "INSERT INTO prefs (level, plesk_id, webmail_forever, service_type,"
        " language, timezone, updated_at, updated_by)"
        " VALUES ('mailbox', ?, COALESCE(?, 'inherit'), ?, ?, ?, NOW(), ?)"
        " ON DUPLICATE KEY UPDATE"
        " webmail_forever = COALESCE(?, webmail_forever),"
        " service_type = COALESCE(VALUES(service_type), service_type),"
        " language = COALESCE(VALUES(language), language),"
        " timezone = COALESCE(VALUES(timezone), timezone),"
        " updated_at = NOW(), updated_by = VALUES(updated_by)",
        OXT_DB_ARGS(OXT_DB_INT(it->t.mail_id), OXT_DB_STR(tick),
                    OXT_DB_STR(change && req->service >= 0
                               ? oxt_service_code(req->service) : NULL),
                    OXT_DB_STR(change ? choice_value(&local->language)
                                      : NULL),
                    OXT_DB_STR(change ? choice_value(&local->timezone)
                                      : NULL),
                    OXT_DB_STR(by), OXT_DB_STR(tick)), res, p);
}

/* "Update in progress" while the type differs from the one it has now;
 * a mailbox never recorded gets its state row with the type it has. */
static apr_status_t service_pending(oxt_db_t *db, const svc_item_t *it,
                                    int service, int *ppending,
                                    oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plesk_mailbox_t *m = it->mbox;
    const char *pending = service != it->current
                          ? oxt_service_code(service) : NULL;

    *ppending += pending != NULL;
    if (it->has_state) {
        return oxt_db_exec(NULL, db,
                           "UPDATE mailbox_state SET pending_service_type = ?"
                           " WHERE mail_id = ?",
                           OXT_DB_ARGS(OXT_DB_STR(pending),
                                       OXT_DB_INT(m->id)), res, p);
    }
    if (pending == NULL) {
        return APR_SUCCESS;
    }
    return oxt_db_exec(NULL, db,
        "INSERT INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,"
        " service_type, pending_service_type, status)"
        " VALUES (?, ?, ?, ?, ?, ?, 'pending')"
        " ON DUPLICATE KEY UPDATE"
        " pending_service_type = VALUES(pending_service_type)",
        OXT_DB_ARGS(OXT_DB_INT(m->id), OXT_DB_INT(m->domain.id),
                    OXT_DB_INT(m->domain.owner.client_id),
                    OXT_DB_INT(m->domain.owner.reseller_id),
                    OXT_DB_STR(oxt_service_code(it->current >= 0
                                                ? it->current : 0)),
                    OXT_DB_STR(pending)), res, p);
}

static apr_status_t service_write_one(oxt_service_result_t *out,
                                      apr_hash_t *doms, oxt_db_t *db,
                                      const svc_item_t *it,
                                      const oxt_service_change_t *req,
                                      const char *by, oxt_result_t *res,
                                      apr_pool_t *p)
{
    apr_status_t rv;

    if (!it->t.change && it->t.tick < 0) {
        return APR_SUCCESS;                /* named, nothing asked */
    }
    rv = service_prefs(db, it, req, by, res, p);
    if (rv == APR_SUCCESS && it->t.change && req->service >= 0) {
        rv = service_pending(db, it, req->service, &out->pending, res, p);
    }
    if (it->t.change) {
        APR_ARRAY_PUSH(out->names, const char *) = it->mbox->address;
    }
    if (it->t.tick >= 0) {
        APR_ARRAY_PUSH(out->ticked, const char *) = it->mbox->address;
    }
    oxt_util_id_set(doms, it->mbox->domain.id, "");
    return rv;
}

static apr_status_t service_queue(oxt_service_result_t *out,
                                  apr_hash_t *doms, oxt_db_t *db,
                                  const char *by, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_hash_index_t *hi;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(p, doms); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        rv = oxt_queue_push(db, OXT_OBJ_DOMAIN, oxt_util_id_key(hi),
                            "change_service", NULL, by, res, p);
        out->domains++;
    }
    return rv;
}

static apr_status_t service_write(oxt_service_result_t *out, oxt_db_t *db,
                                  const apr_array_header_t *items,
                                  const oxt_service_change_t *req,
                                  const char *by, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_hash_t *doms = apr_hash_make(p);
    apr_pool_t *sub;
    int i;
    apr_status_t rv;

    apr_pool_create(&sub, p);
    rv = oxt_db_begin(db, res);
    for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
        apr_pool_clear(sub);
        rv = service_write_one(out, doms, db,
                               &APR_ARRAY_IDX(items, i, const svc_item_t),
                               req, by, res, sub);
    }
    if (rv == APR_SUCCESS) {
        rv = service_queue(out, doms, db, by, res, sub);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
    }
    apr_pool_destroy(sub);
    return rv;
}

/* The Mailboxes page's directory of the changed mailboxes, so that its
 * order by service type or OX Service is true at once. The change is
 * recorded already and its domains queued, and the replicator's sync of
 * those domains puts the order right in any case: so a failure here is
 * not the caller's, and a change of more than OXT_MBDIR_NOW_MAX
 * mailboxes (a page's "All" of a large server) is left to it rather
 * than kept in the request. */
static void service_directory(oxt_db_t *db, const oxt_psa_t *psa,
                              const apr_array_header_t *items,
                              const oxt_settings_t *settings, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, items->nelts,
                                             sizeof(long long));
    int i;

    if (items->nelts > OXT_MBDIR_NOW_MAX) {
        return;
    }
    for (i = 0; i < items->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) =
            APR_ARRAY_IDX(items, i, const svc_item_t).t.mail_id;
    }
    if (oxt_mbdir_sync_mails(db, psa, settings, ids, oxt_result_make(p), p)
        != APR_SUCCESS) {
        return;
    }
}

apr_status_t oxt_service_change_record(oxt_service_result_t **presult,
                                       apr_array_header_t **perrors,
                                       oxt_db_t *db, const oxt_psa_t *psa,
                                       const oxt_identity_t *ident,
                                       const oxt_service_change_t *req,
                                       const oxt_settings_t *settings,
                                       unsigned allowed_services,
                                       oxt_result_t *res, apr_pool_t *p)
{
    oxt_service_result_t *out = apr_pcalloc(p, sizeof(*out));
    apr_array_header_t *items;
    apr_status_t rv;

    *presult = out;
    out->names = apr_array_make(p, 8, sizeof(const char *));
    out->ticked = apr_array_make(p, 8, sizeof(const char *));
    if (oxt_service_change_check(perrors, req, settings, allowed_services,
                                 p) != APR_SUCCESS) {
        return oxt_result_set(res, APR_EINVAL, "Nothing was changed",
                              "%d choice(s) are not valid",
                              (*perrors)->nelts);
    }
    items = service_unique(req->targets, p);
    rv = service_mailboxes(items, psa, db, ident, res, p);
    if (rv == APR_SUCCESS) {
        rv = service_states(items, settings, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = service_write(out, db, items, req, ident->name, res, p);
    }
    if (rv == APR_SUCCESS) {
        service_directory(db, psa, items, settings, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_beat_daemon_running(&out->daemon_running, NULL, db, res, p);
    }
    return rv;
}

/* ---- the Info message -------------------------------------------------- */

/* "a@x.tst, b@x.tst" (the first INFO_NAMES of names), "... and 5 more"
 * up to total. */
static const char *info_names(const apr_array_header_t *names, int total,
                              apr_pool_t *p)
{
    const char *out = "";
    int i;

    for (i = 0; i < names->nelts && i < INFO_NAMES; i++) {
        out = apr_pstrcat(p, out, i ? ", " : "",
                          APR_ARRAY_IDX(names, i, const char *), NULL);
    }
    if (total > i) {
        out = apr_psprintf(p, "%s and %d more", out, total - i);
    }
    return out;
}

const char *oxt_service_info_text(int service,
                                  const apr_array_header_t *names,
                                  int total, int daemon_running,
                                  apr_pool_t *p)
{
    const char *when = daemon_running
        ? "within seconds"
        : "next time the replication script will run";

    return apr_psprintf(p, "%s for mailbox(es) %s will be updated %s.",
                        service ? "Service type" : "OX Service",
                        info_names(names, total, p), when);
}

const char *oxt_service_change_info(const oxt_service_result_t *result,
                                    apr_pool_t *p)
{
    const apr_array_header_t *names = result->names->nelts
        ? result->names : result->ticked;

    return oxt_service_info_text(result->names->nelts > 0, names,
                                 names->nelts, result->daemon_running, p);
}
