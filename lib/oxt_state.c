/*
 * oxt_state.c — see oxt_state.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_state.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* Everything a user's state says was applied, cleared: the next plan
 * resends it all. */
#define FORGET_USER_COLUMNS \
    " applied_mail_name = NULL, applied_address = NULL," \
    " ox_primary_email = NULL," \
    " applied_display_name = NULL, applied_aliases = NULL," \
    " applied_service_type = NULL, applied_language = NULL," \
    " applied_timezone = NULL, applied_password_fp = NULL," \
    " applied_imap_server = NULL, applied_smtp_server = NULL"

const char *oxt_state_server(const char *host, int port, apr_pool_t *p)
{
    return apr_psprintf(p, "%s:%d", host ? host : "", port);
}

/* ---- loading -------------------------------------------------------------- */

/* The columns oxt_state_context_from_row reads, in its order. */
#define CONTEXT_COLS \
    "SELECT dom_id, ox_context_id, context_name, admin_login," \
    " admin_password_enc, applied_login_mappings, applied_quota_mb, status," \
    " admin_user_id, applied_admin_address, applied_display_name" \
    " FROM domain_state"
enum { CONTEXT_NCOLS = 11 };

static void context_empty(oxt_applied_context_t *ctx, long long dom_id)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->dom_id = dom_id;
    ctx->quota_mb = -1;
}

apr_status_t oxt_state_context_from_row(oxt_applied_context_t *ctx,
                                        const oxt_db_row_t *row)
{
    if (row->ncols != CONTEXT_NCOLS) {
        return OXT_ESCHEMA;
    }
    context_empty(ctx, oxt_db_row_int(row, 0, 0));
    ctx->exists = 1;
    ctx->ox_context_id = oxt_db_row_int(row, 1, 0);
    ctx->context_name = row->vals[2];
    ctx->admin_login = row->vals[3];
    ctx->admin_password_enc = row->vals[4];
    ctx->mappings = row->vals[5];
    ctx->quota_mb = (int)oxt_db_row_int(row, 6, -1);
    ctx->status = row->vals[7];
    ctx->admin_user_id = oxt_db_row_int(row, 8, 0);
    ctx->admin_address = row->vals[9];
    ctx->display_name = row->vals[10];
    return APR_SUCCESS;
}

