/*
 * oxsim_soap.c — SOAP envelope in, SOAP envelope out.
 *
 * Parsing follows what OX accepts (docs/reference/ox-soap.md §2): dispatch
 * by the Body element's local name (SOAPAction is ignored), parameters
 * matched by local name whatever their namespace, and the "generic" names
 * of SOAP::Lite (c-gensymN) and PHP SoapClient (paramN) mapped by xsi:type
 * or position.
 * libxml2 runs without entity substitution, DTD loading or network, and a
 * document with a DOCTYPE is refused before it is parsed at all.
 */
#include "oxsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <libxml/parser.h>

#define OXSIM_NS_SOAPENV "http://schemas.xmlsoap.org/soap/envelope/"
#define OXSIM_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define OXSIM_NS_STD "http://soap.admin.openexchange.com"
#define OXSIM_NS_RES "http://soap.reseller.admin.openexchange.com"
#define OXSIM_NS_DO "http://dataobjects.soap.admin.openexchange.com/xsd"
#define OXSIM_NS_RDO "http://dataobjects.soap.reseller.admin.openexchange.com/xsd"
#define OXSIM_NS_EXC "http://exceptions.rmi.admin.openexchange.com/xsd"

static const struct {
    const char *name;
    oxsim_service_t svc;
} oxsim_services[] = {
    { "OXContextService", OXSIM_SVC_CONTEXT },
    { "OXUserService", OXSIM_SVC_USER },
    { "OXResellerContextService", OXSIM_SVC_RCONTEXT },
    { "OXResellerUserService", OXSIM_SVC_RUSER },
    { NULL, 0 }
};

/* ---- faults ------------------------------------------------------------ */

static void oxsim_vfault(oxsim_call_t *c, const char *code, const char *type,
                         const char *fmt, va_list ap)
{
    if (c->faulted) {
        return;   /* the first problem found is the one OX reports */
    }
    c->faulted = 1;
    c->fault_code = code;
    c->fault_type = type;
    vsnprintf(c->fault_msg, sizeof(c->fault_msg), fmt, ap);
}

void oxsim_fault(oxsim_call_t *c, const char *type, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    oxsim_vfault(c, "soap:Server", type, fmt, ap);
    va_end(ap);
}

void oxsim_client_fault(oxsim_call_t *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    oxsim_vfault(c, "soap:Client", NULL, fmt, ap);
    va_end(ap);
}

static void oxsim_envelope_open(oxsim_buf_t *out)
{
    oxsim_buf_puts(out, "<soap:Envelope xmlns:soap=\"" OXSIM_NS_SOAPENV
                   "\"><soap:Body>");
}

static void oxsim_envelope_close(oxsim_buf_t *out)
{
    oxsim_buf_puts(out, "</soap:Body></soap:Envelope>");
}

/* Fault shape of the [DBP] fixture (docs/reference/ox-soap.md §6): the exception element in the
 * service namespace wrapping the typed exception. OX's CXF layer often
 * sends the message text alone (the message is the only reliable
 * discriminator), which the fault_detail knob reproduces. */
static void oxsim_write_fault(const char *code, const char *type,
                              const char *msg, const char *svc_ns,
                              int detail, oxsim_buf_t *out)
{
    char suffix[64] = "";

    if (type != NULL) {
        oxsim_cfg_exception_id(suffix, sizeof(suffix));
    }
    oxsim_envelope_open(out);
    oxsim_buf_printf(out, "<soap:Fault><faultcode>%s</faultcode><faultstring>",
                     code);
    oxsim_buf_xml(out, msg);
    oxsim_buf_xml(out, suffix);
    oxsim_buf_puts(out, "</faultstring>");
    if (type != NULL && detail) {
        oxsim_buf_printf(out, "<detail><%s xmlns=\"%s\" xmlns:ns5=\""
                         OXSIM_NS_EXC "\" xmlns:xsi=\"" OXSIM_NS_XSI
                         "\"><%s><Exception xsi:nil=\"true\"/>",
                         type, svc_ns, type);
        if (!strcmp(type, "InvalidDataException")) {
            oxsim_buf_puts(out, "<ns5:objectname xsi:nil=\"true\"/>");
        }
        oxsim_buf_printf(out, "</%s></%s></detail>", type, type);
    }
    oxsim_buf_puts(out, "</soap:Fault>");
    oxsim_envelope_close(out);
}

