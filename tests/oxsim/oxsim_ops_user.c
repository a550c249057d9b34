/*
 * oxsim_ops_user.c — OXUserService and OXResellerUserService
 * (docs/reference/ox-soap.md §4.2, §5.3): OX's create/change rules
 * (mandatory fields, user-name characters, primaryEmail = email1, the
 * alias set, unique display names and addresses, ll_CC languages) and the
 * look-ups.
 */
#include "oxsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

static const char *const oxsim_mandatory[] = {
    "name", "display_name", "password", "given_name", "sur_name",
    "primaryEmail", NULL
};

static const char *oxsim_ud(const oxsim_udata_t *ud, const char *name)
{
    int idx = oxsim_user_field(name);

    return idx < 0 ? NULL : ud->val[idx];
}

/* ---- parsing --------------------------------------------------------- */

static void oxsim_ud_alias(oxsim_call_t *c, oxsim_udata_t *ud, const char *a)
{
    char **n;

    if (a == NULL || *a == '\0') {
        return;
    }
    n = apr_palloc(c->pool, sizeof(char *) * (size_t)(ud->naliases + 1));
    if (ud->naliases > 0) {
        memcpy(n, ud->aliases, sizeof(char *) * (size_t)ud->naliases);
    }
    n[ud->naliases++] = apr_pstrdup(c->pool, a);
    ud->aliases = n;
}

/* aliases come as repeated elements; a PHP SOAP-ENC array (item children)
 * is read too, since its text would otherwise be lost. */
static void oxsim_ud_aliases(oxsim_call_t *c, oxsim_udata_t *ud, xmlNodePtr n)
{
    xmlNodePtr it;
    int items = 0;

    ud->aliases_given = 1;
    for (it = n->children; it != NULL; it = it->next) {
        if (it->type == XML_ELEMENT_NODE && !oxsim_xml_is_nil(it)) {
            oxsim_ud_alias(c, ud, oxsim_xml_text(c, it));
            items++;
        }
    }
    if (items == 0) {
        oxsim_ud_alias(c, ud, oxsim_xml_text(c, n));
    }
}

static int oxsim_ud_value(oxsim_call_t *c, oxsim_udata_t *ud, int idx,
                          const char *v)
{
    long long num;
    int b;

    switch (oxsim_user_fields[idx].type) {
    case OXSIM_T_INT:
    case OXSIM_T_LONG:
        if (oxsim_parse_long(c, v, &num)) {
            return -1;
        }
        v = apr_psprintf(c->pool, "%" APR_INT64_T_FMT, (apr_int64_t)num);
        break;
    case OXSIM_T_BOOL:
        if (oxsim_parse_bool(c, v, &b)) {
            return -1;
        }
        v = b ? "true" : "false";
        break;
    default:
        break;
    }
    ud->val[idx] = v;
    return 0;
}

int oxsim_udata_parse(oxsim_call_t *c, xmlNodePtr usr, oxsim_udata_t *ud)
{
    xmlNodePtr n;
    int idx;

    memset(ud, 0, sizeof(*ud));
    ud->val = apr_pcalloc(c->pool, sizeof(char *) * (size_t)oxsim_user_nfields);
    for (n = usr ? usr->children : NULL; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || oxsim_xml_is_nil(n)) {
            continue;
        }
        idx = oxsim_user_field((const char *)n->name);
        if (idx < 0 || oxsim_user_fields[idx].type == OXSIM_T_CPLX) {
            continue;   /* unknown elements are ignored, as CXF does */
        }
        if (oxsim_user_fields[idx].type == OXSIM_T_LIST) {
            oxsim_ud_aliases(c, ud, n);
        } else if (oxsim_ud_value(c, ud, idx, oxsim_xml_text(c, n))) {
            return -1;
        }
    }
    return 0;
}

/* ---- rules ------------------------------------------------------------- */

