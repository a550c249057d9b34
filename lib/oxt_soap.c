/*
 * oxt_soap.c — see oxt_soap.h. The transport-independent half: queueing,
 * the connection cap, reply and fault classification, debug capture.
 */
/* First: with offsetof defined, APR_RING's APR_OFFSETOF uses it instead of
 * a member access through a null pointer (undefined behaviour that UBSan
 * reports on the first client created; found by fuzz/fuzz_soap.c). */
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <apr_lib.h>
#include <apr_ring.h>
#include <apr_strings.h>

#include <libxml/xmlsave.h>

#include "oxt_soap.h"
#include "oxt_xml.h"
#include "oxt_log.h"
#include "oxt_utf8.h"

#define DEFAULT_CONNECT_TIMEOUT apr_time_from_sec(10)
#define DEFAULT_TOTAL_TIMEOUT   apr_time_from_sec(60)
#define DEFAULT_MAX_CONNS       4
#define DEFAULT_RESPONSE_CAP    (8u * 1024 * 1024)
#define PASSWORD_MASK           "********"
/* Envelope, Body, the operation's response, a return: a field of what
 * it returns is at 5 */
#define REPLY_NIL_DEPTH         5

typedef enum {
    CALL_NEW = 0,
    CALL_QUEUED,
    CALL_ACTIVE,
    CALL_RECEIVED,              /* answer in, not parsed yet */
    CALL_HELD,                  /* answered in a pump, callback not run */
    CALL_DONE
} call_state_t;

struct oxt_soap_call_t {
    APR_RING_ENTRY(oxt_soap_call_t) link;
    apr_pool_t *p;              /* caller's: call, reply, result */
    apr_pool_t *tp;             /* transport resources while active */
    oxt_soap_client_t *client;  /* NULL when not queued or active */
    const char *url;
    const char *op;
    char *body;
    apr_size_t body_len;
    char *rbuf;                 /* received bytes, in tp, then in rp */
    apr_pool_t *rp;             /* the bytes between finish and parse */
    apr_size_t rlen;
    apr_size_t rsize;
    call_state_t state;
    int http_status;
    oxt_soap_done_cb *cb;
    void *baton;
    oxt_result_t *res;
    xmlNode *response;
    const char *dbg_request;
    const char *dbg_response;
    void *impl_data;
    apr_status_t trv;           /* the transport's outcome, when received */
    const char *errtext;        /* its text, in p */
    apr_time_t queued_at;       /* when it was submitted (monotonic) */
    apr_time_t sent;            /* when it went on the wire (monotonic) */
    apr_interval_time_t took;   /* from then to its answer */
    apr_time_t received_at;     /* its answer in (monotonic) */
};

APR_RING_HEAD(call_ring, oxt_soap_call_t);

struct oxt_soap_client_t {
    apr_pool_t *p;
    oxt_soap_settings_t s;
    const oxt_soap_impl_t *impl;
    void *impl_data;
    struct call_ring queued;
    struct call_ring active;
    struct call_ring received;      /* answers not parsed yet */
    struct call_ring held;          /* answered in oxt_soap_client_pump */
    int n_queued;
    int n_active;
    int n_received;
    int n_held;
    int driving;                    /* inside perform: no pump */
    int holding;                    /* inside a pump: callbacks wait */
    oxt_soap_observer_fn *observe;
    void *observe_baton;
    unsigned long n_finished;       /* calls ever finished */
    oxt_soap_profile_t prof;        /* where the calls' time went */
};

/* ---- accessors for transports ----------------------------------------- */

void *oxt_soap_client_impl_data(const oxt_soap_client_t *client)
{
    return client->impl_data;
}

void oxt_soap_client_set_impl_data(oxt_soap_client_t *client, void *data)
{
    client->impl_data = data;
}

const oxt_soap_settings_t *oxt_soap_client_settings(
    const oxt_soap_client_t *client)
{
    return &client->s;
}

const char *oxt_soap_call_url(const oxt_soap_call_t *call)
{
    return call->url;
}

const char *oxt_soap_call_body(const oxt_soap_call_t *call, apr_size_t *plen)
{
    *plen = call->body_len;
    return call->body;
}

void *oxt_soap_call_impl_data(const oxt_soap_call_t *call)
{
    return call->impl_data;
}

void oxt_soap_call_set_impl_data(oxt_soap_call_t *call, void *data)
{
    call->impl_data = data;
}

/* ---- accessors for callers -------------------------------------------- */

int oxt_soap_call_done(const oxt_soap_call_t *call)
{
    return call->state == CALL_DONE;
}