apr_status_t oxt_state_context_load(oxt_applied_context_t *ctx, oxt_db_t *db,
                                    long long dom_id, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv;

    context_empty(ctx, dom_id);
    rv = oxt_db_select(&rows, db, CONTEXT_COLS " WHERE dom_id = ?",
                       OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    return oxt_state_context_from_row(ctx, APR_ARRAY_IDX(rows, 0,
                                                         const oxt_db_row_t *));
}

/* The columns oxt_state_user_from_row reads, in its order. */
#define USER_COLS \
    "SELECT mail_id, dom_id, ox_context_id, ox_user_id," \
    " applied_mail_name, applied_address, applied_display_name," \
    " applied_aliases, applied_service_type, applied_language," \
    " applied_timezone, applied_imap_server, applied_smtp_server," \
    " applied_password_fp, status, status_reason, ox_primary_email," \
    " pending_service_type FROM mailbox_state"
enum { USER_NCOLS = 18 };

apr_status_t oxt_state_user_from_row(oxt_applied_user_t *u,
                                     const oxt_db_row_t *row)
{
    if (row->ncols != USER_NCOLS) {
        return OXT_ESCHEMA;
    }
    memset(u, 0, sizeof(*u));
    u->exists = 1;
    u->mail_id = oxt_db_row_int(row, 0, 0);
    u->dom_id = oxt_db_row_int(row, 1, 0);
    u->ox_context_id = oxt_db_row_int(row, 2, 0);
    u->ox_user_id = oxt_db_row_int(row, 3, 0);
    u->mail_name = row->vals[4];
    u->address = row->vals[5];
    u->display_name = row->vals[6];
    u->aliases = row->vals[7];
    u->service = oxt_db_row_enum(row, 8, oxt_service_codes(), -1);
    u->language = row->vals[9];
    u->timezone = row->vals[10];
    u->imap_server = row->vals[11];
    u->smtp_server = row->vals[12];
    if (row->vals[13] != NULL && row->lens[13] == OXT_FP_LEN) {
        u->has_fp = 1;
        memcpy(u->password_fp, row->vals[13], OXT_FP_LEN);
    }
    u->status = row->vals[14];
    u->status_reason = row->vals[15];
    u->ox_primary = row->vals[16];
    u->pending_service = oxt_db_row_enum(row, 17, oxt_service_codes(), -1);
    u->has_pending = u->pending_service >= 0;
    if (!u->has_pending) {
        u->pending_service = 0;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_state_users_load(apr_hash_t **pusers, oxt_db_t *db,
                                  long long dom_id, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_hash_t *users = apr_hash_make(p);
    oxt_applied_user_t *u;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, USER_COLS " WHERE dom_id = ?",
                       OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        u = apr_palloc(p, sizeof(*u));
        rv = oxt_state_user_from_row(u, APR_ARRAY_IDX(rows, i,
                                                      const oxt_db_row_t *));
        if (rv == APR_SUCCESS) {
            oxt_util_id_set(users, u->mail_id, u);
        }
    }
    *pusers = users;
    return rv;
}

/* ---- a range of domains -------------------------------------------------- */

/* cols' rows of the domains sel chooses. */
static apr_status_t state_chosen(oxt_db_t *db, const char *cols,
                                 const oxt_db_idsel_t *sel,
                                 oxt_db_row_cb *cb, void *baton,
                                 oxt_result_t *res, apr_pool_t *p)
{
    int n;
    oxt_db_arg_t *args = oxt_db_idsel_bind(sel, 1, &n, p);

    return oxt_db_each(db, apr_pstrcat(p, cols, " WHERE ",
                       oxt_db_idsel_cond(sel, "dom_id", p), NULL),
                       args, n, cb, baton, res, p);
}

apr_status_t oxt_state_chosen_contexts(oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
{
    return state_chosen(db, CONTEXT_COLS, sel, cb, baton, res, p);
}

apr_status_t oxt_state_chosen_users(oxt_db_t *db, const oxt_db_idsel_t *sel,
                                    oxt_db_row_cb *cb, void *baton,
                                    oxt_result_t *res, apr_pool_t *p)
{
    return state_chosen(db, USER_COLS, sel, cb, baton, res, p);
}

apr_status_t oxt_state_range_contexts(oxt_db_t *db, long long after,
                                      long long upto, oxt_db_row_cb *cb,
                                      void *baton, oxt_result_t *res,
                                      apr_pool_t *p)
{
    oxt_db_idsel_t sel = OXT_DB_IDSEL_RANGE(after, upto);

    return state_chosen(db, CONTEXT_COLS, &sel, cb, baton, res, p);
}

apr_status_t oxt_state_range_users(oxt_db_t *db, long long after,
                                   long long upto, oxt_db_row_cb *cb,
                                   void *baton, oxt_result_t *res,
                                   apr_pool_t *p)
{
    oxt_db_idsel_t sel = OXT_DB_IDSEL_RANGE(after, upto);

    return state_chosen(db, USER_COLS, &sel, cb, baton, res, p);
}

static const char *state_dup(const char *s, apr_pool_t *p)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

void oxt_state_context_copy(oxt_applied_context_t *c,
                            const oxt_applied_context_t *src, apr_pool_t *p)
{
    *c = *src;
    c->context_name = state_dup(src->context_name, p);
    c->admin_login = state_dup(src->admin_login, p);
    c->admin_password_enc = state_dup(src->admin_password_enc, p);
    c->mappings = state_dup(src->mappings, p);
    c->status = state_dup(src->status, p);
    c->admin_address = state_dup(src->admin_address, p);
    c->display_name = state_dup(src->display_name, p);
}

oxt_applied_user_t *oxt_state_user_copy(const oxt_applied_user_t *src,
                                        apr_pool_t *p)
{
    oxt_applied_user_t *u = apr_pmemdup(p, src, sizeof(*src));

    u->mail_name = state_dup(src->mail_name, p);
    u->address = state_dup(src->address, p);
    u->ox_primary = state_dup(src->ox_primary, p);
    u->display_name = state_dup(src->display_name, p);
    u->aliases = state_dup(src->aliases, p);
    u->language = state_dup(src->language, p);
    u->timezone = state_dup(src->timezone, p);
    u->imap_server = state_dup(src->imap_server, p);
    u->smtp_server = state_dup(src->smtp_server, p);
    u->status = state_dup(src->status, p);
    u->status_reason = state_dup(src->status_reason, p);
    return u;
}

/* ---- which domains ------------------------------------------------------- */

apr_status_t oxt_state_domain_named(long long *pdom_id, oxt_db_t *db,
                                    const char *name, oxt_result_t *res,
                                    apr_pool_t *p)
{
    return oxt_db_select_int(pdom_id, db, oxt_util_is_ascii(name)
                             ? "SELECT dom_id FROM domain_state"
                               " WHERE applied_name = ?"
                             : "SELECT dom_id FROM domain_state"
                               " WHERE applied_display_name = ?",
                             OXT_DB_ARGS(OXT_DB_STR(name)), res, p);
}

apr_status_t oxt_state_user_domain(long long *pdom_id, oxt_db_t *db,
                                   long long mail_id, oxt_result_t *res,
                                   apr_pool_t *p)
{
    return oxt_db_select_int(pdom_id, db,
                             "SELECT dom_id FROM mailbox_state"
                             " WHERE mail_id = ?",
                             OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
}

apr_status_t oxt_state_owner_domain_ids(apr_array_header_t **pids,
                                        oxt_db_t *db, oxt_role_t role,
                                        long long owner_id,
                                        oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_ids(pids, db, role == OXT_ROLE_RESELLER
                             ? "SELECT dom_id FROM domain_state"
                               " WHERE reseller_id = ?"
                             : "SELECT dom_id FROM domain_state"
                               " WHERE client_id = ?",
                             OXT_DB_ARGS(OXT_DB_INT(owner_id)), res, p);
}

/* ---- contexts ------------------------------------------------------------ */

apr_status_t oxt_state_context_reserve(oxt_db_t *db,
                                       const oxt_plesk_domain_t *dom,
                                       const char *admin_login,
                                       const char *admin_password_enc,
                                       oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO domain_state (dom_id, client_id, reseller_id,"
        " admin_login, admin_password_enc, status)"
        " VALUES (?, ?, ?, ?, ?, 'pending') ON DUPLICATE KEY UPDATE"
        " admin_login = COALESCE(admin_login, VALUES(admin_login)),"
        " admin_password_enc = COALESCE(admin_password_enc,"
        "                               VALUES(admin_password_enc))",
        OXT_DB_ARGS(OXT_DB_INT(dom->id), OXT_DB_INT(dom->owner.client_id),
                    OXT_DB_INT(dom->owner.reseller_id),
                    OXT_DB_STR(admin_login), OXT_DB_STR(admin_password_enc)),
        res, p);
}

static const oxt_rows_shape_t context_shape = {
    "INSERT INTO domain_state (dom_id, client_id, reseller_id,"
    " ox_context_id, context_name, applied_name, applied_display_name,"
    " applied_login_mappings, applied_quota_mb, applied_admin_address,"
    " applied_enabled, status, last_error, last_sync_at) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'ok', NULL, NOW())",
    " ON DUPLICATE KEY UPDATE client_id = VALUES(client_id),"
    " reseller_id = VALUES(reseller_id),"
    " ox_context_id = VALUES(ox_context_id),"
    " context_name = VALUES(context_name),"
    " applied_name = VALUES(applied_name),"
    " applied_display_name = VALUES(applied_display_name),"
    " applied_login_mappings = VALUES(applied_login_mappings),"
    " applied_quota_mb = VALUES(applied_quota_mb),"
    " applied_admin_address = COALESCE(VALUES(applied_admin_address),"
    "                                  applied_admin_address),"
    " applied_enabled = 1,"
    " status = 'ok', last_error = NULL, last_sync_at = NOW()", 10
};

apr_status_t oxt_state_context_applied(oxt_rows_t *rows,
                                       const oxt_plesk_domain_t *dom,
                                       long long ox_context_id,
                                       const oxt_desired_context_t *want,
                                       const char *admin_address,
                                       apr_pool_t *p)
{
    return oxt_rows_add(rows,
        OXT_DB_ARGS(OXT_DB_INT(dom->id), OXT_DB_INT(dom->owner.client_id),
                    OXT_DB_INT(dom->owner.reseller_id),
                    OXT_DB_INT(ox_context_id), OXT_DB_STR(want->name),
                    OXT_DB_STR(dom->name), OXT_DB_STR(dom->display_name),
                    OXT_DB_STR(oxt_desired_join(want->login_mappings, p)),
                    OXT_DB_INT(want->quota_mb), OXT_DB_STR(admin_address)));
}

apr_status_t oxt_state_context_admin(oxt_db_t *db, long long dom_id,
                                     long long admin_user_id,
                                     const char *admin_address,
                                     oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE domain_state SET"
        " admin_user_id = IF(? > 0, ?, admin_user_id),"
        " applied_admin_address = COALESCE(?, applied_admin_address)"
        " WHERE dom_id = ?",
        OXT_DB_ARGS(OXT_DB_INT(admin_user_id), OXT_DB_INT(admin_user_id),
                    OXT_DB_STR(admin_address), OXT_DB_INT(dom_id)), res, p);
}

apr_status_t oxt_state_context_doubt(oxt_db_t *db, long long dom_id,
                                     unsigned what, oxt_result_t *res,
                                     apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE domain_state SET"
        " context_name = IF(?, NULL, context_name),"
        " applied_login_mappings = IF(?, NULL, applied_login_mappings),"
        " applied_quota_mb = IF(?, NULL, applied_quota_mb),"
        " applied_admin_address = IF(?, NULL, applied_admin_address),"
        " status = IF(?, 'deleted', status)"
        " WHERE dom_id = ?",
        OXT_DB_ARGS(OXT_DB_INT(!!(what & OXT_DOUBT_MAPPINGS)),
                    OXT_DB_INT(!!(what & OXT_DOUBT_MAPPINGS)),
                    OXT_DB_INT(!!(what & OXT_DOUBT_QUOTA)),
                    OXT_DB_INT(!!(what & OXT_DOUBT_ADMIN)),
                    OXT_DB_INT(!!(what & OXT_DOUBT_DELETE)),
                    OXT_DB_INT(dom_id)), res, p);
}

apr_status_t oxt_state_context_deleted(oxt_db_t *db, long long dom_id,
                                       oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, "DELETE FROM domain_state WHERE dom_id = ?",
                       OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
}

/* ---- users ------------------------------------------------------------------ */

static const oxt_rows_shape_t applied_shape = {
    "INSERT INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,"
    " ox_context_id, ox_user_id, applied_mail_name, applied_address,"
    " ox_primary_email,"
    " applied_display_name, applied_aliases, applied_service_type,"
    " applied_language, applied_timezone, applied_enabled,"
    " applied_password_fp, applied_imap_server, applied_smtp_server,"
    " service_type, pending_service_type, status, status_reason,"
    " last_error, last_sync_at) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?,"
    " NULL, 'replicated', NULL, NULL, NOW())",
    " ON DUPLICATE KEY UPDATE dom_id = VALUES(dom_id),"
    " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id),"
    " ox_context_id = VALUES(ox_context_id),"
    " ox_user_id = VALUES(ox_user_id),"
    " applied_mail_name = VALUES(applied_mail_name),"
    " applied_address = VALUES(applied_address),"
    " ox_primary_email = VALUES(ox_primary_email),"
    " applied_display_name = VALUES(applied_display_name),"
    " applied_aliases = VALUES(applied_aliases),"
    " applied_service_type = VALUES(applied_service_type),"
    " applied_language = VALUES(applied_language),"
    " applied_timezone = VALUES(applied_timezone), applied_enabled = 1,"
    " applied_password_fp = VALUES(applied_password_fp),"
    " applied_imap_server = VALUES(applied_imap_server),"
    " applied_smtp_server = VALUES(applied_smtp_server),"
    " service_type = COALESCE(VALUES(service_type), service_type),"
    " pending_service_type = IF(pending_service_type"
    "                           = VALUES(applied_service_type), NULL,"
    "                           pending_service_type),"
    " status = 'replicated', status_reason = NULL, last_error = NULL,"
    " last_sync_at = NOW()", 18
};

apr_status_t oxt_state_user_applied(oxt_rows_t *rows,
                                    const oxt_plesk_mailbox_t *mbox,
                                    long long ox_context_id,
                                    long long ox_user_id,
                                    const oxt_desired_user_t *want,
                                    int service, const char *ox_primary,
                                    apr_pool_t *p)
{
    const char *svc = service >= 0 ? oxt_service_code(service) : NULL;

    return oxt_rows_add(rows,
        OXT_DB_ARGS(OXT_DB_INT(mbox->id), OXT_DB_INT(mbox->domain.id),
                    OXT_DB_INT(mbox->domain.owner.client_id),
                    OXT_DB_INT(mbox->domain.owner.reseller_id),
                    OXT_DB_INT(ox_context_id), OXT_DB_INT(ox_user_id),
                    OXT_DB_STR(want->name), OXT_DB_STR(want->primary_email),
                    OXT_DB_STR(ox_primary), OXT_DB_STR(want->display_name),
                    OXT_DB_STR(oxt_desired_join(want->aliases, p)),
                    OXT_DB_STR(svc), OXT_DB_STR(want->language),
                    OXT_DB_STR(want->timezone),
                    OXT_DB_BIN((const char *)want->password_fp, OXT_FP_LEN),
                    OXT_DB_STR(oxt_state_server(want->imap_server,
                                                want->imap_port, p)),
                    OXT_DB_STR(oxt_state_server(want->smtp_server,
                                                want->smtp_port, p)),
                    OXT_DB_STR(svc ? svc : oxt_service_code(want->service))));
}

apr_status_t oxt_state_user_adopted(oxt_db_t *db,
                                    const oxt_plesk_mailbox_t *mbox,
                                    long long ox_context_id,
                                    long long ox_user_id, oxt_result_t *res,
                                    apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,"
        " ox_context_id, ox_user_id, status) VALUES (?, ?, ?, ?, ?, ?,"
        " 'pending') ON DUPLICATE KEY UPDATE"
        " ox_context_id = VALUES(ox_context_id),"
        " ox_user_id = VALUES(ox_user_id)," FORGET_USER_COLUMNS ","
        " status = 'pending'",
        OXT_DB_ARGS(OXT_DB_INT(mbox->id), OXT_DB_INT(mbox->domain.id),
                    OXT_DB_INT(mbox->domain.owner.client_id),
                    OXT_DB_INT(mbox->domain.owner.reseller_id),
                    OXT_DB_INT(ox_context_id), OXT_DB_INT(ox_user_id)),
        res, p);
}

/* The SET list of a doubt, its ten flags bound first
 * (state_doubt_flags). */
#define STATE_DOUBT_SET \
    "UPDATE mailbox_state SET" \
    " applied_mail_name = IF(?, NULL, applied_mail_name)," \
    " applied_address = IF(?, NULL, applied_address)," \
    " applied_aliases = IF(?, NULL, applied_aliases)," \
    " applied_password_fp = IF(?, NULL, applied_password_fp)," \
    " applied_display_name = IF(?, NULL, applied_display_name)," \
    " applied_language = IF(?, NULL, applied_language)," \
    " applied_timezone = IF(?, NULL, applied_timezone)," \
    " applied_imap_server = IF(?, NULL, applied_imap_server)," \
    " applied_smtp_server = IF(?, NULL, applied_smtp_server)," \
    " applied_service_type = IF(?, NULL, applied_service_type)"
#define STATE_DOUBT_FLAGS 10

static void state_doubt_flags(oxt_db_arg_t *args, unsigned what)
{
    static const unsigned bits[STATE_DOUBT_FLAGS] = {
        OXT_DOUBT_NAME, OXT_DOUBT_ADDRESS, OXT_DOUBT_ALIASES,
        OXT_DOUBT_PASSWORD, OXT_DOUBT_DISPLAY, OXT_DOUBT_LANGUAGE,
        OXT_DOUBT_TIMEZONE, OXT_DOUBT_SERVERS, OXT_DOUBT_SERVERS,
        OXT_DOUBT_SERVICE,
    };
    int i;

    for (i = 0; i < STATE_DOUBT_FLAGS; i++) {
        args[i] = OXT_DB_INT(!!(what & bits[i]));
    }
}

apr_status_t oxt_state_user_doubt(oxt_db_t *db, long long mail_id,
                                  unsigned what, oxt_result_t *res,
                                  apr_pool_t *p)
{
    oxt_db_arg_t args[STATE_DOUBT_FLAGS + 1];

    state_doubt_flags(args, what);
    args[STATE_DOUBT_FLAGS] = OXT_DB_INT(mail_id);
    return oxt_db_exec(NULL, db, STATE_DOUBT_SET " WHERE mail_id = ?", args,
                       STATE_DOUBT_FLAGS + 1, res, p);
}

apr_status_t oxt_state_user_doubt_many(oxt_db_t *db,
                                       const apr_array_header_t *mail_ids,
                                       unsigned what, oxt_result_t *res,
                                       apr_pool_t *p)
{
    oxt_db_arg_t args[STATE_DOUBT_FLAGS + OXT_DB_IN_MAX];
    const char *marks;
    int i, n, size;
    apr_status_t rv = APR_SUCCESS;

    state_doubt_flags(args, what);
    for (i = 0; rv == APR_SUCCESS && i < mail_ids->nelts; i += n) {
        n = mail_ids->nelts - i < OXT_DB_IN_MAX ? mail_ids->nelts - i
                                                : OXT_DB_IN_MAX;
        size = oxt_db_in_bind(&marks, args + STATE_DOUBT_FLAGS, mail_ids, i,
                              n, p);
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p, STATE_DOUBT_SET
                         " WHERE mail_id IN (", marks, ")", NULL), args,
                         STATE_DOUBT_FLAGS + size, res, p);
    }
    return rv;
}