static int oxsim_check_mandatory(oxsim_call_t *c, const oxsim_udata_t *ud,
                                 int is_admin)
{
    const char *missing = NULL;
    int i;

    for (i = 0; oxsim_mandatory[i]; i++) {
        if (oxsim_ud(ud, oxsim_mandatory[i]) == NULL) {
            missing = missing ? apr_pstrcat(c->pool, missing, ", ",
                                            oxsim_mandatory[i], NULL)
                              : oxsim_mandatory[i];
        }
    }
    if (missing == NULL) {
        return 0;
    }
    oxsim_fault(c, "InvalidDataException", "Mandatory fields %snot set: %s",
                is_admin ? "in admin user " : "", missing);
    return -1;
}

/* CHECK_USER_UID_REGEXP=[$@%\.+a-zA-Z0-9_-] */
static int oxsim_check_username(oxsim_call_t *c, const char *name)
{
    char *bad = apr_palloc(c->pool, strlen(name) + 1);
    size_t n = 0;

    for (; *name; name++) {
        unsigned char ch = (unsigned char)*name;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || strchr("$@%.+_-", ch))) {
            bad[n++] = (char)ch;
        }
    }
    bad[n] = '\0';
    if (n > 0) {
        oxsim_fault(c, "InvalidDataException", "Illegal chars: \"%s\"", bad);
        return -1;
    }
    return 0;
}

/* What javax.mail.InternetAddress(addr, strict) refuses in practice: no
 * '@', empty parts, white space or specials, dots at the edges. */
static int oxsim_mail_valid(const char *a)
{
    const char *at = strrchr(a, '@'), *p;

    if (at == NULL || at == a || at[1] == '\0' || at[1] == '.'
        || a[strlen(a) - 1] == '.' || a[0] == '.' || strstr(a, "..")) {
        return 0;
    }
    for (p = a; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch == 0x7f || strchr("<>()[],;:\\\"", ch)
            || (ch == '@' && p != at)) {
            return 0;
        }
    }
    return 1;
}

static int oxsim_check_language(oxsim_call_t *c, const char *lang)
{
    if (lang != NULL && strchr(lang, '_') == NULL) {
        oxsim_fault(c, "InvalidDataException",
                    "language must contain an underscore, e.g. en_US");
        return -1;
    }
    return 0;
}

static int oxsim_check_display(oxsim_call_t *c, oxsim_ctx_t *ctx,
                               const oxsim_user_t *self, const char *dn,
                               int is_admin)
{
    oxsim_user_t *other;

    if (ctx == NULL || dn == NULL || is_admin) {
        return 0;
    }
    other = oxsim_user_by_display(ctx, dn);
    if (other != NULL && other != self) {
        oxsim_fault(c, "InvalidDataException", "The displayname is already used");
        return -1;
    }
    return 0;
}

/* The mail addresses a user will have after create or change. */
typedef struct {
    const char *primary, *email1, *sender;
    char **aliases;
    int naliases;
} oxsim_mails_t;

static int oxsim_in_set(char **set, int n, const char *a)
{
    int i;

    for (i = 0; a != NULL && i < n; i++) {
        if (!strcasecmp(set[i], a)) {
            return 1;
        }
    }
    return a == NULL;
}

/* Create: email1 and defaultSenderAddress default to primaryEmail, and the
 * server adds primaryEmail and defaultSenderAddress to the aliases. Change:
 * values not sent keep their stored value, aliases included. */
static void oxsim_mails_resolve(oxsim_call_t *c, const oxsim_user_t *u,
                                oxsim_udata_t *ud, oxsim_mails_t *m)
{
    const char *pm = oxsim_ud(ud, "primaryEmail");

    m->primary = pm ? pm : u ? oxsim_user_getn(u, "primaryEmail") : NULL;
    m->email1 = oxsim_ud(ud, "email1");
    m->sender = oxsim_ud(ud, "defaultSenderAddress");
    if (u == NULL) {
        m->email1 = m->email1 ? m->email1 : m->primary;
        m->sender = m->sender ? m->sender : m->primary;
        if (!oxsim_in_set(ud->aliases, ud->naliases, m->primary)) {
            oxsim_ud_alias(c, ud, m->primary);
        }
        if (!oxsim_in_set(ud->aliases, ud->naliases, m->sender)) {
            oxsim_ud_alias(c, ud, m->sender);
        }
    } else {
        m->email1 = m->email1 ? m->email1 : oxsim_user_getn(u, "email1");
        m->sender = m->sender ? m->sender
                              : oxsim_user_getn(u, "defaultSenderAddress");
    }
    m->aliases = (u == NULL || ud->aliases_given) ? ud->aliases : u->aliases;
    m->naliases = (u == NULL || ud->aliases_given) ? ud->naliases
                                                   : u->naliases;
}