const char *oxt_soap_call_op(const oxt_soap_call_t *call)
{
    return call->op;
}

apr_status_t oxt_soap_call_status(const oxt_soap_call_t *call)
{
    return call->res->status;
}

oxt_result_t *oxt_soap_call_result(const oxt_soap_call_t *call)
{
    return call->res;
}

xmlNode *oxt_soap_call_response(const oxt_soap_call_t *call)
{
    return call->response;
}

int oxt_soap_call_http_status(const oxt_soap_call_t *call)
{
    return call->http_status;
}

const char *oxt_soap_call_debug_request(const oxt_soap_call_t *call)
{
    return call->dbg_request;
}

const char *oxt_soap_call_debug_response(const oxt_soap_call_t *call)
{
    return call->dbg_response;
}

int oxt_soap_client_pending(const oxt_soap_client_t *client)
{
    return client->n_queued + client->n_active + client->n_received
        + client->n_held;
}

/* ---- fault classification --------------------------------------------- */

/* Glob match where '*' stands for any run of characters; OX messages carry
 * ids and names in the middle, so plain prefixes are not enough. Case is
 * ignored: OX writes the same words in either case in different places
 * ("Authentication failed" and its reseller plugin's "authentication
 * failed", "language must…" and "Language must…"). */
static int glob_match(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;

    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        }
        else if (apr_tolower(*pat) == apr_tolower(*s)) {
            pat++;
            s++;
        }
        else if (star != NULL) {
            pat = star + 1;
            s = ++resume;
        }
        else {
            return 0;
        }
    }
    while (*pat == '*') {
        pat++;
    }
    return *pat == '\0';
}

/* Every OX fault text we act on (docs/reference/ox-soap.md §6 has the
 * table). OX's SOAP layer wraps each exception so that the message is the
 * only reliable discriminator, and often sends no typed <detail> at all:
 * the text decides, the declared type is only the fallback for texts we do
 * not know. Patterns end in '*' where servers differ in punctuation;
 * "; exceptionId" is cut off before matching. */
static const struct {
    const char *pattern;
    apr_status_t rv;
} fault_patterns[] = {
    { "Authentication failed*", OXT_ESOAP_AUTH },
    { "ContextID * does not belong to *", OXT_ESOAP_AUTH },
    { "Context * already exists*", OXT_ESOAP_CTX_EXISTS },
    { "Context already exists*", OXT_ESOAP_CTX_EXISTS },
    { "The context * does not exist*", OXT_ESOAP_NO_CTX },
    { "Context * does not exist*", OXT_ESOAP_NO_CTX },
    { "Database for context * can not be resolved*", OXT_ESOAP_NO_CTX },
    { "User * already exists in this context*", OXT_ESOAP_USER_EXISTS },
    { "No such user * in context *", OXT_ESOAP_NO_USER },
    { "No such user(s) * in context *", OXT_ESOAP_NO_USER },
    { "Database is locked or is now be*ing updated*", OXT_ESOAP_BUSY },
    { "Illegal chars: *", OXT_ESOAP_INVALID },
    { "Cannot map '*' to the newly created context*", OXT_ESOAP_INVALID },
    { "A mapping with login info * already exists in the system*",
      OXT_ESOAP_INVALID },
    /* a name taken on change: an SQLException wrapped as it is */
    { "*A context with context name * already exists*", OXT_ESOAP_INVALID },
    { "Mandatory fields * not set*", OXT_ESOAP_INVALID },
    { "Mandatory fields not set*", OXT_ESOAP_INVALID },
    { "No such access combination name*", OXT_ESOAP_INVALID },
    { "Invalid access combination name*", OXT_ESOAP_INVALID },
    { "Primary mail address * already exists in context *",
      OXT_ESOAP_INVALID },
    { "The displayname is already used*", OXT_ESOAP_INVALID },
    { "primarymail must have the same value as email1*", OXT_ESOAP_INVALID },
    { "email1 not equal with primarymail*", OXT_ESOAP_INVALID },
    { "email1 not sent but required*", OXT_ESOAP_INVALID },
    { "primaryMail, Email1 and defaultSenderAddress must be present*",
      OXT_ESOAP_INVALID },
    { "email1 must also be set in the aliases*", OXT_ESOAP_INVALID },
    { "Invalid email address*", OXT_ESOAP_INVALID },
    { "Empty password is not allowed*", OXT_ESOAP_INVALID },
    { "language must contain an underscore*", OXT_ESOAP_INVALID },
    { "Missing quota value*", OXT_ESOAP_INVALID },
    { "Invalid quota value*", OXT_ESOAP_INVALID },
    { "Invalid PasswordMech*", OXT_ESOAP_INVALID },
    { "neither id or name is set*", OXT_ESOAP_INVALID },
    /* Refusals the replicator works around: a rename without the name
     * (USERNAME_CHANGEABLE), a rename without the primary address
     * (PRIMARY_MAIL_UNCHANGEABLE); the context admin is never deleted. */
    { "Changing username is disabled*", OXT_ESOAP_NAME_FIXED },
    { "primary mail must not be changed*", OXT_ESOAP_MAIL_FIXED },
    { "Admin delete not supported*", OXT_ESOAP_ADMIN_DEL },
};

