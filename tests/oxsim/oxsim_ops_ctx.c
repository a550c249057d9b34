/*
 * oxsim_ops_ctx.c — OXContextService and OXResellerContextService
 * (docs/reference/ox-soap.md §4.1, §4.3): master or reseller
 * authentication, server-wide unique names and login mappings, the mapping
 * character rule, MB quotas.
 */
#include "oxsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_tables.h>

#define OXSIM_DEFAULT_COMBINATION "webmail_plus"   /* hosting.properties */

/* ---- module access from the request ---------------------------------- */

int oxsim_access_from_xml(oxsim_call_t *c, xmlNodePtr n, uint32_t *pmask)
{
    int i, on;

    *pmask = 0;
    for (i = 0; i < OXSIM_ACCESS_N; i++) {
        const char *v = oxsim_xml_field(c, n, oxsim_access_names[i]);
        if (v == NULL) {
            continue;   /* absent right = not granted */
        }
        if (oxsim_parse_bool(c, v, &on)) {
            return -1;
        }
        *pmask |= on ? (1u << i) : 0;
    }
    return 0;
}

int oxsim_access_from_name(oxsim_call_t *c, const char *name, uint32_t *pmask)
{
    if (name == NULL || *name == '\0') {
        oxsim_fault(c, "InvalidDataException", "Invalid access combination name");
        return -1;
    }
    if (oxsim_access_lookup(name, pmask)) {
        oxsim_fault(c, "InvalidDataException",
                    "No such access combination name \"%s\"", name);
        return -1;
    }
    return 0;
}

/* The access of a call that carries access_combination_name or access;
 * the context default when it carries neither. */
int oxsim_call_access(oxsim_call_t *c, uint32_t dflt, uint32_t *pmask)
{
    xmlNodePtr acc = oxsim_param(c, "access");

    if (strstr(c->op->params, "access_combination_name") != NULL) {
        return oxsim_access_from_name(
            c, oxsim_xml_text(c, oxsim_param(c, "access_combination_name")),
            pmask);
    }
    if (acc == NULL) {
        acc = oxsim_param(c, "moduleAccess");
    }
    if (acc != NULL) {
        return oxsim_access_from_xml(c, acc, pmask);
    }
    *pmask = dflt;
    return 0;
}

/* ---- login mappings (docs/reference/ox-soap.md §8) ----------------------- */

static int oxsim_mapping_char_ok(unsigned char ch, int unicode)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9') || strchr("$%.+_-", ch) != NULL
           || (unicode && ch >= 0x80);
}

/* CHECK_CONTEXT_LOGIN_MAPPING_REGEXP=[$%\.+a-zA-Z0-9_-]: OX reports every
 * character the class does not match, in order. */
static int oxsim_mapping_check(oxsim_call_t *c, const char *m)
{
    char *bad = apr_palloc(c->pool, strlen(m) + 1);
    size_t n = 0;

    for (; *m; m++) {
        if (!oxsim_mapping_char_ok((unsigned char)*m,
                                                 c->knobs.unicode_mappings)) {
            bad[n++] = *m;
        }
    }
    bad[n] = '\0';
    if (n > 0) {
        oxsim_fault(c, "InvalidDataException",
                    "Illegal chars: \"%s\" in login mapping", bad);
        return -1;
    }
    return 0;
}

static void oxsim_maps_add(apr_array_header_t *a, const char *m)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (!strcasecmp(APR_ARRAY_IDX(a, i, const char *), m)) {
            return;
        }
    }
    APR_ARRAY_PUSH(a, const char *) = m;
}

/* Checks chars and server-wide uniqueness of every mapping (self NULL on
 * create). The two texts are OX's: the insert of a new context's mappings
 * (OX's OXContextMySQLStorageCommon) and the check before a change
 * replaces them (OX's OXContextMySQLStorage.checkForExistingLoginMapping). */