static int oxsim_check_addresses(oxsim_call_t *c, const oxsim_udata_t *ud,
                                 const oxsim_mails_t *m)
{
    static const char *const fields[] = {
        "primaryEmail", "email1", "email2", "email3", "defaultSenderAddress",
        NULL
    };
    int i;

    for (i = 0; fields[i]; i++) {
        const char *a = oxsim_ud(ud, fields[i]);
        if (a != NULL && !oxsim_mail_valid(a)) {
            oxsim_fault(c, "InvalidDataException", "Invalid email address");
            return -1;
        }
    }
    for (i = 0; ud->aliases_given && i < ud->naliases; i++) {
        if (!oxsim_mail_valid(ud->aliases[i])) {
            oxsim_fault(c, "InvalidDataException", "Invalid email address");
            return -1;
        }
    }
    (void)m;
    return 0;
}

static int oxsim_check_mails(oxsim_call_t *c, oxsim_ctx_t *ctx,
                             const oxsim_user_t *self, const oxsim_udata_t *ud,
                             const oxsim_mails_t *m)
{
    int i;

    if (m->primary && m->email1 && strcasecmp(m->primary, m->email1)) {
        oxsim_fault(c, "InvalidDataException",
                    "primarymail must have the same value as email1");
        return -1;
    }
    if (!oxsim_in_set(m->aliases, m->naliases, m->primary)
        || !oxsim_in_set(m->aliases, m->naliases, m->email1)
        || !oxsim_in_set(m->aliases, m->naliases, m->sender)) {
        oxsim_fault(c, "InvalidDataException", "primaryMail, Email1 and "
                    "defaultSenderAddress must be present in set of aliases.");
        return -1;
    }
    if (oxsim_check_addresses(c, ud, m)) {
        return -1;
    }
    for (i = 0; ctx != NULL && i < m->naliases; i++) {
        oxsim_user_t *other = oxsim_user_by_mail(ctx, m->aliases[i]);
        if (other != NULL && other != self) {
            oxsim_fault(c, "InvalidDataException",
                        "Primary mail address \"%s\" already exists in "
                        "context %d", m->aliases[i], ctx->id);
            return -1;
        }
    }
    return 0;
}

int oxsim_udata_check_new(oxsim_call_t *c, oxsim_ctx_t *ctx,
                          oxsim_udata_t *ud, int is_admin)
{
    const char *name = oxsim_ud(ud, "name"), *pw;
    oxsim_mails_t m;

    if (oxsim_check_mandatory(c, ud, is_admin)
        || oxsim_check_username(c, name)) {
        return -1;
    }
    if (ctx != NULL && oxsim_user_by_name(ctx, name) != NULL) {
        oxsim_fault(c, "InvalidDataException",
                    "User %s already exists in this context", name);
        return -1;
    }
    pw = oxsim_ud(ud, "password");
    if (*pw == '\0') {
        oxsim_fault(c, "InvalidDataException", "Empty password is not allowed.");
        return -1;
    }
    oxsim_mails_resolve(c, NULL, ud, &m);
    if (oxsim_check_mails(c, ctx, NULL, ud, &m)
        || oxsim_check_display(c, ctx, NULL, oxsim_ud(ud, "display_name"),
                               is_admin)) {
        return -1;
    }
    return oxsim_check_language(c, oxsim_ud(ud, "language"));
}

/* ---- applying -------------------------------------------------------- */

/* imapServer may be a URL ("imaps://host:993") or a bare host with
 * imapPort/imapSchema; OX answers with both the split fields and
 * imapServerString (docs/reference/ox-soap.md §5.3). */