/* When the text is new to us, the declared exception type still says
 * what kind of failure it is. */
static const struct {
    const char *name;
    apr_status_t rv;
} fault_types[] = {
    { "InvalidCredentialsException", OXT_ESOAP_AUTH },
    { "ContextExistsException", OXT_ESOAP_CTX_EXISTS },
    { "NoSuchContextException", OXT_ESOAP_NO_CTX },
    { "NoSuchUserException", OXT_ESOAP_NO_USER },
    { "InvalidDataException", OXT_ESOAP_INVALID },
    { "DatabaseUpdateException", OXT_ESOAP_BUSY },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static char *strip_exception_id(const char *text, char *buf, size_t size)
{
    const char *cut = strstr(text, "; exceptionId ");
    size_t n = cut != NULL ? (size_t)(cut - text) : strlen(text);

    if (n >= size) {
        n = size - 1;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    return buf;
}

apr_status_t oxt_soap_fault_classify(const char *faultstring,
                                     const char *detail_name)
{
    char buf[1024];
    const char *msg;
    size_t i;

    msg = strip_exception_id(faultstring ? faultstring : "", buf,
                             sizeof(buf));
    for (i = 0; i < N_ELEMS(fault_patterns); i++) {
        if (glob_match(fault_patterns[i].pattern, msg)) {
            return fault_patterns[i].rv;
        }
    }
    for (i = 0; detail_name != NULL && i < N_ELEMS(fault_types); i++) {
        if (strcmp(fault_types[i].name, detail_name) == 0) {
            return fault_types[i].rv;
        }
    }
    return OXT_ESOAP_FAULT;
}

int oxt_soap_status_is_retryable(apr_status_t rv)
{
    return rv == OXT_ESOAP_BUSY || rv == OXT_ESOAP_HTTP5XX
        || rv == OXT_ESOAP_CONNECT || rv == OXT_ESOAP_TIMEOUT;
}

/* ---- password masking ------------------------------------------------- */

/* "password" in any namespace and any case; a prefix that libxml2 could
 * not resolve stays in the name ("rmi:password"), so it is cut off here. */
static int is_password_name(const xmlChar *name)
{
    const char *local = strrchr((const char *)name, ':');

    local = local != NULL ? local + 1 : (const char *)name;
    return strcasecmp(local, "password") == 0;
}

/* Masks the tree under (and including the siblings of) node: the content
 * of every password element, the value of every password attribute;
 * comments are left out (they are no data and could hold anything). */
static void mask_tree(xmlNode *node)
{
    xmlNode *n, *next;
    xmlAttr *a;

    for (n = node; n != NULL; n = next) {
        next = n->next;
        if (n->type == XML_COMMENT_NODE) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (a = n->properties; a != NULL; a = a->next) {
            if (is_password_name(a->name)) {
                xmlNodeSetContent((xmlNode *)a, BAD_CAST PASSWORD_MASK);
            }
        }
        if (is_password_name(n->name) && n->children != NULL) {
            /* Replaces every child: text, CDATA, comments, elements. */
            xmlNodeSetContent(n, BAD_CAST PASSWORD_MASK);
        }
        else {
            mask_tree(n->children);
        }
    }
}

static const char *dump_without_decl(xmlDoc *doc, apr_pool_t *p)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save;
    const char *out = NULL;
    int len;

    if (buf == NULL) {
        return NULL;
    }
    save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
    if (save != NULL) {
        xmlSaveDoc(save, doc);
        xmlSaveClose(save);
        len = xmlBufferLength(buf);
        while (len > 0 && xmlBufferContent(buf)[len - 1] == '\n') {
            len--;
        }
        out = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf),
                             (apr_size_t)len);
    }
    xmlBufferFree(buf);
    return out;
}