static const oxt_rows_shape_t creating_shape = {
    "INSERT INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,"
    " applied_mail_name, status) VALUES ", "(?, ?, ?, ?, ?, 'pending')",
    " ON DUPLICATE KEY UPDATE applied_mail_name ="
    " IF(ox_user_id IS NULL, VALUES(applied_mail_name),"
    "    applied_mail_name)", 5
};

oxt_rows_t *oxt_state_rows(oxt_state_rows_t which, apr_pool_t *p)
{
    static const oxt_rows_shape_t *const shapes[] = {
        &creating_shape, &applied_shape, &context_shape
    };

    return oxt_rows_make(shapes[which], p);
}

apr_status_t oxt_state_user_creating(oxt_rows_t *rows,
                                     const oxt_plesk_mailbox_t *mbox,
                                     const char *name)
{
    return oxt_rows_add(rows,
        OXT_DB_ARGS(OXT_DB_INT(mbox->id), OXT_DB_INT(mbox->domain.id),
                    OXT_DB_INT(mbox->domain.owner.client_id),
                    OXT_DB_INT(mbox->domain.owner.reseller_id),
                    OXT_DB_STR(name)));
}

apr_status_t oxt_state_user_deleted(oxt_db_t *db, long long mail_id,
                                    oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, "DELETE FROM mailbox_state WHERE mail_id = ?",
                       OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
}