static void oxsim_norm_server(oxsim_call_t *c, oxsim_user_t *u,
                              const char *kind, const char *dport)
{
    char f[4][40];
    const char *srv, *sep, *colon, *schema, *port;
    char *host;

    snprintf(f[0], sizeof(f[0]), "%sServer", kind);
    snprintf(f[1], sizeof(f[1]), "%sSchema", kind);
    snprintf(f[2], sizeof(f[2]), "%sPort", kind);
    snprintf(f[3], sizeof(f[3]), "%sServerString", kind);
    srv = oxsim_user_getn(u, f[0]);
    if (srv == NULL) {
        return;
    }
    sep = strstr(srv, "://");
    host = apr_pstrdup(c->pool, sep ? sep + 3 : srv);
    if (sep != NULL) {
        oxsim_user_setn(u, f[1], apr_pstrndup(c->pool, srv, (size_t)(sep - srv + 3)));
    }
    colon = strrchr(host, ':');
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        oxsim_user_setn(u, f[2], colon + 1);
        host[colon - host] = '\0';
    }
    oxsim_user_setn(u, f[0], host);
    schema = oxsim_user_getn(u, f[1]);
    port = oxsim_user_getn(u, f[2]);
    oxsim_user_setn(u, f[3], apr_psprintf(c->pool, "%s%s:%s",
                    schema ? schema : apr_pstrcat(c->pool, kind, "://", NULL),
                    host, port ? port : dport));
}

static void oxsim_apply(oxsim_call_t *c, oxsim_user_t *u,
                        const oxsim_udata_t *ud)
{
    int i;

    for (i = 0; i < oxsim_user_nfields; i++) {
        const char *n = oxsim_user_fields[i].name;
        if (ud->val[i] == NULL || !strcmp(n, "id")
            || !strcmp(n, "contextadmin")) {
            continue;
        }
        oxsim_user_set(u, i, ud->val[i]);
    }
    if (ud->aliases_given || u->naliases == 0) {
        oxsim_user_set_aliases(u, ud->aliases, ud->naliases);
    }
    oxsim_norm_server(c, u, "imap", "143");
    oxsim_norm_server(c, u, "smtp", "25");
}

static void oxsim_default(oxsim_user_t *u, const char *field, const char *v)
{
    if (oxsim_user_getn(u, field) == NULL && v != NULL) {
        oxsim_user_setn(u, field, v);
    }
}

oxsim_user_t *oxsim_udata_create(oxsim_call_t *c, oxsim_ctx_t *ctx,
                                 oxsim_udata_t *ud, int is_admin,
                                 uint32_t access)
{
    oxsim_user_t *u = oxsim_user_add(ctx);
    const char *pm = oxsim_ud(ud, "primaryEmail");

    u->is_admin = is_admin;
    u->access = is_admin ? access : (access & ~OXSIM_ACCESS_PFE);
    oxsim_apply(c, u, ud);
    oxsim_default(u, "email1", pm);
    oxsim_default(u, "defaultSenderAddress", pm);
    oxsim_default(u, "language", "en_US");
    oxsim_default(u, "timezone", "Europe/Berlin");   /* DEFAULT_TIMEZONE */
    oxsim_default(u, "passwordMech", "{SHA}");   /* DEFAULT_PASSWORD_MECHANISM */
    oxsim_default(u, "mailenabled", "true");
    oxsim_default(u, "maxQuota", "-1");
    oxsim_default(u, "usedQuota", "0");
    return u;
}

/* ---- look-ups ---------------------------------------------------------- */

static oxsim_user_t *oxsim_user_find(oxsim_call_t *c, oxsim_ctx_t *ctx,
                                     xmlNodePtr un, int fault)
{
    const char *id = oxsim_xml_field(c, un, "id");
    const char *name = oxsim_xml_field(c, un, "name");
    oxsim_user_t *u = NULL;
    long long v;

    if (id != NULL) {
        if (oxsim_parse_long(c, id, &v)) {
            return NULL;
        }
        u = oxsim_user_by_id(ctx, (int)v);
    } else if (name != NULL) {
        u = oxsim_user_by_name(ctx, name);
    }
    if (u == NULL && fault) {
        oxsim_fault(c, "NoSuchUserException", "No such user(s) %s in context %d",
                    id ? id : name ? name : "null", ctx->id);
    }
    return u;
}