const char *oxt_soap_mask_passwords(const char *xml, apr_size_t len,
                                    apr_pool_t *p)
{
    xmlDoc *doc;
    const char *out = NULL;

    if (len == 0) {
        return "";
    }
    /* Masking text cannot be trusted (a CDATA section or a comment can
     * hold "</password>"), so only what parses is shown. */
    if (oxt_xml_parse(&doc, xml, len, NULL, p) == APR_SUCCESS) {
        mask_tree(doc->children);
        out = dump_without_decl(doc, p);
    }
    return out != NULL ? out
        : apr_psprintf(p, "(%" APR_SIZE_T_FMT " bytes that are not"
                       " well-formed XML, not shown: they could hold a"
                       " password)", len);
}

/* ---- replies ---------------------------------------------------------- */

static const char *detail_type(const xmlNode *fault)
{
    const xmlNode *detail = oxt_xml_child(fault, "detail");
    const xmlNode *first = oxt_xml_first(detail);

    return first != NULL ? (const char *)first->name : NULL;
}

static apr_status_t fault_result(const xmlNode *fault, oxt_result_t *res,
                                 apr_pool_t *p)
{
    const char *text = oxt_xml_child_text(fault, "faultstring", p);
    apr_status_t rv = oxt_soap_fault_classify(text, detail_type(fault));
    const char *kept = oxt_utf8_cut(text, OXT_SOAP_FAULT_MAX, p);

    return oxt_result_set(res, rv, oxt_status_str(rv, p), "%s%s",
                          kept != NULL ? kept : "(no faultstring)",
                          kept != text ? "..." : "");
}

static int is_soap_elem(const xmlNode *node, const char *local)
{
    return oxt_xml_is(node, local) && node->ns != NULL
        && strcmp((const char *)node->ns->href, OXT_SOAP_ENV_NS) == 0;
}

/* The first element of Body, or NULL when doc is no SOAP 1.1 envelope. */
static xmlNode *body_payload(xmlDoc *doc)
{
    xmlNode *env = xmlDocGetRootElement(doc);
    xmlNode *body;

    if (!is_soap_elem(env, "Envelope")) {
        return NULL;
    }
    body = oxt_xml_child(env, "Body");
    return is_soap_elem(body, "Body") ? oxt_xml_first(body) : NULL;
}

static apr_status_t unparsed_result(int http_status, const char *err,
                                    oxt_result_t *res, apr_pool_t *p)
{
    if (http_status >= 500) {
        return oxt_result_set(res, OXT_ESOAP_HTTP5XX,
                              oxt_status_str(OXT_ESOAP_HTTP5XX, p),
                              "HTTP %d without a SOAP fault", http_status);
    }
    if (http_status != 200) {
        return oxt_result_set(res, OXT_ESOAP_HTTP,
                              oxt_status_str(OXT_ESOAP_HTTP, p),
                              "HTTP %d", http_status);
    }
    return oxt_result_set(res, OXT_ESOAP_XML,
                          oxt_status_str(OXT_ESOAP_XML, p), "%s", err);
}

apr_status_t oxt_soap_reply_parse(xmlNode **presponse, const char *op,
                                  int http_status, const char *body,
                                  apr_size_t len, oxt_result_t *res,
                                  apr_pool_t *p)
{
    xmlDoc *doc = NULL;
    xmlNode *payload = NULL;
    const char *err = "not a SOAP 1.1 envelope";

    /* An answer's nil fields get no node (oxt_xml_parse_lean): a user
     * list of ten Users is ~1,300 elements, most of them nil. Not for
     * faults (HTTP 500): a nil <detail> child still names the type. */
    if ((http_status == 200
         ? oxt_xml_parse_lean(&doc, body, len, REPLY_NIL_DEPTH, &err, p)
         : oxt_xml_parse(&doc, body, len, &err, p)) == APR_SUCCESS) {
        payload = body_payload(doc);
    }
    /* A Fault sent with HTTP 200 (a proxy, a non-conforming server) is
     * read again in full: its nil <detail> child names its type. */
    if (is_soap_elem(payload, "Fault") && http_status == 200) {
        payload = oxt_xml_parse(&doc, body, len, &err, p) == APR_SUCCESS
                  ? body_payload(doc) : NULL;
    }
    if (is_soap_elem(payload, "Fault")) {
        return fault_result(payload, res, p);
    }
    if (payload == NULL || http_status != 200) {
        return unparsed_result(http_status, err, res, p);
    }
    if (strncmp((const char *)payload->name, op, strlen(op)) != 0
        || strcmp((const char *)payload->name + strlen(op), "Response")) {
        return oxt_result_set(res, OXT_ESOAP_XML,
                              oxt_status_str(OXT_ESOAP_XML, p),
                              "expected %sResponse, got %s", op,
                              (const char *)payload->name);
    }
    *presponse = payload;
    return APR_SUCCESS;
}

