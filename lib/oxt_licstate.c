/*
 * oxt_licstate.c — see oxt_licstate.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_licstate.h"
#include "oxt_status.h"
#include "oxt_log.h"
#include "oxt_util.h"

static const char *const licstat_names[] = {
    "none", "valid", "expired", "wrong_ip", "invalid"
};

const char *oxt_licstat_name(oxt_licstat_t s)
{
    return (unsigned)s <= OXT_LICSTAT_INVALID ? licstat_names[s] : "?";
}

/* ---- the server's IP ---------------------------------------------------- */

apr_status_t oxt_license_server_ip(const char **pip, const char **pfrom,
                                   oxt_db_t *db, const oxt_psa_t *psa,
                                   const oxt_config_t *cfg,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const char *ip = NULL;
    apr_status_t rv;

    if (cfg->server_ip != NULL) {
        *pip = oxt_license_ip_canonical(cfg->server_ip, p);
        *pfrom = "configuration";
        return APR_SUCCESS;
    }
    *pfrom = "psa";
    rv = oxt_psa_main_ip(&ip, psa, db, res, p);
    if (rv == APR_SUCCESS) {
        /* Stored by Plesk; compared in canonical form. */
        *pip = oxt_license_ip_canonical(ip, p);
        if (*pip == NULL) {
            rv = oxt_result_set(res, APR_EINVAL, "The server's IP is unknown",
                                "psa names a main address that is no IP"
                                " address; set server_ip in the"
                                " configuration");
        }
    }
    return rv;
}

/* ---- loading ------------------------------------------------------------ */

static const char sql_load[] =
    "SELECT key_blob, last_server_answer, last_server_query_at,"
    " last_server_ok, updated_at, installed_by, usage_plesk_mailboxes,"
    " usage_groupware, usage_domains, refused_restricted, refused_domains,"
    " refused_premium, refused_groupware, usage_at"
    " FROM license WHERE id = 1";

static void status_usage(oxt_license_usage_t *u, const oxt_db_row_t *row,
                         apr_pool_t *p)
{
    u->counted_at = oxt_db_row_str(row, 13, p);
    u->known = u->counted_at != NULL;
    u->plesk_mailboxes = oxt_db_row_int(row, 6, 0);
    u->groupware = oxt_db_row_int(row, 7, 0);
    u->domains = oxt_db_row_int(row, 8, 0);
    u->refused_restricted = oxt_db_row_int(row, 9, 0);
    u->refused_domains = oxt_db_row_int(row, 10, 0);
    u->refused_premium = oxt_db_row_int(row, 11, 0);
    u->refused_groupware = oxt_db_row_int(row, 12, 0);
}

static const char *status_allowance_text(const oxt_license_terms_t *t,
                                         apr_pool_t *p)
{
    return apr_pstrcat(p, "the evaluation allowance is in force (",
                       oxt_util_lld(t->max_domains, p), " domains, ",
                       oxt_util_lld(t->groupware_cap, p), " Groupware"
                       " mailboxes, Premium included)", NULL);
}

static const char *status_valid_text(const oxt_license_key_t *key,
                                     const char *today, apr_pool_t *p)
{
    const char *s = key->expires
        ? apr_pstrcat(p, "Valid until ", key->expires, NULL) : "Valid";

    if (strcmp(key->sus_expires, today) < 0) {
        s = apr_pstrcat(p, s, " (SUS expired on ", key->sus_expires, ")",
                        NULL);
    }
    return s;
}

/* The stored key checked again, as on upload: its state and terms. */
static void status_key(oxt_license_status_t *st, const char *blob,
                       apr_size_t len, const unsigned char *pub,
                       apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    const char *today = oxt_license_today(p);
    oxt_license_verdict_t v = OXT_LICENSE_EMPTY;
    oxt_license_key_t *key = NULL;

    /* The verdict says it all; a refused stored key is not an error. */
    if (blob != NULL && len > 0
        && oxt_license_check(&key, &v, blob, len, pub, st->server_ip, today,
                             why, p) == APR_SUCCESS) {
        v = OXT_LICENSE_OK;
    }
    st->key = key;
    oxt_license_terms(&st->terms, v == OXT_LICENSE_OK ? key : NULL);
    switch (v) {
    case OXT_LICENSE_OK:
        st->status = OXT_LICSTAT_VALID;
        st->status_text = status_valid_text(key, today, p);
        return;
    case OXT_LICENSE_EMPTY:
        st->status = OXT_LICSTAT_NONE;
        st->status_text = apr_pstrcat(p, "No license key: ",
            status_allowance_text(&st->terms, p), NULL);
        return;
    case OXT_LICENSE_EXPIRED:
        st->status = OXT_LICSTAT_EXPIRED;
        break;
    case OXT_LICENSE_WRONG_IP:
        st->status = OXT_LICSTAT_WRONG_IP;
        break;
    default:
        st->status = OXT_LICSTAT_INVALID;
        st->key = NULL;
    }
    st->status_text = apr_pstrcat(p, "Not in force, ", why->detail, ": ",
                                  status_allowance_text(&st->terms, p),
                                  NULL);
}