static oxsim_user_t *oxsim_user_target(oxsim_call_t *c, const char *param,
                                       oxsim_ctx_t **pctx)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);

    if (pctx != NULL) {
        *pctx = ctx;
    }
    return ctx ? oxsim_user_find(c, ctx, oxsim_param(c, param), 1) : NULL;
}

/* ---- operations ------------------------------------------------------ */

static void oxsim_op_user_create(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    oxsim_udata_t ud;
    uint32_t access;

    if (ctx == NULL || oxsim_call_access(c, ctx->access, &access)
        || oxsim_udata_parse(c, oxsim_param(c, "usrdata"), &ud)
        || oxsim_udata_check_new(c, ctx, &ud, 0)) {
        return;
    }
    oxsim_emit_user(c, oxsim_udata_create(c, ctx, &ud, 0, access));
}

/* A new user name, with the id identifying the user: refused unless
 * USERNAME_CHANGEABLE (false in AdminUser.properties), then checked like
 * a new one (OX's OXUser.checkChangeUserData). Renaming the context admin
 * changes the login its context authenticates. */
static int oxsim_check_rename(oxsim_call_t *c, oxsim_ctx_t *ctx,
                              const oxsim_user_t *u, const oxsim_udata_t *ud)
{
    const char *name = oxsim_ud(ud, "name");
    const oxsim_user_t *other;

    if (name == NULL || oxsim_ud(ud, "id") == NULL
        || !strcmp(name, oxsim_user_getn(u, "name"))) {
        return 0;
    }
    if (!c->knobs.username_changeable) {
        oxsim_fault(c, "InvalidDataException",
                    "Changing username is disabled!");
        return -1;
    }
    if (oxsim_check_username(c, name)) {
        return -1;
    }
    other = oxsim_user_by_name(ctx, name);
    if (other != NULL && other != u) {
        oxsim_fault(c, "InvalidDataException",
                    "User %s already exists in this context", name);
        return -1;
    }
    return 0;
}

/* PRIMARY_MAIL_UNCHANGEABLE (OX's code falls back to true when the
 * property is missing): any other primary address is refused. */
static int oxsim_check_primary_kept(oxsim_call_t *c, const oxsim_user_t *u,
                                    const oxsim_udata_t *ud)
{
    const char *pm = oxsim_ud(ud, "primaryEmail");
    const char *have = oxsim_user_getn(u, "primaryEmail");

    if (c->knobs.primary_mail_unchangeable && pm != NULL
        && strcasecmp(pm, have ? have : "")) {
        oxsim_fault(c, "InvalidDataException",
                    "primary mail must not be changed");
        return -1;
    }
    return 0;
}

static int oxsim_change_checks(oxsim_call_t *c, oxsim_ctx_t *ctx,
                               oxsim_user_t *u, oxsim_udata_t *ud)
{
    const char *pw = oxsim_ud(ud, "password");
    oxsim_mails_t m;

    if (oxsim_check_rename(c, ctx, u, ud)
        || oxsim_check_primary_kept(c, u, ud)) {
        return -1;
    }
    if (pw != NULL && *pw == '\0') {
        oxsim_fault(c, "InvalidDataException", "Empty password is not allowed.");
        return -1;
    }
    oxsim_mails_resolve(c, u, ud, &m);
    if (oxsim_check_mails(c, ctx, u, ud, &m)
        || oxsim_check_display(c, ctx, u, oxsim_ud(ud, "display_name"),
                               u->is_admin)) {
        return -1;
    }
    return oxsim_check_language(c, oxsim_ud(ud, "language"));
}

static void oxsim_op_user_change(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    oxsim_udata_t ud;
    oxsim_user_t *u;

    if (ctx == NULL || oxsim_udata_parse(c, oxsim_param(c, "usrdata"), &ud)) {
        return;
    }
    u = oxsim_user_find(c, ctx, oxsim_param(c, "usrdata"), 1);
    if (u == NULL || oxsim_change_checks(c, ctx, u, &ud)) {
        return;
    }
    oxsim_apply(c, u, &ud);
    oxsim_store_log_change("change", u, oxsim_ud(&ud, "password"));
}