/* ---- calls ------------------------------------------------------------ */

apr_status_t oxt_soap_envelope_make(xmlDoc **pdoc, xmlNode **pbody,
                                    apr_pool_t *p)
{
    xmlDoc *doc;
    xmlNode *env;
    xmlNs *ns;
    apr_status_t rv = oxt_xml_doc_make(&doc, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
    if (env == NULL) {
        return APR_ENOMEM;
    }
    xmlDocSetRootElement(doc, env);
    ns = xmlNewNs(env, BAD_CAST OXT_SOAP_ENV_NS, BAD_CAST "soapenv");
    xmlSetNs(env, ns);
    *pdoc = doc;
    return oxt_xml_add_elem(pbody, env, ns, "Body");
}

apr_status_t oxt_soap_call_make(oxt_soap_call_t **pcall, const char *url,
                                const char *op, xmlDoc *doc, apr_pool_t *p)
{
    oxt_soap_call_t *call = apr_pcalloc(p, sizeof(*call));
    apr_status_t rv;

    call->p = p;
    call->url = apr_pstrdup(p, url);
    call->op = apr_pstrdup(p, op);
    call->res = oxt_result_make(p);
    APR_RING_ELEM_INIT(call, link);
    rv = oxt_xml_dump(&call->body, &call->body_len, doc, p);
    if (rv == APR_SUCCESS) {
        *pcall = call;
    }
    return rv;
}

apr_status_t oxt_soap_call_receive(oxt_soap_call_t *call, const char *data,
                                   apr_size_t len)
{
    apr_size_t cap = call->client->s.response_cap;

    if (len > cap || call->rlen > cap - len) {
        return OXT_ESOAP_TOOBIG;
    }
    if (call->rlen + len + 1 > call->rsize) {
        apr_size_t size = (call->rlen + len + 1) * 2;
        char *buf = apr_palloc(call->tp, size);

        if (call->rlen > 0) {
            memcpy(buf, call->rbuf, call->rlen);
        }
        call->rbuf = buf;
        call->rsize = size;
    }
    memcpy(call->rbuf + call->rlen, data, len);
    call->rlen += len;
    call->rbuf[call->rlen] = '\0';
    return APR_SUCCESS;
}

static void unlink_call(oxt_soap_call_t *call)
{
    oxt_soap_client_t *client = call->client;

    APR_RING_REMOVE(call, link);
    APR_RING_ELEM_INIT(call, link);
    if (call->state == CALL_QUEUED) {
        client->n_queued--;
    }
    else if (call->state == CALL_ACTIVE) {
        client->n_active--;
    }
    else if (call->state == CALL_RECEIVED) {
        client->n_received--;
    }
    else if (call->state == CALL_HELD) {
        client->n_held--;
    }
    call->client = NULL;
}

/* Runs when the caller's pool goes while the call is queued or active:
 * the tp child pool (and with it the transport's handle) is gone already,
 * only the client's lists still point here. */
static apr_status_t call_abandon(void *data)
{
    oxt_soap_call_t *call = data;

    call->tp = NULL;
    if (call->client != NULL) {
        unlink_call(call);
    }
    return APR_SUCCESS;
}

static apr_status_t transport_result(oxt_soap_call_t *call, apr_status_t rv,
                                     const char *errtext)
{
    apr_pool_t *p = call->p;

    return oxt_result_set(call->res, rv, oxt_status_str(rv, p), "%s %s: %s",
                          call->op, call->url,
                          errtext != NULL ? errtext : oxt_status_str(rv, p));
}

static void capture_debug(const oxt_soap_client_t *client,
                          oxt_soap_call_t *call)
{
    if (client == NULL || !client->s.debug) {
        return;
    }
    call->dbg_request = oxt_soap_mask_passwords(call->body, call->body_len,
                                                call->p);
    call->dbg_response = oxt_soap_mask_passwords(
        call->rbuf != NULL ? call->rbuf : "", call->rlen, call->p);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                   OXTLOGNO(01001) "SOAP request to %s: %s", call->url,
                   call->dbg_request);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                   OXTLOGNO(01002) "SOAP response (HTTP %d): %s",
                   call->http_status, call->dbg_response);
}