static int oxsim_maps_check(oxsim_call_t *c, apr_array_header_t *a,
                            const oxsim_ctx_t *self)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        const char *m = APR_ARRAY_IDX(a, i, const char *);
        oxsim_ctx_t *other;
        if (oxsim_mapping_check(c, m)) {
            return -1;
        }
        other = oxsim_ctx_by_mapping(m);
        if (other == NULL || other == self) {
            continue;
        }
        if (self == NULL) {
            oxsim_fault(c, "StorageException", "Cannot map '%s' to the newly "
                        "created context. This mapping is already in use.", m);
        } else {
            oxsim_fault(c, "StorageException", "A mapping with login info "
                        "\"%s\" already exists in the system!", m);
        }
        return -1;
    }
    return 0;
}

static void oxsim_maps_given(oxsim_call_t *c, xmlNodePtr ctxn,
                             apr_array_header_t *a, int *pgiven)
{
    xmlNodePtr n;

    *pgiven = 0;
    for (n = ctxn ? ctxn->children : NULL; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE
            && !xmlStrcmp(n->name, BAD_CAST "loginMappings")
            && !oxsim_xml_is_nil(n)) {
            const char *m = oxsim_xml_text(c, n);
            *pgiven = 1;
            if (*m != '\0') {
                oxsim_maps_add(a, m);
            }
        }
    }
}

/* ---- look-ups --------------------------------------------------------- */

/* Resolves the ctx parameter of change/delete/getData/...: by id, else by
 * name (OXContext.setIdOrGetIDFromNameAndIdObject). */
static oxsim_ctx_t *oxsim_ctx_target(oxsim_call_t *c)
{
    xmlNodePtr ctxn = oxsim_param(c, "ctx");
    const char *id, *name;
    oxsim_ctx_t *ctx;

    if (oxsim_auth_master(c)) {
        return NULL;
    }
    ctx = oxsim_find_ctx(c, ctxn);
    if (c->faulted) {
        return NULL;
    }
    if (ctx == NULL) {
        id = oxsim_xml_field(c, ctxn, "id");
        name = oxsim_xml_field(c, ctxn, "name");
        oxsim_fault(c, "NoSuchContextException", "Context %s does not exist",
                    id ? id : name ? name : "null");
        return NULL;
    }
    return oxsim_ctx_owner_ok(c, ctx) ? ctx : NULL;
}

static int oxsim_ctx_visible(oxsim_call_t *c, const oxsim_ctx_t *ctx)
{
    return !c->auth_reseller
           || (ctx->owner != NULL && !strcmp(ctx->owner, c->auth_login));
}

/* ---- create ----------------------------------------------------------- */

static int oxsim_ctx_create_args(oxsim_call_t *c, xmlNodePtr ctxn,
                                 long long *pid, long long *pquota)
{
    const char *id = oxsim_xml_field(c, ctxn, "id");
    const char *q = oxsim_xml_field(c, ctxn, "maxQuota");

    if (ctxn == NULL || q == NULL) {
        oxsim_fault(c, "InvalidDataException",
                    "Mandatory fields in context not set: maxQuota");
        return -1;
    }
    if (oxsim_parse_long(c, q, pquota)) {
        return -1;
    }
    *pid = 0;   /* no id: the server assigns one */
    if (id != NULL && oxsim_parse_long(c, id, pid)) {
        return -1;
    }
    if (*pid < 0 || *pid > 2147483647LL) {
        oxsim_client_fault(c, "Unmarshalling Error: Value out of range. "
                           "Value:\"%s\" ", id);
        return -1;
    }
    return 0;
}

static int oxsim_ctx_unique(oxsim_call_t *c, long long id, const char *name)
{
    if (id > 0 && oxsim_ctx_by_id((int)id) != NULL) {
        oxsim_fault(c, "ContextExistsException", "Context %lld already exists!",
                    id);
        return -1;
    }
    if (name != NULL && oxsim_ctx_by_name(name) != NULL) {
        oxsim_fault(c, "ContextExistsException", "Context %s already exists!",
                    name);
        return -1;
    }
    return 0;
}