apr_status_t oxt_state_user_status(oxt_db_t *db,
                                   const oxt_plesk_mailbox_t *mbox,
                                   oxt_service_t service, const char *status,
                                   const char *reason, const char *error,
                                   int settled, oxt_result_t *res,
                                   apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,"
        " service_type, status, status_reason, last_error)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE dom_id = VALUES(dom_id),"
        " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id),"
        " service_type = IF(ox_user_id IS NULL, VALUES(service_type),"
        "                   service_type),"
        " pending_service_type = IF(?, NULL, pending_service_type),"
        " status = VALUES(status), status_reason = VALUES(status_reason),"
        " last_error = VALUES(last_error)",
        OXT_DB_ARGS(OXT_DB_INT(mbox->id), OXT_DB_INT(mbox->domain.id),
                    OXT_DB_INT(mbox->domain.owner.client_id),
                    OXT_DB_INT(mbox->domain.owner.reseller_id),
                    OXT_DB_STR(oxt_service_code(service)), OXT_DB_STR(status),
                    OXT_DB_STR(reason), OXT_DB_STR(error),
                    OXT_DB_INT(settled)), res, p);
}

/* ---- forgetting (reconcile) ------------------------------------------------ */

apr_status_t oxt_state_user_forget(oxt_db_t *db, long long mail_id, int gone,
                                   oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, gone
        ? "UPDATE mailbox_state SET ox_context_id = NULL, ox_user_id = NULL,"
          FORGET_USER_COLUMNS ", status = 'pending' WHERE mail_id = ?"
        : "UPDATE mailbox_state SET" FORGET_USER_COLUMNS " WHERE mail_id = ?",
        OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
}