static apr_status_t complete(oxt_soap_call_t *call, apr_status_t trv,
                             const char *errtext)
{
    if (trv != APR_SUCCESS) {
        return transport_result(call, trv, errtext);
    }
    return oxt_soap_reply_parse(&call->response, call->op, call->http_status,
                                call->rbuf != NULL ? call->rbuf : "",
                                call->rlen, call->res, call->p);
}

/* A duration clock that wall-clock changes do not move. */
static apr_time_t soap_clock(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return apr_time_now();
    }
    return (apr_time_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void call_deliver(oxt_soap_client_t *client, oxt_soap_call_t *call);

/* Parses the answer of a received call (or of one that no client drives)
 * and hands it on: held while a pump runs, else to its callback. */
static void call_settle(oxt_soap_client_t *client, oxt_soap_call_t *call)
{
    apr_status_t rv = complete(call, call->trv, call->errtext);

    capture_debug(client, call);
    if (call->rp != NULL) {
        apr_pool_destroy(call->rp);
        call->rp = NULL;
        call->rbuf = NULL;
    }
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, rv,
                   OXTLOGNO(01003) "SOAP %s %s: HTTP %d", call->op,
                   call->url, call->http_status);
    if (client != NULL) {
        client->n_finished++;
    }
    if (client != NULL && client->holding) {
        /* its callback runs when the client is next driven
         * (oxt_soap_client_pump) */
        call->state = CALL_HELD;
        call->client = client;
        APR_RING_INSERT_TAIL(&client->held, call, oxt_soap_call_t, link);
        client->n_held++;
        return;
    }
    call->state = CALL_DONE;
    apr_pool_cleanup_kill(call->p, call, call_abandon);
    call_deliver(client, call);
}

/* The connection is given back at once, the answer only kept: it is
 * parsed (and its callback run) after the freed connections have taken
 * the queued calls and those are on the wire (settle_received), so a
 * turn of big answers does not keep every connection idle while each is
 * parsed in turn. */
void oxt_soap_call_finish(oxt_soap_call_t *call, apr_status_t transport_rv,
                          int http_status, const char *errtext)
{
    oxt_soap_client_t *client = call->client;

    call->http_status = http_status;
    call->trv = transport_rv;
    call->errtext = errtext != NULL ? apr_pstrdup(call->p, errtext) : NULL;
    /* out of tp, which goes now with the transport's handle, into a pool
     * of their own that goes once they are parsed */
    if (call->rlen > 0 && apr_pool_create(&call->rp, call->p) == APR_SUCCESS) {
        call->rbuf = apr_pstrmemdup(call->rp, call->rbuf, call->rlen);
    }
    else {
        call->rbuf = NULL;
        call->rlen = 0;
    }
    call->received_at = soap_clock();
    call->took = call->sent ? call->received_at - call->sent : 0;
    unlink_call(call);
    if (call->tp != NULL) {
        apr_pool_destroy(call->tp);
        call->tp = NULL;
    }
    if (client == NULL) {
        call_settle(NULL, call);
        return;
    }
    call->state = CALL_RECEIVED;
    call->client = client;
    APR_RING_INSERT_TAIL(&client->received, call, oxt_soap_call_t, link);
    client->n_received++;
}

/* Tells the observer and the caller that call is finished. */
static void call_deliver(oxt_soap_client_t *client, oxt_soap_call_t *call)
{
    if (client != NULL) {
        client->prof.calls++;
        client->prof.wire += call->took;
        if (call->received_at != 0) {
            client->prof.held += soap_clock() - call->received_at;
        }
    }
    if (client != NULL && client->observe != NULL) {
        client->observe(client->observe_baton, call, call->took);
    }
    if (call->cb != NULL) {
        call->cb(call->baton, call);
    }
}

void oxt_soap_client_profile(const oxt_soap_client_t *client,
                             oxt_soap_profile_t *prof)
{
    *prof = client->prof;
}

void oxt_soap_client_observe(oxt_soap_client_t *client,
                             oxt_soap_observer_fn *fn, void *baton)
{
    client->observe = fn;
    client->observe_baton = baton;
}

/* ---- client ----------------------------------------------------------- */

/* Registered after the transport's own cleanup, so it runs first: calls
 * still in flight release their handles while the transport is alive. */
