/*
 * oxt_ox.c — see oxt_ox.h. Requests are built with libxml2's tree API, so
 * no value is ever pasted into markup; replies are read by local name,
 * because OX's CXF layer and emulators differ in prefixes.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#include "oxt_ox.h"
#include "oxt_xml.h"
#include "oxt_util.h"

typedef enum {
    REPLY_VOID = 0,
    REPLY_CONTEXT,
    REPLY_USER,
    REPLY_CONTEXTS,
    REPLY_USERS,
    REPLY_USER_IDS,                 /* list: users with their id only */
    REPLY_BOOL,
    REPLY_TEXT,
    REPLY_INT
} reply_kind_t;

typedef enum {
    SVC_CONTEXT = 0,
    SVC_USER
} service_t;

struct oxt_ox_t {
    apr_pool_t *p;
    oxt_ox_settings_t s;
    oxt_soap_client_t *client;
};

struct oxt_ox_op_t {
    apr_pool_t *p;
    oxt_ox_t *ox;
    const char *name;
    reply_kind_t kind;
    oxt_soap_call_t *call;
    oxt_ox_reply_t reply;
    oxt_ox_done_cb *cb;
    void *baton;
};

/* A request being built: the operation element and the namespaces. */
typedef struct {
    apr_pool_t *p;
    oxt_ox_t *ox;
    service_t svc;
    const char *op;
    xmlDoc *doc;
    xmlNode *elem;
    xmlNs *ns_svc;
    xmlNs *ns_obj;
    xmlNs *ns_rmi;
} req_t;

/* ---- objects ---------------------------------------------------------- */

oxt_ox_context_t *oxt_ox_context_make(apr_pool_t *p)
{
    oxt_ox_context_t *c = apr_pcalloc(p, sizeof(*c));

    c->max_quota = OXT_OX_QUOTA_UNSET;
    c->used_quota = OXT_OX_QUOTA_UNSET;
    c->enabled = -1;
    return c;
}

oxt_ox_user_t *oxt_ox_user_make(apr_pool_t *p)
{
    oxt_ox_user_t *u = apr_pcalloc(p, sizeof(*u));

    u->max_quota = OXT_OX_QUOTA_UNSET;
    u->context_admin = -1;
    return u;
}

const char *oxt_ox_base_url(int https, const char *host, apr_pool_t *p)
{
    return apr_pstrcat(p, https ? "https://" : "http://", host ? host : "",
                       "/webservices", NULL);
}

/* The "host[:port]" of an http:// URL, or NULL for any other scheme. */
static const char *plain_http_host(const char *url, apr_pool_t *p)
{
    const char *host = url, *end;

    if (strncasecmp(url, "http://", 7) != 0) {
        return NULL;
    }
    host += 7;
    end = host + strcspn(host, "/?#");
    return apr_pstrndup(p, host, (apr_size_t)(end - host));
}

const char *oxt_ox_plain_http_warning(const char *base_url, int allowed,
                                      apr_pool_t *p)
{
    const char *host = plain_http_host(base_url, p);

    if (host == NULL || oxt_util_host_is_loopback(host)) {
        return NULL;
    }
    return apr_psprintf(p, "OX traffic to %s is plain HTTP: the OX master"
                        " password and every mailbox password travel in"
                        " clear; set ox_use_https 1%s", host, allowed
                        ? " (plain HTTP is allowed by ox_allow_plain_http)"
                        : "; until then replication refuses to send"
                          " credentials (ox_allow_plain_http 1 would"
                          " allow it)");
}

apr_status_t oxt_ox_transport_check(const oxt_ox_settings_t *s,
                                    oxt_result_t *res, apr_pool_t *p)
{
    const char *why;

    if (s->allow_plain_http || s->base_url == NULL) {
        return APR_SUCCESS;
    }
    why = oxt_ox_plain_http_warning(s->base_url, 0, p);
    if (why == NULL) {
        return APR_SUCCESS;
    }
    return oxt_result_set(res, OXT_ECONFIG, "Refusing to send OX credentials"
                          " over plain HTTP", "%s", why);
}