static int status_limit_reached(const oxt_license_status_t *st)
{
    const oxt_license_usage_t *u = &st->usage;
    const oxt_license_terms_t *t = &st->terms;

    if (!u->known) {
        return 0;
    }
    return u->refused_groupware > 0 || u->refused_domains > 0
        || (t->groupware_cap != OXT_LICENSE_UNLIMITED
            && u->groupware >= t->groupware_cap)
        || (t->max_domains != OXT_LICENSE_UNLIMITED
            && u->domains >= t->max_domains);
}

static void status_row(oxt_license_status_t *st, const oxt_db_row_t *row,
                       const unsigned char *pub, apr_pool_t *p)
{
    status_key(st, row->vals[0], row->vals[0] ? row->lens[0] : 0, pub, p);
    st->last_answer = oxt_db_row_str(row, 1, p);
    st->last_answer_at = oxt_db_row_str(row, 2, p);
    st->last_answer_ok = oxt_db_row_bool(row, 3);
    st->installed_at = st->key ? oxt_db_row_str(row, 4, p) : NULL;
    st->installed_by = st->key ? oxt_db_row_str(row, 5, p) : NULL;
    status_usage(&st->usage, row, p);
}

apr_status_t oxt_license_count_mailboxes(long long *pcount, oxt_db_t *db,
                                         const oxt_psa_t *psa,
                                         oxt_result_t *res, apr_pool_t *p)
{
    oxt_identity_t admin;

    /* The admin's subtree is the whole server. */
    memset(&admin, 0, sizeof(admin));
    admin.role = OXT_ROLE_ADMIN;
    return oxt_psa_mailbox_count(pcount, psa, db, &admin, res, p);
}

static apr_status_t status_live_count(oxt_license_status_t *st,
                                      oxt_db_t *db, const oxt_psa_t *psa,
                                      oxt_result_t *res, apr_pool_t *p)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_license_count_mailboxes(&n, db, psa, res, p);
    if (rv == APR_SUCCESS) {
        st->usage.plesk_mailboxes = n;
        st->usage.known = 1;
    }
    return rv;
}