static apr_status_t client_cleanup(void *data)
{
    oxt_soap_client_t *client = data;
    oxt_soap_call_t *call;

    while (!APR_RING_EMPTY(&client->active, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->active);
        unlink_call(call);
        apr_pool_cleanup_kill(call->p, call, call_abandon);
        apr_pool_destroy(call->tp);
        call->tp = NULL;
    }
    while (!APR_RING_EMPTY(&client->queued, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->queued);
        unlink_call(call);
        apr_pool_cleanup_kill(call->p, call, call_abandon);
    }
    while (!APR_RING_EMPTY(&client->received, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->received);
        unlink_call(call);
        apr_pool_cleanup_kill(call->p, call, call_abandon);
    }
    while (!APR_RING_EMPTY(&client->held, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->held);
        unlink_call(call);
        apr_pool_cleanup_kill(call->p, call, call_abandon);
    }
    return APR_SUCCESS;
}

static void apply_defaults(oxt_soap_settings_t *s)
{
    if (s->connect_timeout <= 0) {
        s->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
    }
    if (s->total_timeout <= 0) {
        s->total_timeout = DEFAULT_TOTAL_TIMEOUT;
    }
    if (s->max_conns <= 0) {
        s->max_conns = DEFAULT_MAX_CONNS;
    }
    if (s->response_cap == 0) {
        s->response_cap = DEFAULT_RESPONSE_CAP;
    }
}