apr_status_t oxt_ox_create(oxt_ox_t **pox, const oxt_ox_settings_t *s,
                           oxt_soap_client_t *client, apr_pool_t *p)
{
    oxt_ox_t *ox = apr_pcalloc(p, sizeof(*ox));
    apr_size_t n;

    if (s->base_url == NULL || s->master.login == NULL) {
        return APR_EINVAL;
    }
    if (oxt_ox_transport_check(s, NULL, p) != APR_SUCCESS) {
        return OXT_ECONFIG;
    }
    ox->p = p;
    ox->s = *s;
    ox->client = client;
    /* "…/webservices/" and "…/webservices" both work as base. */
    n = strlen(s->base_url);
    while (n > 0 && s->base_url[n - 1] == '/') {
        n--;
    }
    ox->s.base_url = apr_pstrndup(p, s->base_url, n);
    ox->s.master.login = apr_pstrdup(p, s->master.login);
    ox->s.master.password = apr_pstrdup(p, s->master.password ?
                                        s->master.password : "");
    *pox = ox;
    return APR_SUCCESS;
}

/* ---- request building ------------------------------------------------- */

static const char *service_name(const oxt_ox_t *ox, service_t svc)
{
    int reseller = ox->s.type == OXT_OX_RESELLER;

    if (svc == SVC_CONTEXT) {
        return reseller ? "OXResellerContextService" : "OXContextService";
    }
    return reseller ? "OXResellerUserService" : "OXUserService";
}

static apr_status_t req_begin(req_t *r, oxt_ox_t *ox, service_t svc,
                              const char *op, apr_pool_t *p)
{
    xmlNode *body, *env;
    apr_status_t rv = oxt_soap_envelope_make(&r->doc, &body, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    r->p = p;
    r->ox = ox;
    r->svc = svc;
    r->op = op;
    env = xmlDocGetRootElement(r->doc);
    r->ns_svc = xmlNewNs(env, BAD_CAST (ox->s.type == OXT_OX_RESELLER ?
                                        OXT_OX_NS_RESELLER : OXT_OX_NS_SOAP),
                         BAD_CAST "ox");
    r->ns_obj = xmlNewNs(env, BAD_CAST OXT_OX_NS_OBJECTS, BAD_CAST "obj");
    r->ns_rmi = xmlNewNs(env, BAD_CAST OXT_OX_NS_RMI, BAD_CAST "rmi");
    if (r->ns_svc == NULL || r->ns_obj == NULL || r->ns_rmi == NULL) {
        return APR_ENOMEM;
    }
    return oxt_xml_add_elem(&r->elem, body, r->ns_svc, op);
}

static apr_status_t add_opt_text(xmlNode *parent, xmlNs *ns,
                                 const char *name, const char *value)
{
    if (value == NULL) {
        return APR_SUCCESS;
    }
    return oxt_xml_add_text(NULL, parent, ns, name, value);
}

static apr_status_t add_opt_int(xmlNode *parent, xmlNs *ns,
                                const char *name, long long v,
                                long long unset)
{
    if (v == unset) {
        return APR_SUCCESS;
    }
    return oxt_xml_add_int(parent, ns, name, v);
}

/* Arrays go as repeated sibling elements (docs/reference/ox-soap.md §2). */
static apr_status_t add_list(xmlNode *parent, xmlNs *ns, const char *name,
                             const apr_array_header_t *list)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; list != NULL && i < list->nelts && !rv; i++) {
        rv = oxt_xml_add_text(NULL, parent, ns, name,
                              APR_ARRAY_IDX(list, i, const char *));
    }
    return rv;
}

static apr_status_t add_param(req_t *r, const char *name, const char *text)
{
    return oxt_xml_add_text(NULL, r->elem, r->ns_svc, name, text);
}

static apr_status_t add_auth(req_t *r, const oxt_ox_creds_t *creds)
{
    xmlNode *auth;
    apr_status_t rv = oxt_xml_add_elem(&auth, r->elem, r->ns_svc, "auth");

    if (rv == APR_SUCCESS) {
        rv = oxt_xml_add_text(NULL, auth, r->ns_rmi, "login", creds->login);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_xml_add_text(NULL, auth, r->ns_rmi, "password",
                              creds->password ? creds->password : "");
    }
    return rv;
}