static void oxsim_op_user_change_access(oxsim_call_t *c)
{
    oxsim_user_t *u = oxsim_user_target(c, "user", NULL);
    uint32_t access;

    if (u != NULL && !oxsim_call_access(c, 0, &access)) {
        u->access = u->is_admin ? access : (access & ~OXSIM_ACCESS_PFE);
    }
}

static int oxsim_user_deletable(oxsim_call_t *c, oxsim_user_t *u)
{
    if (u->is_admin) {
        oxsim_fault(c, "InvalidDataException", "Admin delete not supported");
        return 0;
    }
    return 1;
}

static void oxsim_op_user_delete(oxsim_call_t *c)
{
    oxsim_user_t *u = oxsim_user_target(c, "user", NULL);

    if (u != NULL && oxsim_user_deletable(c, u)) {
        oxsim_user_remove(u);
    }
}

/* users:User[] is a run of sibling <users> elements. */
static int oxsim_users_collect(oxsim_call_t *c, oxsim_ctx_t *ctx,
                               oxsim_user_t ***pus)
{
    xmlNodePtr opn, n;
    int cnt = 0;

    opn = oxsim_param(c, "users") ? oxsim_param(c, "users")->parent : NULL;
    *pus = NULL;
    for (n = opn ? opn->children : NULL; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST "users")) {
            cnt++;
        }
    }
    *pus = apr_pcalloc(c->pool, sizeof(oxsim_user_t *) * (size_t)(cnt + 1));
    cnt = 0;
    for (n = opn ? opn->children : NULL; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST "users")) {
            (*pus)[cnt] = oxsim_user_find(c, ctx, n, 1);
            if ((*pus)[cnt++] == NULL) {
                return -1;
            }
        }
    }
    return cnt;
}

static void oxsim_op_user_delete_multi(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    oxsim_user_t **us;
    int n, i;

    if (ctx == NULL || (n = oxsim_users_collect(c, ctx, &us)) < 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (!oxsim_user_deletable(c, us[i])) {
            return;   /* all or nothing, like OX's transaction */
        }
    }
    for (i = 0; i < n; i++) {
        oxsim_user_remove(us[i]);
    }
}

static void oxsim_op_user_getdata(oxsim_call_t *c)
{
    oxsim_user_t *u = oxsim_user_target(c, "user", NULL);

    if (u != NULL) {
        oxsim_emit_user(c, u);
    }
}

static void oxsim_op_user_getmulti(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    oxsim_user_t **us;
    int n, i;

    if (ctx == NULL || (n = oxsim_users_collect(c, ctx, &us)) < 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        oxsim_emit_user(c, us[i]);
    }
}

static void oxsim_user_list(oxsim_call_t *c, int icase)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    const char *pat = oxsim_xml_text(c, oxsim_param(c, "search_pattern"));
    oxsim_user_t *u;

    if (ctx == NULL) {
        return;
    }
    if (pat == NULL || *pat == '\0') {
        pat = "*";
    }
    for (u = ctx->users; u != NULL; u = u->next) {
        const char *n = oxsim_user_getn(u, "name");
        const char *dn = oxsim_user_getn(u, "display_name");
        if ((n && oxsim_like(pat, n, icase)) || (dn && oxsim_like(pat, dn, icase))) {
            oxsim_emit_user_id_only(c, u);
        }
    }
}

static void oxsim_op_user_list(oxsim_call_t *c)
{
    oxsim_user_list(c, 0);
}

static void oxsim_op_user_list_ci(oxsim_call_t *c)
{
    oxsim_user_list(c, 1);
}

/* exists works with id, name or display_name
 * (docs/reference/ox-soap.md §4.2). */