apr_status_t oxt_soap_client_create(oxt_soap_client_t **pclient,
                                    const oxt_soap_settings_t *settings,
                                    const oxt_soap_impl_t *impl,
                                    apr_pool_t *p)
{
    oxt_soap_client_t *client = apr_pcalloc(p, sizeof(*client));
    apr_status_t rv;

    client->p = p;
    client->s = *settings;
    apply_defaults(&client->s);
    client->impl = impl != NULL ? impl : oxt_soap_curl_impl();
    APR_RING_INIT(&client->queued, oxt_soap_call_t, link);
    APR_RING_INIT(&client->active, oxt_soap_call_t, link);
    APR_RING_INIT(&client->received, oxt_soap_call_t, link);
    APR_RING_INIT(&client->held, oxt_soap_call_t, link);
    rv = client->impl->init(client, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_cleanup_register(p, client, client_cleanup,
                              apr_pool_cleanup_null);
    *pclient = client;
    return APR_SUCCESS;
}

apr_status_t oxt_soap_client_submit(oxt_soap_client_t *client,
                                    oxt_soap_call_t *call,
                                    oxt_soap_done_cb *cb, void *baton)
{
    if (call->state != CALL_NEW) {
        return APR_EINVAL;
    }
    call->cb = cb;
    call->baton = baton;
    call->client = client;
    call->state = CALL_QUEUED;
    call->queued_at = soap_clock();
    APR_RING_INSERT_TAIL(&client->queued, call, oxt_soap_call_t, link);
    client->n_queued++;
    apr_pool_cleanup_register(call->p, call, call_abandon,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static void start_call(oxt_soap_client_t *client, oxt_soap_call_t *call)
{
    apr_status_t rv;

    unlink_call(call);
    call->client = client;
    call->state = CALL_ACTIVE;
    APR_RING_INSERT_TAIL(&client->active, call, oxt_soap_call_t, link);
    client->n_active++;
    call->sent = soap_clock();
    if (call->queued_at != 0) {
        client->prof.queued += call->sent - call->queued_at;
    }
    rv = apr_pool_create(&call->tp, call->p);
    if (rv == APR_SUCCESS) {
        rv = client->impl->start(client, call, call->tp);
    }
    if (rv != APR_SUCCESS) {
        oxt_soap_call_finish(call, rv, 0, "cannot start the request");
    }
}

/* Keeps at most max_conns calls on the wire; the rest wait here, not in
 * curl, so their timeouts do not run while they wait. Returns how many
 * it started. */
static int dispatch(oxt_soap_client_t *client)
{
    int n = 0;

    while (client->n_active < client->s.max_conns
           && !APR_RING_EMPTY(&client->queued, oxt_soap_call_t, link)) {
        start_call(client, APR_RING_FIRST(&client->queued));
        n++;
    }
    return n;
}

static int finished(const oxt_soap_client_t *client,
                    const oxt_soap_call_t *until)
{
    if (until != NULL) {
        return until->state == CALL_DONE;
    }
    return client->n_active == 0 && client->n_queued == 0
        && client->n_received == 0 && client->n_held == 0;
}

/* The callbacks of the calls a pump held back; how many ran. */
static int deliver_held(oxt_soap_client_t *client)
{
    oxt_soap_call_t *call;
    int n = 0;

    /* as in perform: a callback that pumps (the store's) does nothing */
    client->driving++;
    while (!APR_RING_EMPTY(&client->held, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->held);
        unlink_call(call);
        call->state = CALL_DONE;
        apr_pool_cleanup_kill(call->p, call, call_abandon);
        call_deliver(client, call);
        n++;
    }
    client->driving--;
    return n;
}

/* The transport, driven; a pump meanwhile does nothing. */
static apr_status_t perform(oxt_soap_client_t *client,
                            apr_interval_time_t wait)
{
    apr_status_t rv;

    client->driving++;
    rv = client->impl->perform(client, wait);
    client->driving--;
    return rv;
}

/* Puts queued calls on the connections that are free, and on the wire
 * (curl writes a request only when it is driven). */
static void send_queued(oxt_soap_client_t *client)
{
    if (dispatch(client) > 0) {
        (void)perform(client, 0);   /* a failure shows at the next drive */
    }
}

/* The answers received, parsed and handed on (held in a pump) one at a
 * time. The connections they freed take the queued calls first, and
 * after each answer those its callback submitted: a connection so waits
 * for the parse of one answer, not for that of every answer of the
 * turn (a user list of ten Users is ~50 KB, ~1 ms of CPU). How many. */
static int settle_received(oxt_soap_client_t *client)
{
    oxt_soap_call_t *call;
    int n = 0;

    if (client->n_received == 0) {
        return 0;
    }
    /* as in perform: a callback that pumps (the store's) does nothing */
    client->driving++;
    send_queued(client);
    while (!APR_RING_EMPTY(&client->received, oxt_soap_call_t, link)) {
        call = APR_RING_FIRST(&client->received);
        unlink_call(call);
        call_settle(client, call);
        n++;
        send_queued(client);
    }
    client->driving--;
    return n;
}

void oxt_soap_client_pump(oxt_soap_client_t *client)
{
    if (client->driving || client->holding) {
        return;
    }
    client->holding = 1;
    dispatch(client);
    if (perform(client, 0) == APR_SUCCESS && dispatch(client) > 0) {
        (void)perform(client, 0);
    }
    settle_received(client);
    client->holding = 0;
}

static apr_status_t drive(oxt_soap_client_t *client,
                          apr_interval_time_t timeout,
                          const oxt_soap_call_t *until)
{
    apr_time_t deadline = apr_time_now() + timeout;
    apr_interval_time_t wait = apr_time_from_sec(1);
    apr_status_t rv;

    for (;;) {
        deliver_held(client);
        settle_received(client);
        dispatch(client);
        if (finished(client, until)) {
            return APR_SUCCESS;
        }
        if (timeout >= 0) {
            wait = deadline - apr_time_now();
            if (wait <= 0) {
                return APR_TIMEUP;
            }
        }
        rv = perform(client, wait);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
}

apr_status_t oxt_soap_client_run(oxt_soap_client_t *client,
                                 apr_interval_time_t timeout)
{
    return drive(client, timeout, NULL);
}

apr_status_t oxt_soap_client_run_some(oxt_soap_client_t *client,
                                      apr_interval_time_t timeout)
{
    apr_time_t deadline = apr_time_now() + (timeout > 0 ? timeout : 0);
    unsigned long before = client->n_finished;
    apr_interval_time_t wait;
    apr_status_t rv;

    if (deliver_held(client) > 0) {
        dispatch(client);
        return APR_SUCCESS;
    }
    for (;;) {
        dispatch(client);
        settle_received(client);
        if (client->n_finished != before || finished(client, NULL)) {
            return APR_SUCCESS;
        }
        wait = deadline - apr_time_now();
        rv = perform(client, wait > 0 ? wait : 0);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        settle_received(client);
        /* Freed connections take the next queued calls at once, and
         * those go on the wire now (curl writes a request only when it is
         * driven), not after what the caller does next (the engine
         * commits: a connection would wait idle for that). */
        if (dispatch(client) > 0) {
            rv = perform(client, 0);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            dispatch(client);
        }
        if (client->n_finished != before || finished(client, NULL)) {
            return APR_SUCCESS;
        }
        if (apr_time_now() >= deadline) {
            return APR_TIMEUP;
        }
    }
}

apr_status_t oxt_soap_client_run_until(oxt_soap_client_t *client,
                                       const oxt_soap_call_t *call)
{
    return drive(client, -1, call);
}

apr_status_t oxt_soap_client_call(oxt_soap_client_t *client,
                                  oxt_soap_call_t *call)
{
    apr_status_t rv = oxt_soap_client_submit(client, call, NULL, NULL);

    if (rv == APR_SUCCESS) {
        rv = drive(client, -1, call);
    }
    return rv != APR_SUCCESS ? rv : call->res->status;
}