/* Context fields in the order of the schema's sequence
 * (docs/reference/ox-soap.md §5.2). */
static apr_status_t add_context(req_t *r, const char *elem,
                                const oxt_ox_context_t *c)
{
    xmlNode *n;
    xmlNs *ns = r->ns_obj;
    apr_status_t rv = oxt_xml_add_elem(&n, r->elem, r->ns_svc, elem);

    if (rv == APR_SUCCESS) {
        rv = add_opt_int(n, ns, "id", c->id, 0);
    }
    if (rv == APR_SUCCESS) {
        rv = add_list(n, ns, "loginMappings", c->login_mappings);
    }
    if (rv == APR_SUCCESS) {
        rv = add_opt_int(n, ns, "maxQuota", c->max_quota,
                         OXT_OX_QUOTA_UNSET);
    }
    if (rv == APR_SUCCESS) {
        rv = add_opt_text(n, ns, "name", c->name);
    }
    return rv;
}

/* User fields in the order of the schema's sequence
 * (docs/reference/ox-soap.md §5.3). */
typedef enum {
    F_TEXT,                     /* const char *, NULL = unset */
    F_INT,                      /* int, 0 = unset */
    F_QUOTA                     /* long long, OXT_OX_QUOTA_UNSET = unset */
} field_kind_t;

#define UF(elem, kind, member) { elem, kind, offsetof(oxt_ox_user_t, member) }

static const struct {
    const char *elem;
    field_kind_t kind;
    size_t off;
} user_fields[] = {
    UF("defaultSenderAddress", F_TEXT, default_sender),
    UF("display_name", F_TEXT, display_name),
    UF("email1", F_TEXT, email1),
    UF("given_name", F_TEXT, given_name),
    UF("id", F_INT, id),
    UF("imapLogin", F_TEXT, imap_login),
    UF("imapPort", F_INT, imap_port),
    UF("imapServer", F_TEXT, imap_server),
    UF("language", F_TEXT, language),
    UF("maxQuota", F_QUOTA, max_quota),
    UF("name", F_TEXT, name),
    UF("password", F_TEXT, password),
    UF("primaryEmail", F_TEXT, primary_email),
    UF("smtpPort", F_INT, smtp_port),
    UF("smtpServer", F_TEXT, smtp_server),
    UF("sur_name", F_TEXT, sur_name),
    UF("timezone", F_TEXT, timezone),
};

static apr_status_t add_user_field(xmlNode *n, xmlNs *ns, size_t i,
                                   const oxt_ox_user_t *u)
{
    const char *field = (const char *)u + user_fields[i].off;
    const char *elem = user_fields[i].elem;

    switch (user_fields[i].kind) {
    case F_TEXT:
        return add_opt_text(n, ns, elem, *(const char *const *)field);
    case F_INT:
        return add_opt_int(n, ns, elem, *(const int *)field, 0);
    default:
        return add_opt_int(n, ns, elem, *(const long long *)field,
                           OXT_OX_QUOTA_UNSET);
    }
}

static apr_status_t add_user(req_t *r, const char *elem,
                             const oxt_ox_user_t *u)
{
    xmlNode *n;
    size_t i;
    apr_status_t rv = oxt_xml_add_elem(&n, r->elem, r->ns_svc, elem);

    if (rv == APR_SUCCESS) {
        rv = add_list(n, r->ns_obj, "aliases", u->aliases);
    }
    for (i = 0; rv == APR_SUCCESS && i < sizeof(user_fields)
             / sizeof(user_fields[0]); i++) {
        rv = add_user_field(n, r->ns_obj, i, u);
    }
    return rv;
}

/* ---- operations ------------------------------------------------------- */