void oxsim_soap_injected_fault(const char *service, oxsim_buf_t *out)
{
    const char *ns = strstr(service, "Reseller") ? OXSIM_NS_RES : OXSIM_NS_STD;
    oxsim_knobs_t k;

    oxsim_cfg_snapshot(&k);
    /* The retryable fault OX really sends while a schema is updated. */
    oxsim_write_fault("soap:Server", "DatabaseUpdateException",
                      "Database is locked or is now beeing updated, please "
                      "try again later", ns, k.fault_detail, out);
}

/* ---- XML helpers ------------------------------------------------------- */

int oxsim_xml_is_nil(xmlNodePtr n)
{
    xmlChar *v = xmlGetNsProp(n, BAD_CAST "nil", BAD_CAST OXSIM_NS_XSI);
    int nil = v && (!xmlStrcmp(v, BAD_CAST "true") || !xmlStrcmp(v, BAD_CAST "1"));

    xmlFree(v);
    return nil;
}

static xmlNodePtr oxsim_first_elem(xmlNodePtr n)
{
    for (; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            return n;
        }
    }
    return NULL;
}

xmlNodePtr oxsim_xml_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr n;

    if (parent == NULL) {
        return NULL;
    }
    for (n = oxsim_first_elem(parent->children); n != NULL;
         n = oxsim_first_elem(n->next)) {
        if (!xmlStrcmp(n->name, BAD_CAST name)) {
            return oxsim_xml_is_nil(n) ? NULL : n;
        }
    }
    return NULL;
}

const char *oxsim_xml_text(oxsim_call_t *c, xmlNodePtr n)
{
    xmlNodePtr t;
    char *s = "";

    if (n == NULL || oxsim_xml_is_nil(n)) {
        return NULL;
    }
    /* Only text and CDATA count: there are no entity nodes, DTDs being
     * refused, so nothing here can expand. */
    for (t = n->children; t != NULL; t = t->next) {
        if (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) {
            s = apr_pstrcat(c->pool, s, (const char *)t->content, NULL);
        }
    }
    return s;
}

const char *oxsim_xml_field(oxsim_call_t *c, xmlNodePtr parent,
                            const char *name)
{
    return oxsim_xml_text(c, oxsim_xml_child(parent, name));
}

/* CXF answers unparsable numbers with an unmarshalling fault. */
int oxsim_parse_long(oxsim_call_t *c, const char *s, long long *pv)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    while (end && (*end == ' ' || *end == '\n' || *end == '\t')) {
        end++;
    }
    if (errno || end == s || *end != '\0') {
        oxsim_client_fault(c, "Unmarshalling Error: For input string: \"%s\" ",
                           s);
        return -1;
    }
    *pv = v;
    return 0;
}

int oxsim_parse_bool(oxsim_call_t *c, const char *s, int *pv)
{
    if (!strcmp(s, "true") || !strcmp(s, "1")) {
        *pv = 1;
    } else if (!strcmp(s, "false") || !strcmp(s, "0")) {
        *pv = 0;
    } else {
        oxsim_client_fault(c, "Unmarshalling Error: For input string: \"%s\" ",
                           s);
        return -1;
    }
    return 0;
}

xmlNodePtr oxsim_param(oxsim_call_t *c, const char *name)
{
    int i;

    for (i = 0; i < c->nparams; i++) {
        if (!strcmp(c->pname[i], name)) {
            return c->param[i];
        }
    }
    return NULL;
}

/* ---- parameter binding -------------------------------------------------- */