static void oxsim_op_user_exists(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    xmlNodePtr un = oxsim_param(c, "user");
    const char *dn;
    oxsim_user_t *u;

    if (ctx == NULL) {
        return;
    }
    u = oxsim_user_find(c, ctx, un, 0);
    dn = oxsim_xml_field(c, un, "display_name");
    if (u == NULL && !c->faulted && dn != NULL
        && !oxsim_xml_field(c, un, "id") && !oxsim_xml_field(c, un, "name")) {
        u = oxsim_user_by_display(ctx, dn);
    }
    if (!c->faulted) {
        oxsim_emit_scalar(c, u ? "true" : "false");
    }
}

static void oxsim_op_user_get_access(oxsim_call_t *c)
{
    oxsim_user_t *u = oxsim_user_target(c, "user", NULL);

    if (u != NULL) {
        oxsim_emit_access(c, u->access);
    }
}

static void oxsim_op_user_get_combo(oxsim_call_t *c)
{
    oxsim_user_t *u = oxsim_user_target(c, "user", NULL);

    if (u != NULL) {
        oxsim_emit_scalar(c, oxsim_access_name_of(u->access, u->is_admin));
    }
}

static void oxsim_op_user_ctx_admin(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_auth_context_user(c);
    oxsim_user_t *u = ctx ? oxsim_user_by_id(ctx, ctx->admin_id) : NULL;

    if (u != NULL) {
        oxsim_emit_user(c, u);
    }
}

#define OXSIM_US (OXSIM_SVC_USER | OXSIM_SVC_RUSER)
#define OXSIM_LIST_TAIL "auth:Credentials,include_guests:boolean,exclude_users:boolean"
const oxsim_op_t oxsim_user_ops[] = {
    { OXSIM_US, "create", "ctx:Context,usrdata:User,auth:Credentials",
      oxsim_op_user_create },
    { OXSIM_US, "createByModuleAccess", "ctx:Context,usrdata:User,"
      "access:UserModuleAccess,auth:Credentials", oxsim_op_user_create },
    { OXSIM_US, "createByModuleAccessName", "ctx:Context,usrdata:User,"
      "access_combination_name:string,auth:Credentials", oxsim_op_user_create },
    { OXSIM_US, "change", "ctx:Context,usrdata:User,auth:Credentials",
      oxsim_op_user_change },
    { OXSIM_US, "changeByModuleAccess", "ctx:Context,user:User,"
      "moduleAccess:UserModuleAccess,auth:Credentials",
      oxsim_op_user_change_access },
    { OXSIM_US, "changeByModuleAccessName", "ctx:Context,user:User,"
      "access_combination_name:string,auth:Credentials",
      oxsim_op_user_change_access },
    { OXSIM_US, "delete", "ctx:Context,user:User,auth:Credentials,reassign:int",
      oxsim_op_user_delete },
    { OXSIM_US, "deleteMultiple", "ctx:Context,users:User,auth:Credentials,"
      "reassign:int", oxsim_op_user_delete_multi },
    { OXSIM_US, "getData", "ctx:Context,user:User,auth:Credentials",
      oxsim_op_user_getdata },
    { OXSIM_US, "getMultipleData", "ctx:Context,users:User,auth:Credentials",
      oxsim_op_user_getmulti },
    { OXSIM_US, "list", "ctx:Context,search_pattern:string," OXSIM_LIST_TAIL,
      oxsim_op_user_list },
    { OXSIM_US, "listAll", "ctx:Context," OXSIM_LIST_TAIL, oxsim_op_user_list },
    { OXSIM_US, "listCaseInsensitive", "ctx:Context,search_pattern:string,"
      "auth:Credentials", oxsim_op_user_list_ci },
    { OXSIM_US, "exists", "ctx:Context,user:User,auth:Credentials",
      oxsim_op_user_exists },
    { OXSIM_US, "getModuleAccess", "ctx:Context,user:User,auth:Credentials",
      oxsim_op_user_get_access },
    { OXSIM_US, "getAccessCombinationName", "ctx:Context,user:User,"
      "auth:Credentials", oxsim_op_user_get_combo },
    { OXSIM_US, "getContextAdmin", "ctx:Context,auth:Credentials",
      oxsim_op_user_ctx_admin },
    { 0, NULL, NULL, NULL }
};