static apr_status_t op_finish(oxt_ox_op_t **pop, req_t *r,
                              const oxt_ox_creds_t *creds, reply_kind_t kind)
{
    oxt_ox_op_t *op;
    const char *svc = service_name(r->ox, r->svc);
    apr_status_t rv = add_auth(r, creds);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    op = apr_pcalloc(r->p, sizeof(*op));
    op->p = r->p;
    op->ox = r->ox;
    op->kind = kind;
    op->name = apr_pstrcat(r->p, svc, ".", r->op, NULL);
    rv = oxt_soap_call_make(&op->call, apr_pstrcat(r->p, r->ox->s.base_url,
                                                   "/", svc, NULL),
                            r->op, r->doc, r->p);
    if (rv == APR_SUCCESS) {
        *pop = op;
    }
    return rv;
}

static const oxt_ox_creds_t *user_creds(const oxt_ox_t *ox,
                                        const oxt_ox_creds_t *admin)
{
    if (ox->s.master_override || admin == NULL) {
        return ox->s.master_override ? &ox->s.master : NULL;
    }
    return admin;
}

/* The common shape "op(ctx, auth)" of context operations. */
static apr_status_t context_op(oxt_ox_op_t **pop, oxt_ox_t *ox,
                               const char *name, const oxt_ox_context_t *ctx,
                               reply_kind_t kind, apr_pool_t *p)
{
    req_t r;
    apr_status_t rv = req_begin(&r, ox, SVC_CONTEXT, name, p);

    if (rv == APR_SUCCESS) {
        rv = add_context(&r, "ctx", ctx);
    }
    return rv != APR_SUCCESS ? rv : op_finish(pop, &r, &ox->s.master, kind);
}