static void oxsim_op_ctx_create(oxsim_call_t *c)
{
    xmlNodePtr ctxn = oxsim_param(c, "ctx");
    oxsim_udata_t ud;
    apr_array_header_t *maps = apr_array_make(c->pool, 4, sizeof(char *));
    long long id, quota;
    const char *name;
    uint32_t access, dflt = 0;
    oxsim_ctx_t *ctx;
    int given;

    if (oxsim_auth_master(c) || oxsim_ctx_create_args(c, ctxn, &id, &quota)
        || oxsim_udata_parse(c, oxsim_param(c, "admin_user"), &ud)
        || oxsim_udata_check_new(c, NULL, &ud, 1)) {
        return;
    }
    name = oxsim_xml_field(c, ctxn, "name");
    if (oxsim_ctx_unique(c, id, name)) {
        return;
    }
    oxsim_access_lookup(OXSIM_DEFAULT_COMBINATION, &dflt);
    if (oxsim_call_access(c, dflt, &access)) {
        return;
    }
    id = id > 0 ? id : oxsim_ctx_next_id();
    name = name ? name : apr_psprintf(c->pool, "%d", (int)id);
    /* createcommon adds the id and the name to the mappings */
    oxsim_maps_given(c, ctxn, maps, &given);
    oxsim_maps_add(maps, apr_psprintf(c->pool, "%d", (int)id));
    oxsim_maps_add(maps, name);
    if (oxsim_maps_check(c, maps, NULL)) {
        return;
    }
    ctx = oxsim_ctx_add((int)id, name, quota);
    oxsim_ctx_set_mappings(ctx, (char **)maps->elts, maps->nelts);
    ctx->owner = c->auth_reseller ? strdup(c->auth_login) : NULL;
    ctx->access = access;
    ctx->admin_id = oxsim_udata_create(c, ctx, &ud, 1, access)->id;
    oxsim_emit_ctx(c, ctx, 1);
}

/* ---- change ---------------------------------------------------------- */

static int oxsim_ctx_new_name(oxsim_call_t *c, oxsim_ctx_t *ctx,
                              const char *name)
{
    oxsim_ctx_t *other = oxsim_ctx_by_name(name);

    if (other != NULL && other != ctx) {
        oxsim_fault(c, "InvalidDataException", "Context %s already exists!",
                    name);
        return -1;
    }
    return 0;
}

/* Login mappings change only when the request carries them; then the
 * set becomes those given plus the context's (new) name, the id mapping
 * staying as it is (OX's OXContextMySQLStorage.changeLoginMappingsForContext:
 * no mappings, no change, even of the name's). */
static void oxsim_op_ctx_change(oxsim_call_t *c)
{
    xmlNodePtr ctxn = oxsim_param(c, "ctx");
    oxsim_ctx_t *ctx = oxsim_ctx_target(c);
    apr_array_header_t *maps = apr_array_make(c->pool, 4, sizeof(char *));
    const char *name, *q;
    long long quota = 0;
    int given;

    if (ctx == NULL) {
        return;
    }
    /* with an id the name is a new name; without one it identified ctx */
    name = oxsim_xml_field(c, ctxn, "id") ? oxsim_xml_field(c, ctxn, "name")
                                          : NULL;
    q = oxsim_xml_field(c, ctxn, "maxQuota");
    if ((q && oxsim_parse_long(c, q, &quota))
        || (name && oxsim_ctx_new_name(c, ctx, name))) {
        return;
    }
    oxsim_maps_given(c, ctxn, maps, &given);
    if (given) {
        oxsim_maps_add(maps, apr_psprintf(c->pool, "%d", ctx->id));
        oxsim_maps_add(maps, name ? name : ctx->name);
        if (oxsim_maps_check(c, maps, ctx)) {
            return;
        }
    }
    if (name != NULL && strcmp(name, ctx->name)) {
        oxsim_ctx_rename(ctx, name);
    }
    if (given) {
        oxsim_ctx_set_mappings(ctx, (char **)maps->elts, maps->nelts);
    }
    if (q != NULL) {
        ctx->max_quota_mb = quota;
    }
}

/* ---- the rest -------------------------------------------------------- */

static void oxsim_op_ctx_delete(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_ctx_target(c);

    if (ctx != NULL) {
        oxsim_ctx_remove(ctx);
    }
}