apr_status_t oxt_state_context_forget(oxt_db_t *db, long long dom_id,
                                      int gone, oxt_result_t *res,
                                      apr_pool_t *p)
{
    apr_status_t rv;

    if (!gone) {
        return oxt_db_exec(NULL, db,
            "UPDATE domain_state SET context_name = NULL,"
            " applied_login_mappings = NULL, applied_quota_mb = NULL"
            " WHERE dom_id = ?", OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    }
    rv = oxt_db_exec(NULL, db,
        "UPDATE mailbox_state SET ox_context_id = NULL, ox_user_id = NULL,"
        FORGET_USER_COLUMNS ", status = 'pending' WHERE dom_id = ?",
        OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_deleted(db, dom_id, res, p);
    }
    return rv;
}

/* ---- counts ---------------------------------------------------------- */

static apr_status_t state_counts(apr_array_header_t **pout, oxt_db_t *db,
                                 const char *sql, int with_service,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_state_count_t *c;
    int i;
    apr_status_t rv;

    *pout = apr_array_make(p, 8, sizeof(oxt_state_count_t));
    rv = oxt_db_select(&rows, db, sql, OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        c = apr_array_push(*pout);
        c->status = row->vals[0] ? row->vals[0] : "";
        c->reason = row->vals[1] ? row->vals[1] : "";
        c->service = with_service ? row->vals[2] : NULL;
        c->count = oxt_db_row_int(row, 3, 0);
    }
    return rv;
}

apr_status_t oxt_state_counts(apr_array_header_t **pmailboxes,
                              apr_array_header_t **pdomains, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    rv = state_counts(pmailboxes, db,
                      "SELECT status, COALESCE(status_reason, ''),"
                      " service_type, COUNT(*) FROM mailbox_state"
                      " GROUP BY status, status_reason, service_type",
                      1, res, p);
    if (rv == APR_SUCCESS) {
        rv = state_counts(pdomains, db,
                          "SELECT status, '', NULL, COUNT(*) FROM domain_state"
                          " GROUP BY status", 0, res, p);
    }
    return rv;
}

/* ---- what the license counts -------------------------------------------------- */

static const char sql_users_in_ox[] =
    " FROM mailbox_state WHERE ox_user_id IS NOT NULL"
    " AND applied_service_type IN ('groupware_standard', 'groupware_premium')";

static const char sql_domains_in_ox[] =
    " FROM domain_state WHERE ox_context_id IS NOT NULL";

apr_status_t oxt_state_seat_holders(apr_array_header_t **pids,
                                    long long *ptotal, oxt_db_t *db,
                                    int domains, int limit,
                                    oxt_result_t *res, apr_pool_t *p)
{
    const char *from = domains ? sql_domains_in_ox : sql_users_in_ox;
    const char *col = domains ? "dom_id" : "mail_id";
    apr_status_t rv;

    rv = oxt_db_select_int(ptotal, db, apr_pstrcat(p, "SELECT COUNT(*)",
                           from, NULL), OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS || limit <= 0) {
        /* LIMIT 0 lists nothing: a statement saved per kind, each time
         * the seats are counted (three times a run) */
        *pids = apr_array_make(p, 1, sizeof(long long));
        return rv;
    }
    return oxt_db_select_ids(pids, db, apr_pstrcat(p, "SELECT ", col, from,
                             " ORDER BY ", col, " LIMIT ?", NULL),
                             OXT_DB_ARGS(OXT_DB_INT(limit)), res, p);
}

apr_status_t oxt_state_seat_waiting(apr_array_header_t **pids, oxt_db_t *db,
                                    const char *reason, int domains,
                                    int limit, oxt_result_t *res,
                                    apr_pool_t *p)
{
    return oxt_db_select_ids(pids, db, domains
        ? "SELECT DISTINCT dom_id FROM mailbox_state WHERE status_reason = ?"
          " ORDER BY dom_id LIMIT ?"
        : "SELECT mail_id FROM mailbox_state WHERE status_reason = ?"
          " ORDER BY mail_id LIMIT ?",
        OXT_DB_ARGS(OXT_DB_STR(reason), OXT_DB_INT(limit)), res, p);
}

apr_status_t oxt_state_reason_counts(long long *counts, oxt_db_t *db,
                                     const char *const *reasons,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv;
    int i, r;

    /* one statement for the four, through the reason_mail index, where
     * one each cost four statements every time the seats were counted */
    rv = oxt_db_select(&rows, db, "SELECT status_reason, COUNT(*)"
                       " FROM mailbox_state WHERE status_reason IN"
                       " (?, ?, ?, ?) GROUP BY status_reason",
                       OXT_DB_ARGS(OXT_DB_STR(reasons[0]),
                                   OXT_DB_STR(reasons[1]),
                                   OXT_DB_STR(reasons[2]),
                                   OXT_DB_STR(reasons[3])), res, p);
    for (r = 0; r < OXT_STATE_REASONS; r++) {
        counts[r] = 0;
    }
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        const oxt_db_row_t *row = APR_ARRAY_IDX(rows, i,
                                                const oxt_db_row_t *);

        for (r = 0; r < OXT_STATE_REASONS; r++) {
            if (row->vals[0] && strcmp(row->vals[0], reasons[r]) == 0) {
                counts[r] = oxt_db_row_int(row, 1, 0);
            }
        }
    }
    return rv;
}