static int oxsim_is_generic(const xmlChar *name)
{
    const char *n = (const char *)name;
    const char *digits = NULL;

    if (!strncmp(n, "c-gensym", 8)) {
        digits = n + 8;
    } else if (!strncmp(n, "param", 5)) {
        digits = n + 5;
    }
    if (digits == NULL || *digits == '\0') {
        return 0;
    }
    return strspn(digits, "0123456789") == strlen(digits);
}

/* Splits "ctx:Context,auth:Credentials" into names and types. */
static void oxsim_split_params(oxsim_call_t *c, const char **types)
{
    char *spec = apr_pstrdup(c->pool, c->op->params), *last = NULL, *tok;

    c->nparams = 0;
    for (tok = apr_strtok(spec, ",", &last); tok && c->nparams < OXSIM_MAX_PARAMS;
         tok = apr_strtok(NULL, ",", &last)) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        c->pname[c->nparams] = tok;
        types[c->nparams] = colon + 1;
        c->param[c->nparams++] = NULL;
    }
}

static const char *oxsim_xsi_type(oxsim_call_t *c, xmlNodePtr n)
{
    xmlChar *v = xmlGetNsProp(n, BAD_CAST "type", BAD_CAST OXSIM_NS_XSI);
    const char *colon, *r;

    if (v == NULL) {
        return NULL;
    }
    colon = strchr((const char *)v, ':');
    r = apr_pstrdup(c->pool, colon ? colon + 1 : (const char *)v);
    xmlFree(v);
    return r;
}

/* A generic element goes to the one free parameter of its xsi:type, else
 * to the parameter at its position, else to the first free one. */
static void oxsim_bind_generic(oxsim_call_t *c, const char **types,
                               xmlNodePtr n, int pos)
{
    const char *t = oxsim_xsi_type(c, n);
    int i, hit = -1, hits = 0;

    for (i = 0; t != NULL && i < c->nparams; i++) {
        if (c->param[i] == NULL && !strcmp(types[i], t)) {
            hit = i;
            hits++;
        }
    }
    if (hits != 1) {
        hit = (pos < c->nparams && c->param[pos] == NULL) ? pos : -1;
    }
    for (i = 0; hit < 0 && i < c->nparams; i++) {
        if (c->param[i] == NULL) {
            hit = i;
        }
    }
    if (hit >= 0) {
        c->param[hit] = n;
    }
}

static void oxsim_bind_params(oxsim_call_t *c, xmlNodePtr opn)
{
    const char *types[OXSIM_MAX_PARAMS];
    xmlNodePtr n;
    int i, pos = 0;

    oxsim_split_params(c, types);
    for (n = oxsim_first_elem(opn->children); n != NULL;
         n = oxsim_first_elem(n->next), pos++) {
        for (i = 0; i < c->nparams; i++) {
            if (!xmlStrcmp(n->name, BAD_CAST c->pname[i])) {
                break;
            }
        }
        if (i < c->nparams && c->param[i] == NULL) {
            c->param[i] = n;
        }
    }
    for (n = oxsim_first_elem(opn->children), pos = 0; n != NULL;
         n = oxsim_first_elem(n->next), pos++) {
        if (oxsim_is_generic(n->name)) {
            oxsim_bind_generic(c, types, n, pos);
        }
    }
    /* an explicit xsi:nil parameter is the same as an absent one */
    for (i = 0; i < c->nparams; i++) {
        if (c->param[i] != NULL && oxsim_xml_is_nil(c->param[i])) {
            c->param[i] = NULL;
        }
    }
}

/* ---- dispatch --------------------------------------------------------- */

static const oxsim_op_t *oxsim_find_op(oxsim_service_t svc, const char *name)
{
    const oxsim_op_t *tables[] = { oxsim_ctx_ops, oxsim_user_ops };
    size_t t;
    int i;

    for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        for (i = 0; tables[t][i].name; i++) {
            if ((tables[t][i].services & svc)
                && !strcmp(tables[t][i].name, name)) {
                return &tables[t][i];
            }
        }
    }
    return NULL;
}