static void oxsim_op_ctx_getdata(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_ctx_target(c);

    /* "DO NOT RETURN THE CONTEXT ID AS A MAPPING" (OX's
     * OXContextMySQLStorageCommon.getData) */
    if (ctx != NULL) {
        oxsim_emit_ctx(c, ctx, 0);
    }
}

static void oxsim_op_ctx_exists(oxsim_call_t *c)
{
    xmlNodePtr ctxn = oxsim_param(c, "ctx");
    oxsim_ctx_t *ctx;

    if (oxsim_auth_master(c)) {
        return;
    }
    if (oxsim_xml_field(c, ctxn, "id") == NULL
        && oxsim_xml_field(c, ctxn, "name") == NULL) {
        oxsim_fault(c, "InvalidDataException",
                    "neither id or name is set in supplied context object");
        return;
    }
    ctx = oxsim_find_ctx(c, ctxn);
    if (!c->faulted) {
        oxsim_emit_scalar(c, ctx ? "true" : "false");
    }
}

static int oxsim_ctx_matches(const oxsim_ctx_t *ctx, const char *pat)
{
    char id[32];
    int i;

    snprintf(id, sizeof(id), "%d", ctx->id);
    if (oxsim_like(pat, ctx->name, 1) || oxsim_like(pat, id, 1)) {
        return 1;
    }
    for (i = 0; i < ctx->nmappings; i++) {
        if (oxsim_like(pat, ctx->mappings[i], 1)) {
            return 1;
        }
    }
    return 0;
}

static void oxsim_op_ctx_list(oxsim_call_t *c)
{
    const char *pat = oxsim_xml_text(c, oxsim_param(c, "search_pattern"));
    oxsim_ctx_t *ctx;

    if (oxsim_auth_master(c)) {
        return;
    }
    if (pat == NULL || *pat == '\0') {
        pat = "*";
    }
    for (ctx = oxsim_ctx_first(); ctx != NULL; ctx = ctx->next) {
        if (oxsim_ctx_visible(c, ctx) && oxsim_ctx_matches(ctx, pat)) {
            oxsim_emit_ctx(c, ctx, 1);
        }
    }
}

static void oxsim_ctx_set_enabled(oxsim_call_t *c, int all, int on)
{
    oxsim_ctx_t *ctx;

    if (!all) {
        ctx = oxsim_ctx_target(c);
        if (ctx != NULL) {
            ctx->enabled = on;
        }
        return;
    }
    if (oxsim_auth_master(c)) {
        return;
    }
    for (ctx = oxsim_ctx_first(); ctx != NULL; ctx = ctx->next) {
        if (oxsim_ctx_visible(c, ctx)) {
            ctx->enabled = on;
        }
    }
}

static void oxsim_op_ctx_enable(oxsim_call_t *c)
{
    oxsim_ctx_set_enabled(c, 0, 1);
}

static void oxsim_op_ctx_disable(oxsim_call_t *c)
{
    oxsim_ctx_set_enabled(c, 0, 0);
}

static void oxsim_op_ctx_enable_all(oxsim_call_t *c)
{
    oxsim_ctx_set_enabled(c, 1, 1);
}

static void oxsim_op_ctx_disable_all(oxsim_call_t *c)
{
    oxsim_ctx_set_enabled(c, 1, 0);
}

static oxsim_user_t *oxsim_ctx_admin(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_ctx_target(c);

    return ctx ? oxsim_user_by_id(ctx, ctx->admin_id) : NULL;
}

static void oxsim_op_ctx_get_access(oxsim_call_t *c)
{
    oxsim_user_t *adm = oxsim_ctx_admin(c);

    if (adm != NULL) {
        oxsim_emit_access(c, adm->access);
    }
}

static void oxsim_op_ctx_get_combo(oxsim_call_t *c)
{
    oxsim_user_t *adm = oxsim_ctx_admin(c);

    if (adm != NULL) {
        oxsim_emit_scalar(c, oxsim_access_name_of(adm->access, 1));
    }
}