apr_status_t oxt_license_status_load(oxt_license_status_t **pst,
                                     oxt_db_t *db, const oxt_psa_t *psa,
                                     const oxt_config_t *cfg, int live,
                                     oxt_result_t *res, apr_pool_t *p)
{
    oxt_license_status_t *st = apr_pcalloc(p, sizeof(*st));
    oxt_result_t *why = oxt_result_make(p);
    const unsigned char *pub;
    apr_array_header_t *rows;
    apr_status_t rv;

    rv = oxt_license_pubkey(&pub, cfg->license_public_key, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* An unknown IP is shown, not fatal: no key is then in force. */
    if (oxt_license_server_ip(&st->server_ip, &st->server_ip_from, db, psa,
                              cfg, why, p) != APR_SUCCESS) {
        st->server_ip = NULL;
        st->server_ip_problem = oxt_result_text(why, p);
    }
    rv = oxt_db_select(&rows, db, sql_load, OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    status_key(st, NULL, 0, pub, p);
    if (rows->nelts) {
        status_row(st, APR_ARRAY_IDX(rows, 0, oxt_db_row_t *), pub, p);
    }
    if (live) {
        rv = status_live_count(st, db, psa, res, p);
    }
    st->restricted = st->usage.known
        && oxt_license_restricted(&st->terms, st->usage.plesk_mailboxes);
    st->limit_reached = status_limit_reached(st);
    st->can_activate = cfg->license_server_url != NULL;
    st->can_renew = st->can_activate && st->key != NULL;
    *pst = st;
    return rv;
}

/* ---- writing ------------------------------------------------------------ */

static oxt_db_arg_t count_arg(long long v)
{
    return v == OXT_LICENSE_UNLIMITED ? OXT_DB_NULL : OXT_DB_INT(v);
}

static apr_status_t install_row(oxt_db_t *db, const oxt_license_key_t *k,
                                const char *who, oxt_result_t *res,
                                apr_pool_t *p)
{
    oxt_license_terms_t t;

    oxt_license_terms(&t, k);
    return oxt_db_exec(NULL, db,
        "INSERT INTO license (id, key_number, key_blob, status, status_text,"
        " ownership, issued_for_ip, max_domains, mailbox_limit,"
        " non_webmail_limit, premium, free_usage, tier, expires_on,"
        " sus_expires_on, renewed_on, updated_at, installed_by)"
        " VALUES (1, ?, ?, 'valid', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " NOW(), ?) ON DUPLICATE KEY UPDATE key_number = VALUES(key_number),"
        " key_blob = VALUES(key_blob), status = 'valid', status_text = NULL,"
        " ownership = VALUES(ownership),"
        " issued_for_ip = VALUES(issued_for_ip),"
        " max_domains = VALUES(max_domains),"
        " mailbox_limit = VALUES(mailbox_limit),"
        " non_webmail_limit = VALUES(non_webmail_limit),"
        " premium = VALUES(premium), free_usage = VALUES(free_usage),"
        " tier = VALUES(tier), expires_on = VALUES(expires_on),"
        " sus_expires_on = VALUES(sus_expires_on),"
        " renewed_on = VALUES(renewed_on), updated_at = NOW(),"
        " installed_by = VALUES(installed_by)",
        OXT_DB_ARGS(OXT_DB_STR(k->number), OXT_DB_BIN(k->text, k->text_len),
                    OXT_DB_STR(oxt_license_ownership_name(k->ownership)),
                    OXT_DB_STR(k->ip), count_arg(k->max_domains),
                    count_arg(k->max_mailboxes), count_arg(t.groupware_cap),
                    OXT_DB_INT(k->premium), OXT_DB_INT(k->free_usage),
                    OXT_DB_STR(oxt_license_tier_name(k->tier)),
                    OXT_DB_STR(k->expires), OXT_DB_STR(k->sus_expires),
                    OXT_DB_STR(k->renewed), OXT_DB_STR(who)),
        res, p);
}

apr_status_t oxt_license_install(oxt_license_status_t **pst,
                                 oxt_license_verdict_t *pverdict,
                                 oxt_db_t *db, const oxt_psa_t *psa,
                                 const oxt_config_t *cfg, const char *text,
                                 apr_size_t len, const char *who,
                                 oxt_result_t *res, apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    const unsigned char *pub;
    const char *ip = NULL, *from;
    oxt_license_key_t *key;
    apr_status_t rv;

    *pverdict = OXT_LICENSE_OK;
    rv = oxt_license_pubkey(&pub, cfg->license_public_key, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Without the server's IP no key can be checked: refused as one
     * issued for another server, and the reason says why. */
    if (oxt_license_server_ip(&ip, &from, db, psa, cfg, why, p)
        != APR_SUCCESS) {
        ip = NULL;
    }
    rv = oxt_license_check(&key, pverdict, text, len, pub, ip,
                           oxt_license_today(p), res, p);
    if (rv == APR_SUCCESS) {
        rv = install_row(db, key, who, res, p);
    }
    if (rv == APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                       OXTLOGNO(00750) "license key %s put in force by %s",
                       key->number, who ? who : "?");
    }
    if (rv == APR_SUCCESS && pst != NULL) {
        rv = oxt_license_status_load(pst, db, psa, cfg, 0, res, p);
    }
    return rv;
}

apr_status_t oxt_license_answer_record(oxt_db_t *db, int ok,
                                       const char *text, oxt_result_t *res,
                                       apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE license SET last_server_answer = ?,"
        " last_server_query_at = NOW(), last_server_ok = ? WHERE id = 1",
        OXT_DB_ARGS(OXT_DB_STR(text), OXT_DB_INT(ok != 0)), res, p);
}

apr_status_t oxt_license_usage_record(oxt_db_t *db,
                                      const oxt_license_usage_t *u,
                                      oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE license SET usage_plesk_mailboxes = ?, usage_groupware = ?,"
        " usage_domains = ?, refused_restricted = ?, refused_domains = ?,"
        " refused_premium = ?, refused_groupware = ?, usage_at = NOW()"
        " WHERE id = 1",
        OXT_DB_ARGS(OXT_DB_INT(u->plesk_mailboxes), OXT_DB_INT(u->groupware),
                    OXT_DB_INT(u->domains), OXT_DB_INT(u->refused_restricted),
                    OXT_DB_INT(u->refused_domains),
                    OXT_DB_INT(u->refused_premium),
                    OXT_DB_INT(u->refused_groupware)), res, p);
}

/* ---- for the pages ------------------------------------------------------ */

void oxt_license_allowed_services(int allowed[OXT_SERVICE_COUNT],
                                  const oxt_license_status_t *st)
{
    int s;

    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        allowed[s] = oxt_license_service_allowed(&st->terms,
                                                 (oxt_service_t)s);
    }
}

const char *oxt_license_banner(const oxt_license_status_t *st,
                               oxt_role_t role, apr_pool_t *p)
{
    if (st->restricted) {
        return oxt_license_text_restricted(role, &st->terms, p);
    }
    return st->limit_reached ? oxt_license_text_limit(role) : NULL;
}