apr_status_t oxt_state_seat_totals(long long *pusers, long long *pdomains,
                                   long long *counts, oxt_db_t *db,
                                   const char *const *reasons,
                                   oxt_result_t *res, apr_pool_t *p)
{
    static const char by_reason[] =
        ", (SELECT COUNT(*) FROM mailbox_state WHERE status_reason = ?)";
    const oxt_db_row_t *row;
    apr_status_t rv;
    int r;

    rv = oxt_db_select_row(&row, db, apr_pstrcat(p, "SELECT (SELECT"
                           " COUNT(*)", sql_users_in_ox, "), (SELECT"
                           " COUNT(*)", sql_domains_in_ox, ")", by_reason,
                           by_reason, by_reason, by_reason, NULL),
                           OXT_DB_ARGS(OXT_DB_STR(reasons[0]),
                                       OXT_DB_STR(reasons[1]),
                                       OXT_DB_STR(reasons[2]),
                                       OXT_DB_STR(reasons[3])), res, p);
    *pusers = row != NULL ? oxt_db_row_int(row, 0, 0) : 0;
    *pdomains = row != NULL ? oxt_db_row_int(row, 1, 0) : 0;
    for (r = 0; r < OXT_STATE_REASONS; r++) {
        counts[r] = row != NULL ? oxt_db_row_int(row, 2 + r, 0) : 0;
    }
    return rv;
}