apr_status_t oxt_ox_context_create(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   const oxt_ox_user_t *admin,
                                   const char *access, apr_pool_t *p)
{
    req_t r;
    apr_status_t rv = req_begin(&r, ox, SVC_CONTEXT, access != NULL ?
                                "createModuleAccessByName" : "create", p);

    if (rv == APR_SUCCESS) {
        rv = add_context(&r, "ctx", ctx);
    }
    if (rv == APR_SUCCESS) {
        rv = add_user(&r, "admin_user", admin);
    }
    if (rv == APR_SUCCESS && access != NULL) {
        rv = add_param(&r, "access_combination_name", access);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return op_finish(pop, &r, &ox->s.master, REPLY_CONTEXT);
}

apr_status_t oxt_ox_context_change(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p)
{
    return context_op(pop, ox, "change", ctx, REPLY_VOID, p);
}

apr_status_t oxt_ox_context_delete(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p)
{
    return context_op(pop, ox, "delete", ctx, REPLY_VOID, p);
}

apr_status_t oxt_ox_context_get_data(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                     const oxt_ox_context_t *ctx,
                                     apr_pool_t *p)
{
    return context_op(pop, ox, "getData", ctx, REPLY_CONTEXT, p);
}

apr_status_t oxt_ox_context_exists(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p)
{
    return context_op(pop, ox, "exists", ctx, REPLY_BOOL, p);
}

apr_status_t oxt_ox_context_get_admin_id(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                         const oxt_ox_context_t *ctx,
                                         apr_pool_t *p)
{
    return context_op(pop, ox, "getAdminId", ctx, REPLY_INT, p);
}

apr_status_t oxt_ox_context_list(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                 const char *pattern, apr_pool_t *p)
{
    req_t r;
    apr_status_t rv = req_begin(&r, ox, SVC_CONTEXT, "list", p);

    if (rv == APR_SUCCESS) {
        rv = add_param(&r, "search_pattern", pattern ? pattern : "*");
    }
    return rv != APR_SUCCESS ? rv
        : op_finish(pop, &r, &ox->s.master, REPLY_CONTEXTS);
}

/* The user service's request name for ctx begun, its context added, and
 * *pcreds the credentials it goes with (user_creds): the start of every
 * user operation. APR_EINVAL without credentials or ctx. */
static apr_status_t user_req(req_t *r, const oxt_ox_creds_t **pcreds,
                             oxt_ox_t *ox, const char *name,
                             const oxt_ox_context_t *ctx,
                             const oxt_ox_creds_t *admin, apr_pool_t *p)
{
    apr_status_t rv;

    *pcreds = user_creds(ox, admin);
    if (*pcreds == NULL || ctx == NULL) {
        return APR_EINVAL;
    }
    rv = req_begin(r, ox, SVC_USER, name, p);
    return rv == APR_SUCCESS ? add_context(r, "ctx", ctx) : rv;
}

/*
 * The common shape "op(ctx, <user_elem>, [access_combination_name], auth)"
 * of user operations; user_elem NULL means no user parameter.
 */
static apr_status_t user_op(oxt_ox_op_t **pop, oxt_ox_t *ox,
                            const char *name, const oxt_ox_context_t *ctx,
                            const oxt_ox_creds_t *admin,
                            const char *user_elem, const oxt_ox_user_t *user,
                            const char *access, reply_kind_t kind,
                            apr_pool_t *p)
{
    const oxt_ox_creds_t *creds;
    req_t r;
    apr_status_t rv;

    if (user_elem && user == NULL) {
        return APR_EINVAL;
    }
    rv = user_req(&r, &creds, ox, name, ctx, admin, p);
    if (rv == APR_SUCCESS && user_elem != NULL) {
        rv = add_user(&r, user_elem, user);
    }
    if (rv == APR_SUCCESS && access != NULL) {
        rv = add_param(&r, "access_combination_name", access);
    }
    return rv != APR_SUCCESS ? rv : op_finish(pop, &r, creds, kind);
}

apr_status_t oxt_ox_user_create(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user,
                                const char *access, apr_pool_t *p)
{
    return user_op(pop, ox, access != NULL ? "createByModuleAccessName"
                   : "create", ctx, admin, "usrdata", user, access,
                   REPLY_USER, p);
}

apr_status_t oxt_ox_user_change(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p)
{
    return user_op(pop, ox, "change", ctx, admin, "usrdata", user, NULL,
                   REPLY_VOID, p);
}

apr_status_t oxt_ox_user_change_access(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                       const oxt_ox_context_t *ctx,
                                       const oxt_ox_creds_t *admin,
                                       const oxt_ox_user_t *user,
                                       const char *access, apr_pool_t *p)
{
    if (access == NULL) {
        return APR_EINVAL;
    }
    return user_op(pop, ox, "changeByModuleAccessName", ctx, admin, "user",
                   user, access, REPLY_VOID, p);
}

apr_status_t oxt_ox_user_delete(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p)
{
    return user_op(pop, ox, "delete", ctx, admin, "user", user, NULL,
                   REPLY_VOID, p);
}

apr_status_t oxt_ox_user_get_data(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                  const oxt_ox_context_t *ctx,
                                  const oxt_ox_creds_t *admin,
                                  const oxt_ox_user_t *user, apr_pool_t *p)
{
    return user_op(pop, ox, "getData", ctx, admin, "user", user, NULL,
                   REPLY_USER, p);
}

apr_status_t oxt_ox_user_get_multiple(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                      const oxt_ox_context_t *ctx,
                                      const oxt_ox_creds_t *admin,
                                      const apr_array_header_t *users,
                                      apr_pool_t *p)
{
    const oxt_ox_creds_t *creds;
    req_t r;
    int i;
    apr_status_t rv;

    if (users == NULL || users->nelts == 0) {
        return APR_EINVAL;
    }
    rv = user_req(&r, &creds, ox, "getMultipleData", ctx, admin, p);
    for (i = 0; rv == APR_SUCCESS && i < users->nelts; i++) {
        rv = add_user(&r, "users", APR_ARRAY_IDX(users, i,
                                                 const oxt_ox_user_t *));
    }
    return rv != APR_SUCCESS ? rv : op_finish(pop, &r, creds, REPLY_USERS);
}

apr_status_t oxt_ox_user_get_access_name(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                         const oxt_ox_context_t *ctx,
                                         const oxt_ox_creds_t *admin,
                                         const oxt_ox_user_t *user,
                                         apr_pool_t *p)
{
    return user_op(pop, ox, "getAccessCombinationName", ctx, admin, "user",
                   user, NULL, REPLY_TEXT, p);
}

apr_status_t oxt_ox_user_exists(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p)
{
    return user_op(pop, ox, "exists", ctx, admin, "user", user, NULL,
                   REPLY_BOOL, p);
}

apr_status_t oxt_ox_user_list(oxt_ox_op_t **pop, oxt_ox_t *ox,
                              const oxt_ox_context_t *ctx,
                              const oxt_ox_creds_t *admin,
                              const char *pattern, apr_pool_t *p)
{
    const oxt_ox_creds_t *creds;
    req_t r;
    apr_status_t rv = user_req(&r, &creds, ox, "list", ctx, admin, p);

    if (rv == APR_SUCCESS) {
        rv = add_param(&r, "search_pattern", pattern ? pattern : "*");
    }
    return rv != APR_SUCCESS ? rv : op_finish(pop, &r, creds,
                                              REPLY_USER_IDS);
}

/* ---- reply decoding --------------------------------------------------- */

static apr_array_header_t *read_list(const xmlNode *obj, const char *name,
                                     apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    const xmlNode *n = oxt_xml_child(obj, name);
    const char *text;

    for (; n != NULL; n = oxt_xml_next(n, name)) {
        text = oxt_xml_text(n, p);
        if (text != NULL) {
            APR_ARRAY_PUSH(list, const char *) = text;
        }
    }
    return list;
}

static int read_int(const xmlNode *obj, const char *name, apr_pool_t *p)
{
    long long v = 0;

    (void)oxt_xml_child_int(&v, obj, name, p);
    return (int)v;
}

static long long read_quota(const xmlNode *obj, const char *name,
                            apr_pool_t *p)
{
    long long v = OXT_OX_QUOTA_UNSET;

    (void)oxt_xml_child_int(&v, obj, name, p);
    return v;
}

static oxt_ox_context_t *read_context(const xmlNode *obj, apr_pool_t *p)
{
    oxt_ox_context_t *c = oxt_ox_context_make(p);
    const char *enabled = oxt_xml_child_text(obj, "enabled", p);

    c->id = read_int(obj, "id", p);
    c->name = oxt_xml_child_text(obj, "name", p);
    c->login_mappings = read_list(obj, "loginMappings", p);
    c->max_quota = read_quota(obj, "maxQuota", p);
    c->used_quota = read_quota(obj, "usedQuota", p);
    if (enabled != NULL) {
        c->enabled = strcmp(enabled, "true") == 0;
    }
    return c;
}

/* Replies carry the URL form of a server in *ServerString next to the
 * split fields; the URL form wins. Where a User's field goes: read_user walks the children once (a User
 * has about 130, most of them nil, and the object may come ten or a
 * hundred at a time) instead of looking each field up from the start. */
typedef enum {
    RU_TEXT = 0, RU_INT, RU_QUOTA, RU_LIST, RU_SERVER, RU_SERVER_URL,
    RU_ADMIN
} ru_kind_t;

typedef struct {
    const char *elem;
    ru_kind_t kind;
    size_t off;
} ru_field_t;

#define RU(elem, kind, member) { elem, kind, offsetof(oxt_ox_user_t, member) }

static const ru_field_t read_user_fields[] = {
    RU("id", RU_INT, id),
    RU("name", RU_TEXT, name),
    RU("display_name", RU_TEXT, display_name),
    RU("given_name", RU_TEXT, given_name),
    RU("sur_name", RU_TEXT, sur_name),
    RU("primaryEmail", RU_TEXT, primary_email),
    RU("email1", RU_TEXT, email1),
    RU("defaultSenderAddress", RU_TEXT, default_sender),
    RU("aliases", RU_LIST, aliases),
    RU("imapServerString", RU_SERVER_URL, imap_server),
    RU("imapServer", RU_SERVER, imap_server),
    RU("imapPort", RU_INT, imap_port),
    RU("imapLogin", RU_TEXT, imap_login),
    RU("smtpServerString", RU_SERVER_URL, smtp_server),
    RU("smtpServer", RU_SERVER, smtp_server),
    RU("smtpPort", RU_INT, smtp_port),
    RU("language", RU_TEXT, language),
    RU("timezone", RU_TEXT, timezone),
    RU("maxQuota", RU_QUOTA, max_quota),
    RU("contextadmin", RU_ADMIN, context_admin)
};

static const ru_field_t *read_user_field(const xmlNode *n)
{
    size_t i;

    for (i = 0; i < sizeof(read_user_fields) / sizeof(read_user_fields[0]);
         i++) {
        if (oxt_xml_is(n, read_user_fields[i].elem)) {
            return &read_user_fields[i];
        }
    }
    return NULL;
}

/* A number as oxt_xml_child_int reads one: anything else leaves it. */
static void read_number(long long *pv, const char *text)
{
    char *end;
    long long v;

    if (text == NULL) {
        return;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno == 0 && end != text && *end == '\0') {
        *pv = v;
    }
}

/* One field; the first of repeated scalars counts, as a lookup by name
 * found it, and the URL form of a server wins over the split one. */
static void read_user_set(oxt_ox_user_t *u, const ru_field_t *f,
                          const xmlNode *n, int *seen, apr_pool_t *p)
{
    char *at = (char *)u + f->off;
    const char *text;
    long long v;
    int idx = (int)(f - read_user_fields);

    if (f->kind == RU_LIST) {
        text = oxt_xml_text(n, p);
        if (text != NULL) {
            APR_ARRAY_PUSH(*(apr_array_header_t **)at, const char *) = text;
        }
        return;
    }
    if (seen[idx]++ || (f->kind == RU_SERVER && *(const char **)at)) {
        return;
    }
    text = oxt_xml_text(n, p);
    switch (f->kind) {
    case RU_INT:
        v = 0;
        read_number(&v, text);
        *(int *)at = (int)v;
        break;
    case RU_QUOTA:
        read_number((long long *)at, text);
        break;
    case RU_ADMIN:
        if (text != NULL) {
            *(int *)at = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
        }
        break;
    case RU_SERVER_URL:
        if (text == NULL) {
            seen[idx] = 0;          /* nil: the split field may answer */
            break;
        }
        /* fall through */
    default:
        *(const char **)at = text;
        break;
    }
}

/* The element after n, whatever its name. */
static const xmlNode *read_next(const xmlNode *n)
{
    n = n->next;
    while (n != NULL && n->type != XML_ELEMENT_NODE) {
        n = n->next;
    }
    return n;
}

static oxt_ox_user_t *read_user(const xmlNode *obj, apr_pool_t *p)
{
    oxt_ox_user_t *u = oxt_ox_user_make(p);
    int seen[sizeof(read_user_fields) / sizeof(read_user_fields[0])] = { 0 };
    const ru_field_t *f;
    const xmlNode *n;

    u->aliases = apr_array_make(p, 4, sizeof(const char *));
    for (n = oxt_xml_first(obj); n != NULL; n = read_next(n)) {
        f = read_user_field(n);
        if (f != NULL) {
            read_user_set(u, f, n, seen, p);
        }
    }
    return u;
}

/* A user of a list answer: OX sets the id alone. */
static oxt_ox_user_t *read_user_id(const xmlNode *obj, apr_pool_t *p)
{
    oxt_ox_user_t *u = oxt_ox_user_make(p);

    u->id = read_int(obj, "id", p);
    return u;
}

static apr_status_t decode_list(oxt_ox_op_t *op, const xmlNode *resp)
{
    const xmlNode *n = oxt_xml_child(resp, "return");
    apr_array_header_t *list = apr_array_make(op->p, 8, sizeof(void *));

    for (; n != NULL; n = oxt_xml_next(n, "return")) {
        if (op->kind == REPLY_CONTEXTS) {
            APR_ARRAY_PUSH(list, oxt_ox_context_t *) = read_context(n, op->p);
        }
        else {
            APR_ARRAY_PUSH(list, oxt_ox_user_t *) =
                op->kind == REPLY_USER_IDS ? read_user_id(n, op->p)
                                           : read_user(n, op->p);
        }
    }
    if (op->kind == REPLY_CONTEXTS) {
        op->reply.contexts = list;
    }
    else {
        op->reply.users = list;
    }
    return APR_SUCCESS;
}

static apr_status_t bad_reply(oxt_ox_op_t *op, const char *why)
{
    return oxt_result_set(op->reply.res, OXT_ESOAP_XML,
                          oxt_status_str(OXT_ESOAP_XML, op->p), "%s: %s",
                          op->name, why);
}

static apr_status_t decode_bool(oxt_ox_op_t *op, const xmlNode *ret)
{
    const char *text = oxt_xml_text(ret, op->p);

    if (text == NULL) {
        return bad_reply(op, "no boolean in the reply");
    }
    op->reply.exists = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
    return APR_SUCCESS;
}

static apr_status_t decode_int(oxt_ox_op_t *op, const xmlNode *ret)
{
    const char *text = ret ? oxt_xml_text(ret, op->p) : NULL;
    char *end = NULL;
    long long v;

    v = text != NULL ? apr_strtoi64(text, &end, 10) : 0;
    if (text == NULL || end == text || *end != '\0' || v <= 0
        || v > INT_MAX) {
        return bad_reply(op, "no id in the reply");
    }
    op->reply.number = v;
    return APR_SUCCESS;
}

static apr_status_t decode(oxt_ox_op_t *op, const xmlNode *resp)
{
    const xmlNode *ret = oxt_xml_child(resp, "return");

    switch (op->kind) {
    case REPLY_VOID:
        return APR_SUCCESS;
    case REPLY_CONTEXTS:
    case REPLY_USERS:
    case REPLY_USER_IDS:
        return decode_list(op, resp);
    case REPLY_BOOL:
        return decode_bool(op, ret);
    case REPLY_INT:
        return decode_int(op, ret);
    case REPLY_TEXT:
        /* nil (or nothing) means no name fits */
        op->reply.text = ret != NULL && !oxt_xml_is_nil(ret)
                         ? oxt_xml_text(ret, op->p) : NULL;
        return APR_SUCCESS;
    default:
        break;
    }
    if (ret == NULL || oxt_xml_is_nil(ret)) {
        return bad_reply(op, "no object in the reply");
    }
    if (op->kind == REPLY_CONTEXT) {
        op->reply.context = read_context(ret, op->p);
    }
    else {
        op->reply.user = read_user(ret, op->p);
    }
    return APR_SUCCESS;
}

static void op_decode(oxt_ox_op_t *op)
{
    op->reply.res = oxt_soap_call_result(op->call);
    op->reply.status = oxt_soap_call_status(op->call);
    if (op->reply.status == APR_SUCCESS) {
        op->reply.status = decode(op, oxt_soap_call_response(op->call));
    }
}

static void op_done(void *baton, oxt_soap_call_t *call)
{
    oxt_ox_op_t *op = baton;

    op_decode(op);
    if (op->cb != NULL) {
        op->cb(op->baton, op, &op->reply);
    }
}

apr_status_t oxt_ox_submit(oxt_ox_t *ox, oxt_ox_op_t *op,
                           oxt_ox_done_cb *cb, void *baton)
{
    op->cb = cb;
    op->baton = baton;
    return oxt_soap_client_submit(ox->client, op->call, op_done, op);
}

apr_status_t oxt_ox_call(const oxt_ox_reply_t **preply, oxt_ox_t *ox,
                         oxt_ox_op_t *op)
{
    apr_status_t rv = oxt_ox_submit(ox, op, NULL, NULL);

    if (rv == APR_SUCCESS) {
        rv = oxt_soap_client_run_until(ox->client, op->call);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *preply = &op->reply;
    return op->reply.status;
}

oxt_soap_call_t *oxt_ox_op_call(const oxt_ox_op_t *op)
{
    return op->call;
}

const char *oxt_ox_op_name(const oxt_ox_op_t *op)
{
    return op->name;
}

oxt_soap_client_t *oxt_ox_client(const oxt_ox_t *ox)
{
    return ox->client;
}