static void json_count(oxt_json_t *j, const char *key, long long v)
{
    if (v == OXT_LICENSE_UNLIMITED) {
        oxt_json_knull(j, key);
    }
    else {
        oxt_json_kint(j, key, v);
    }
}

static void json_key(oxt_json_t *j, const oxt_license_key_t *k)
{
    if (k == NULL) {
        oxt_json_knull(j, "key");
        return;
    }
    oxt_json_kobject(j, "key");
    oxt_json_kstr(j, "number", k->number);
    oxt_json_kstr(j, "ownership", oxt_license_ownership_name(k->ownership));
    oxt_json_kstr(j, "ownership_label",
                  oxt_license_ownership_label(k->ownership));
    oxt_json_kstr(j, "issued_for_ip", k->ip);
    oxt_json_kstr(j, "tier", oxt_license_tier_name(k->tier));
    oxt_json_kstr(j, "tier_label", oxt_license_tier_label(k->tier));
    json_count(j, "max_domains", k->max_domains);
    json_count(j, "max_plesk_mailboxes", k->max_mailboxes);
    oxt_json_kbool(j, "premium", k->premium);
    oxt_json_kbool(j, "free_usage", k->free_usage);
    oxt_json_kstr(j, "sus_expires", k->sus_expires);
    oxt_json_kstr(j, "renewed", k->renewed);
    oxt_json_kstr(j, "expires", k->expires);
    oxt_json_end(j);
}

static void json_terms(oxt_json_t *j, const oxt_license_terms_t *t)
{
    int s;

    oxt_json_kobject(j, "terms");
    oxt_json_kbool(j, "from_key", t->from_key);
    json_count(j, "max_domains", t->max_domains);
    json_count(j, "max_plesk_mailboxes", t->max_mailboxes);
    json_count(j, "groupware_cap", t->groupware_cap);
    oxt_json_kbool(j, "premium", t->premium);
    oxt_json_karray(j, "allowed_services");
    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        if (oxt_license_service_allowed(t, (oxt_service_t)s)) {
            oxt_json_string(j, oxt_service_code((oxt_service_t)s));
        }
    }
    oxt_json_end(j);
    oxt_json_end(j);
}

static void json_usage(oxt_json_t *j, const oxt_license_usage_t *u)
{
    if (!u->known) {
        oxt_json_knull(j, "usage");
        return;
    }
    oxt_json_kobject(j, "usage");
    oxt_json_kstr(j, "counted_at", u->counted_at);
    oxt_json_kint(j, "plesk_mailboxes", u->plesk_mailboxes);
    oxt_json_kint(j, "groupware", u->groupware);
    oxt_json_kint(j, "domains", u->domains);
    oxt_json_kobject(j, "refused");
    oxt_json_kint(j, "restricted", u->refused_restricted);
    oxt_json_kint(j, "domains", u->refused_domains);
    oxt_json_kint(j, "premium", u->refused_premium);
    oxt_json_kint(j, "groupware", u->refused_groupware);
    oxt_json_end(j);
    oxt_json_end(j);
}

static void json_answer(oxt_json_t *j, const oxt_license_status_t *st)
{
    if (st->last_answer_at == NULL) {
        oxt_json_knull(j, "last_server_answer");
        return;
    }
    oxt_json_kobject(j, "last_server_answer");
    oxt_json_kstr(j, "text", st->last_answer);
    oxt_json_kstr(j, "at", st->last_answer_at);
    oxt_json_kbool(j, "ok", st->last_answer_ok);
    oxt_json_end(j);
}

void oxt_license_status_json(oxt_json_t *j, const oxt_license_status_t *st,
                             oxt_role_t role, apr_pool_t *p)
{
    oxt_json_object(j);
    oxt_json_kstr(j, "server_ip", st->server_ip);
    oxt_json_kstr(j, "server_ip_from", st->server_ip_from);
    oxt_json_kstr(j, "server_ip_problem", st->server_ip_problem);
    oxt_json_kstr(j, "status", oxt_licstat_name(st->status));
    oxt_json_kstr(j, "status_text", st->status_text);
    json_key(j, st->key);
    oxt_json_kstr(j, "installed_at", st->installed_at);
    oxt_json_kstr(j, "installed_by", st->installed_by);
    json_terms(j, &st->terms);
    json_usage(j, &st->usage);
    oxt_json_kbool(j, "restricted", st->restricted);
    oxt_json_kbool(j, "limit_reached", st->limit_reached);
    oxt_json_kstr(j, "banner", oxt_license_banner(st, role, p));
    json_answer(j, st);
    oxt_json_kbool(j, "can_activate", st->can_activate);
    oxt_json_kbool(j, "can_renew", st->can_renew);
    oxt_json_end(j);
}