static void oxsim_op_ctx_admin_id(oxsim_call_t *c)
{
    oxsim_user_t *adm = oxsim_ctx_admin(c);
    char num[32];

    if (adm != NULL) {
        snprintf(num, sizeof(num), "%d", adm->id);
        oxsim_emit_scalar(c, num);
    }
}

/* Rewrites every user: the admin gets the full set, the others lose
 * publicfoldereditable (docs/reference/ox-soap.md §7). */
static void oxsim_op_ctx_change_access(oxsim_call_t *c)
{
    oxsim_ctx_t *ctx = oxsim_ctx_target(c);
    oxsim_user_t *u;
    uint32_t mask;

    if (ctx == NULL || oxsim_call_access(c, 0, &mask)) {
        return;
    }
    ctx->access = mask;
    for (u = ctx->users; u != NULL; u = u->next) {
        u->access = u->is_admin ? mask : (mask & ~OXSIM_ACCESS_PFE);
    }
}

/* downgrade deletes data of modules no longer granted; the emulator keeps
 * no module data, so only the context check remains. */
static void oxsim_op_ctx_downgrade(oxsim_call_t *c)
{
    (void)oxsim_ctx_target(c);
}

#define OXSIM_CS (OXSIM_SVC_CONTEXT | OXSIM_SVC_RCONTEXT)
#define OXSIM_CREATE_TAIL "auth:Credentials,schema_select_strategy:SchemaSelectStrategy"
const oxsim_op_t oxsim_ctx_ops[] = {
    { OXSIM_CS, "create", "ctx:Context,admin_user:User," OXSIM_CREATE_TAIL,
      oxsim_op_ctx_create },
    { OXSIM_CS, "createModuleAccess", "ctx:Context,admin_user:User,"
      "access:UserModuleAccess," OXSIM_CREATE_TAIL, oxsim_op_ctx_create },
    { OXSIM_CS, "createModuleAccessByName", "ctx:Context,admin_user:User,"
      "access_combination_name:string," OXSIM_CREATE_TAIL, oxsim_op_ctx_create },
    { OXSIM_CS, "change", "ctx:Context,auth:Credentials", oxsim_op_ctx_change },
    { OXSIM_CS, "changeModuleAccess", "ctx:Context,access:UserModuleAccess,"
      "auth:Credentials", oxsim_op_ctx_change_access },
    { OXSIM_CS, "changeModuleAccessByName", "ctx:Context,"
      "access_combination_name:string,auth:Credentials",
      oxsim_op_ctx_change_access },
    { OXSIM_CS, "delete", "ctx:Context,auth:Credentials", oxsim_op_ctx_delete },
    { OXSIM_CS, "getData", "ctx:Context,auth:Credentials", oxsim_op_ctx_getdata },
    { OXSIM_CS, "exists", "ctx:Context,auth:Credentials", oxsim_op_ctx_exists },
    { OXSIM_CS, "list", "search_pattern:string,auth:Credentials",
      oxsim_op_ctx_list },
    { OXSIM_CS, "listAll", "auth:Credentials", oxsim_op_ctx_list },
    { OXSIM_CS, "enable", "ctx:Context,auth:Credentials", oxsim_op_ctx_enable },
    { OXSIM_CS, "disable", "ctx:Context,auth:Credentials", oxsim_op_ctx_disable },
    { OXSIM_CS, "enableAll", "auth:Credentials", oxsim_op_ctx_enable_all },
    { OXSIM_CS, "disableAll", "auth:Credentials", oxsim_op_ctx_disable_all },
    { OXSIM_CS, "getModuleAccess", "ctx:Context,auth:Credentials",
      oxsim_op_ctx_get_access },
    { OXSIM_CS, "getAccessCombinationName", "ctx:Context,auth:Credentials",
      oxsim_op_ctx_get_combo },
    { OXSIM_CS, "getAdminId", "ctx:Context,auth:Credentials",
      oxsim_op_ctx_admin_id },
    { OXSIM_CS, "downgrade", "ctx:Context,auth:Credentials",
      oxsim_op_ctx_downgrade },
    { 0, NULL, NULL, NULL }
};