static xmlNodePtr oxsim_body_op(xmlDocPtr doc)
{
    xmlNodePtr env = xmlDocGetRootElement(doc), n;

    if (env == NULL || xmlStrcmp(env->name, BAD_CAST "Envelope")) {
        return NULL;
    }
    for (n = oxsim_first_elem(env->children); n != NULL;
         n = oxsim_first_elem(n->next)) {
        if (!xmlStrcmp(n->name, BAD_CAST "Body")) {
            return oxsim_first_elem(n->children);
        }
    }
    return NULL;
}

static void oxsim_write_response(oxsim_call_t *c, oxsim_buf_t *out)
{
    oxsim_envelope_open(out);
    oxsim_buf_printf(out, "<%sResponse xmlns=\"%s\" xmlns:ns2=\"" OXSIM_NS_DO
                     "\" xmlns:xsi=\"" OXSIM_NS_XSI "\"%s",
                     c->op->name, c->svc_ns,
                     c->reseller ? " xmlns:ns3=\"" OXSIM_NS_RDO "\"" : "");
    if (c->body.len == 0) {
        oxsim_buf_puts(out, "/>");
    } else {
        oxsim_buf_puts(out, ">");
        oxsim_buf_add(out, c->body.s, c->body.len);
        oxsim_buf_printf(out, "</%sResponse>", c->op->name);
    }
    oxsim_envelope_close(out);
}

static xmlDocPtr oxsim_parse(const char *req, size_t len)
{
    /* SOAP 1.1 forbids a DTD; refusing any DOCTYPE up front keeps entity
     * tricks (billion laughs, external entities) out of the parser. */
    if (len > 0 && memmem(req, len, "<!DOCTYPE", 9) != NULL) {
        return NULL;
    }
    return xmlReadMemory(req, (int)len, "request.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR
                         | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

static void oxsim_run(oxsim_call_t *c, xmlDocPtr doc)
{
    xmlNodePtr opn = oxsim_body_op(doc);

    if (opn == NULL) {
        oxsim_client_fault(c, "No such operation: (HTTP GET PATH_INFO: %s)",
                           c->service_name);
        return;
    }
    c->op = oxsim_find_op(c->service, (const char *)opn->name);
    if (c->op == NULL) {
        const char *ns = opn->ns ? (const char *)opn->ns->href : "";
        oxsim_client_fault(c, "Message part {%s}%s was not recognized.  "
                           "(Does it exist in service WSDL?)", ns,
                           (const char *)opn->name);
        return;
    }
    oxsim_count_call(c->service_name, c->op->name);
    oxsim_bind_params(c, opn);
    oxsim_store_lock();
    c->op->fn(c);
    oxsim_store_unlock();
}

void oxsim_soap_handle(const char *service, const char *req, size_t reqlen,
                       int *pstatus, oxsim_buf_t *out)
{
    oxsim_call_t c;
    xmlDocPtr doc = NULL;
    int i;

    memset(&c, 0, sizeof(c));
    oxsim_cfg_snapshot(&c.knobs);
    for (i = 0; oxsim_services[i].name; i++) {
        if (!strcmp(oxsim_services[i].name, service)) {
            c.service = oxsim_services[i].svc;
            c.service_name = oxsim_services[i].name;
        }
    }
    if (c.service == 0) {
        *pstatus = 404;
        oxsim_buf_puts(out, "No service was found.\n");
        return;
    }
    apr_pool_create(&c.pool, NULL);
    c.reseller = (c.service & (OXSIM_SVC_RCONTEXT | OXSIM_SVC_RUSER)) != 0;
    c.svc_ns = c.reseller ? OXSIM_NS_RES : OXSIM_NS_STD;
    oxsim_buf_init(&c.body);
    doc = oxsim_parse(req, reqlen);
    if (doc == NULL) {
        oxsim_count(OXSIM_CNT_REJECTED_XML, 1);
        oxsim_client_fault(&c, "Error reading XMLStreamReader: the request "
                           "is not well-formed XML or contains a DTD");
    } else {
        oxsim_run(&c, doc);
        xmlFreeDoc(doc);
    }
    if (c.faulted) {
        oxsim_count(OXSIM_CNT_FAULTS_RETURNED, 1);
        *pstatus = 500;
        oxsim_write_fault(c.fault_code, c.fault_type, c.fault_msg, c.svc_ns,
                          c.knobs.fault_detail, out);
    } else {
        *pstatus = 200;
        oxsim_write_response(&c, out);
    }
    oxsim_buf_free(&c.body);
    apr_pool_destroy(c.pool);
}

/* ---- authentication (docs/reference/ox-soap.md §4) ----------------------- */

static void oxsim_auth_creds(oxsim_call_t *c, const char **plogin,
                             const char **ppass)
{
    xmlNodePtr auth = oxsim_param(c, "auth");

    *plogin = oxsim_xml_field(c, auth, "login");
    *ppass = oxsim_xml_field(c, auth, "password");
}

/* Context services: the master account, or on the reseller services a
 * reseller (sub-admin) account. OX hands every login that is not the
 * master's to its reseller plugin, whose refusal is written in lower case
 * (OX's ResellerAuth: "authentication failed"). The master passes on the
 * reseller services too: the plugin's hooks step aside for it
 * (OX's OXResellerContextImpl, "isMasterAdmin"). */
int oxsim_auth_master(oxsim_call_t *c)
{
    const char *login, *pass;

    oxsim_auth_creds(c, &login, &pass);
    if (oxsim_cfg_is_master(login, pass)) {
        c->auth_master = 1;
    } else if (c->reseller && login != NULL
               && !oxsim_cfg_is_master_login(login)) {
        if (!oxsim_cfg_is_reseller(login, pass)) {
            oxsim_fault(c, "InvalidCredentialsException",
                        "authentication failed");
            return -1;
        }
        c->auth_reseller = 1;
    } else {
        oxsim_fault(c, "InvalidCredentialsException", "Authentication failed");
        return -1;
    }
    c->auth_login = login;
    return 0;
}

oxsim_ctx_t *oxsim_find_ctx(oxsim_call_t *c, xmlNodePtr ctxn)
{
    const char *id = oxsim_xml_field(c, ctxn, "id");
    const char *name = oxsim_xml_field(c, ctxn, "name");
    long long v;

    if (id != NULL) {
        if (oxsim_parse_long(c, id, &v)) {
            return NULL;
        }
        return oxsim_ctx_by_id((int)v);
    }
    return name ? oxsim_ctx_by_name(name) : NULL;
}

static int oxsim_ctx_admin_ok(oxsim_ctx_t *ctx, const char *login,
                              const char *pass)
{
    oxsim_user_t *adm = oxsim_user_by_id(ctx, ctx->admin_id);
    const char *n, *p;

    if (adm == NULL || login == NULL || pass == NULL) {
        return 0;
    }
    n = oxsim_user_getn(adm, "name");
    p = oxsim_user_getn(adm, "password");
    return n && p && !strcmp(n, login) && !strcmp(p, pass);
}

/* With MASTER_ACCOUNT_OVERRIDE, OX lets the master, and on the reseller
 * services the reseller owning the context, act as its admin
 * (OX's BasicAuthenticator.isMasterOfContext: false without the
 * override, whoever asks). Returns 1 when that applies (and sets the
 * fault when the password is wrong), 0 when the caller is no master. */
static int oxsim_auth_as_master(oxsim_call_t *c, const oxsim_ctx_t *ctx,
                                const char *login, const char *pass)
{
    if (!c->knobs.master_override || login == NULL) {
        return 0;
    }
    if (oxsim_cfg_is_master_login(login)) {
        if (oxsim_cfg_is_master(login, pass)) {
            c->auth_master = 1;
        } else {
            oxsim_fault(c, "InvalidCredentialsException",
                        "Authentication failed");
        }
        return 1;
    }
    if (c->reseller && ctx->owner != NULL && !strcmp(ctx->owner, login)) {
        if (oxsim_cfg_is_reseller(login, pass)) {
            c->auth_reseller = 1;
        } else {
            oxsim_fault(c, "InvalidCredentialsException",
                        "authentication failed");
        }
        return 1;
    }
    return 0;
}

/* User services: the context admin of that context, with the password it
 * has now (a changed admin password changes what authenticates); the
 * master or the owning reseller only with MASTER_ACCOUNT_OVERRIDE. A
 * missing context is "Authentication failed" too — OX deliberately does
 * not say NoSuchContext here. */
oxsim_ctx_t *oxsim_auth_context_user(oxsim_call_t *c)
{
    const char *login, *pass;
    oxsim_ctx_t *ctx;

    oxsim_auth_creds(c, &login, &pass);
    ctx = oxsim_find_ctx(c, oxsim_param(c, "ctx"));
    if (c->faulted) {
        return NULL;
    }
    c->auth_login = login;
    if (ctx != NULL && oxsim_ctx_admin_ok(ctx, login, pass)) {
        return ctx;
    }
    if (ctx != NULL && oxsim_auth_as_master(c, ctx, login, pass)) {
        return c->faulted ? NULL : ctx;
    }
    oxsim_fault(c, "InvalidCredentialsException", "Authentication failed");
    return NULL;
}

int oxsim_ctx_owner_ok(oxsim_call_t *c, oxsim_ctx_t *ctx)
{
    if (!c->auth_reseller) {
        return 1;
    }
    if (ctx->owner != NULL && !strcmp(ctx->owner, c->auth_login)) {
        return 1;
    }
    oxsim_fault(c, "StorageException", "ContextID %d does not belong to %s",
                ctx->id, c->auth_login);
    return 0;
}

/* ---- response objects ------------------------------------------------ */

void oxsim_emit_scalar(oxsim_call_t *c, const char *val)
{
    if (val == NULL) {
        oxsim_buf_puts(&c->body, "<return xsi:nil=\"true\"/>");
        return;
    }
    oxsim_buf_puts(&c->body, "<return>");
    oxsim_buf_xml(&c->body, val);
    oxsim_buf_puts(&c->body, "</return>");
}

/* Pieces, not printf (two vsnprintf a piece): a list of ten Users is
 * ~1,300 elements, and the four worker threads' printf was most of the
 * CPU an answer cost, on the cores the client under test shares. */
static void oxsim_elem(oxsim_buf_t *b, const char *pfx, const char *name,
                       const char *val)
{
    oxsim_buf_add(b, "<", 1);
    oxsim_buf_puts(b, pfx);
    oxsim_buf_add(b, ":", 1);
    oxsim_buf_puts(b, name);
    if (val == NULL) {
        oxsim_buf_puts(b, " xsi:nil=\"true\"/>");
        return;
    }
    oxsim_buf_add(b, ">", 1);
    oxsim_buf_xml(b, val);
    oxsim_buf_add(b, "</", 2);
    oxsim_buf_puts(b, pfx);
    oxsim_buf_add(b, ":", 1);
    oxsim_buf_puts(b, name);
    oxsim_buf_add(b, ">", 1);
}

void oxsim_emit_ctx(oxsim_call_t *c, const oxsim_ctx_t *ctx,
                    int with_id_mapping)
{
    oxsim_buf_t *b = &c->body;
    char num[32];
    int i;

    oxsim_buf_puts(b, "<return>");
    oxsim_elem(b, "ns2", "average_size", NULL);
    oxsim_elem(b, "ns2", "enabled", ctx->enabled ? "true" : "false");
    oxsim_elem(b, "ns2", "filestoreId", NULL);
    oxsim_elem(b, "ns2", "filestore_name", NULL);
    snprintf(num, sizeof(num), "%d", ctx->id);
    oxsim_elem(b, "ns2", "id", num);
    for (i = 0; i < ctx->nmappings; i++) {
        if (with_id_mapping || strcmp(ctx->mappings[i], num) != 0) {
            oxsim_elem(b, "ns2", "loginMappings", ctx->mappings[i]);
        }
    }
    snprintf(num, sizeof(num), "%lld", ctx->max_quota_mb);
    oxsim_elem(b, "ns2", "maxQuota", num);
    oxsim_elem(b, "ns2", "name", ctx->name);
    oxsim_elem(b, "ns2", "readDatabase", NULL);
    oxsim_elem(b, "ns2", "usedQuota", "0");
    oxsim_elem(b, "ns2", "userAttributes", NULL);
    oxsim_elem(b, "ns2", "writeDatabase", NULL);
    if (c->reseller) {
        /* ResellerContext extends Context with these
         * (docs/reference/ox-soap.md §5.2) */
        oxsim_elem(b, "ns3", "customid", NULL);
        oxsim_elem(b, "ns3", "extensionError", NULL);
        oxsim_elem(b, "ns3", "owner", NULL);
        oxsim_elem(b, "ns3", "sid", NULL);
    }
    oxsim_buf_puts(b, "</return>");
}

static const char *oxsim_user_value(const oxsim_user_t *u, int i, char *num,
                                    size_t numlen)
{
    const char *n = oxsim_user_fields[i].name;

    if (!strcmp(n, "id")) {
        snprintf(num, numlen, "%d", u->id);
        return num;
    }
    if (!strcmp(n, "contextadmin")) {
        return u->is_admin ? "true" : "false";
    }
    if (!strcmp(n, "password")) {
        return NULL;   /* never echoed */
    }
    return oxsim_user_get(u, i);
}

void oxsim_emit_user(oxsim_call_t *c, const oxsim_user_t *u)
{
    oxsim_buf_t *b = &c->body;
    char num[32];
    int i, j;

    oxsim_buf_puts(b, "<return>");
    for (i = 0; i < oxsim_user_nfields; i++) {
        if (oxsim_user_fields[i].type == OXSIM_T_LIST) {
            for (j = 0; j < u->naliases; j++) {
                oxsim_elem(b, "ns2", "aliases", u->aliases[j]);
            }
            if (u->naliases == 0) {
                oxsim_elem(b, "ns2", "aliases", NULL);
            }
            continue;
        }
        oxsim_elem(b, "ns2", oxsim_user_fields[i].name,
                   oxsim_user_value(u, i, num, sizeof(num)));
    }
    oxsim_buf_puts(b, "</return>");
}

/* list returns User objects with only the id set
 * (docs/reference/ox-soap.md §4.2). */
void oxsim_emit_user_id_only(oxsim_call_t *c, const oxsim_user_t *u)
{
    oxsim_buf_t *b = &c->body;
    char num[32];
    int i;

    oxsim_buf_puts(b, "<return>");
    for (i = 0; i < oxsim_user_nfields; i++) {
        const char *n = oxsim_user_fields[i].name;
        if (!strcmp(n, "id")) {
            snprintf(num, sizeof(num), "%d", u->id);
            oxsim_elem(b, "ns2", n, num);
        } else {
            oxsim_elem(b, "ns2", n, NULL);
        }
    }
    oxsim_buf_puts(b, "</return>");
}

void oxsim_emit_access(oxsim_call_t *c, uint32_t mask)
{
    int i;

    oxsim_buf_puts(&c->body, "<return>");
    for (i = 0; i < OXSIM_ACCESS_N; i++) {
        oxsim_elem(&c->body, "ns2", oxsim_access_names[i],
                   (mask & (1u << i)) ? "true" : "false");
    }
    oxsim_buf_puts(&c->body, "</return>");
}
