/*
 * oxt_xml.c — see oxt_xml.h.
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <apr_strings.h>

#include "oxt_xml.h"
#include "oxt_status.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* No NOENT (no substitution), no DTDLOAD/DTDATTR/DTDVALID; NONET in case a
 * future libxml2 default changes; NOCDATA so CDATA reads as plain text. */
#define OXT_XML_PARSE_OPTIONS \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
     XML_PARSE_NOCDATA)

/* ---- ownership -------------------------------------------------------- */

static apr_status_t doc_cleanup(void *data)
{
    xmlFreeDoc(data);
    return APR_SUCCESS;
}

static apr_status_t ctxt_cleanup(void *data)
{
    xmlParserCtxtPtr ctxt = data;

    /* A stopped parse may leave a partial tree that we never adopted. */
    if (ctxt->myDoc != NULL) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return APR_SUCCESS;
}

static void own_doc(xmlDoc *doc, apr_pool_t *p)
{
    apr_pool_cleanup_register(p, doc, doc_cleanup, apr_pool_cleanup_null);
}

apr_status_t oxt_xml_doc_make(xmlDoc **pdoc, apr_pool_t *p)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");

    if (doc == NULL) {
        return APR_ENOMEM;
    }
    own_doc(doc, p);
    *pdoc = doc;
    return APR_SUCCESS;
}

/* ---- parsing ---------------------------------------------------------- */

/*
 * Called at "<!DOCTYPE", before the internal subset is read: stopping here
 * means no entity is ever declared, which defeats entity bombs and
 * external entities whatever the libxml2 version's own limits are.
 */
/* A parse's own state, its context's _private. */
typedef struct {
    int dtd_seen;
    int nil_depth;              /* nil elements from this depth: no node */
    int depth;                  /* of the element being read (1: root) */
    int skip;                   /* > 0: inside a nil element, its depth */
    startElementNsSAX2Func start;
    endElementNsSAX2Func end;
    charactersSAXFunc characters;
    charactersSAXFunc blanks;
    cdataBlockSAXFunc cdata;
    commentSAXFunc comment;
    processingInstructionSAXFunc pi;
    referenceSAXFunc reference;
} parse_state_t;

static void refuse_dtd(void *ctx, const xmlChar *name,
                       const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;

    ((parse_state_t *)ctxt->_private)->dtd_seen = 1;
    xmlStopParser(ctxt);
}

/* ---- nil elements read without a node ---------------------------------- */

/* An element with xsi:nil true (or 1, as oxt_xml_is_nil reads it); the
 * SAX2 attributes come five pointers each: local name, prefix, URI,
 * value, end of value. */
static int attrs_say_nil(int n, const xmlChar **attrs)
{
    int i;

    for (i = 0; i < n; i++, attrs += 5) {
        size_t len = (size_t)(attrs[4] - attrs[3]);

        if (strcmp((const char *)attrs[0], "nil") == 0 && attrs[2] != NULL
            && strcmp((const char *)attrs[2], XSI_NS) == 0
            && ((len == 4 && memcmp(attrs[3], "true", 4) == 0)
                || (len == 1 && attrs[3][0] == '1'))) {
            return 1;
        }
    }
    return 0;
}

static parse_state_t *state_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

/* Most of a big OX answer is nil fields (a User has ~130 elements, most
 * of them <x xsi:nil="true"/>): libxml2 would give each a node, its name
 * and its attribute, and the readers would walk past them. A nil element
 * deep enough is well-formedness-checked as ever but gets no node, as if
 * it were absent, which is what every reader of a field makes of nil. */
static void lean_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
                       const xmlChar *uri, int nb_ns, const xmlChar **ns,
                       int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip > 0) {
        st->skip++;
        return;
    }
    st->depth++;
    if (st->depth >= st->nil_depth && attrs_say_nil(nb_attrs, attrs)) {
        st->skip = 1;
        return;
    }
    st->start(ctx, local, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted,
              attrs);
}

static void lean_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
                     const xmlChar *uri)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip > 0) {
        if (--st->skip == 0) {
            st->depth--;
        }
        return;
    }
    st->depth--;
    st->end(ctx, local, prefix, uri);
}

static void lean_characters(void *ctx, const xmlChar *ch, int len)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0) {
        st->characters(ctx, ch, len);
    }
}

static void lean_blanks(void *ctx, const xmlChar *ch, int len)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0 && st->blanks != NULL) {
        st->blanks(ctx, ch, len);
    }
}

static void lean_cdata(void *ctx, const xmlChar *ch, int len)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0 && st->cdata != NULL) {
        st->cdata(ctx, ch, len);
    }
}

static void lean_comment(void *ctx, const xmlChar *text)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0 && st->comment != NULL) {
        st->comment(ctx, text);
    }
}

static void lean_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0 && st->pi != NULL) {
        st->pi(ctx, target, data);
    }
}

static void lean_reference(void *ctx, const xmlChar *name)
{
    parse_state_t *st = state_of(ctx);

    if (st->skip == 0 && st->reference != NULL) {
        st->reference(ctx, name);
    }
}

/* The handlers above in front of libxml2's own tree builders; a handler
 * that the options took away (cdataBlock with NOCDATA) stays away. */
static void lean_install(xmlSAXHandler *sax, parse_state_t *st)
{
    st->start = sax->startElementNs;
    st->end = sax->endElementNs;
    st->characters = sax->characters;
    st->blanks = sax->ignorableWhitespace;
    st->cdata = sax->cdataBlock;
    st->comment = sax->comment;
    st->pi = sax->processingInstruction;
    st->reference = sax->reference;
    if (st->start == NULL || st->end == NULL || st->characters == NULL) {
        return;                 /* not a SAX2 tree builder: build it all */
    }
    sax->startElementNs = lean_start;
    sax->endElementNs = lean_end;
    sax->characters = lean_characters;
    sax->ignorableWhitespace = lean_blanks;
    sax->cdataBlock = st->cdata != NULL ? lean_cdata : NULL;
    sax->comment = lean_comment;
    sax->processingInstruction = lean_pi;
    sax->reference = lean_reference;
}

static const char *parse_error(xmlParserCtxtPtr ctxt, int dtd_seen,
                               apr_pool_t *p)
{
    const char *msg = ctxt->lastError.message;

    if (dtd_seen) {
        return "a DTD is not allowed in a SOAP message";
    }
    if (msg == NULL) {
        return "not well-formed";
    }
    /* libxml2 messages end with a newline. */
    return apr_pstrndup(p, msg, strcspn(msg, "\n"));
}

static apr_status_t xml_parse(xmlDoc **pdoc, const char *buf, apr_size_t len,
                              int nil_depth, const char **perr, apr_pool_t *p)
{
    xmlParserCtxtPtr ctxt;
    parse_state_t st;
    apr_status_t rv = APR_SUCCESS;

    if (len == 0 || len > INT_MAX) {
        if (perr != NULL) {
            *perr = len == 0 ? "empty document" : "document too large";
        }
        return OXT_ESOAP_XML;
    }
    ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (ctxt == NULL) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, ctxt, ctxt_cleanup, apr_pool_cleanup_null);
    xmlCtxtUseOptions(ctxt, OXT_XML_PARSE_OPTIONS);
    memset(&st, 0, sizeof(st));
    st.nil_depth = nil_depth;
    ctxt->_private = &st;
    ctxt->sax->internalSubset = refuse_dtd;
    if (nil_depth > 0) {
        lean_install(ctxt->sax, &st);
    }
    xmlParseDocument(ctxt);
    if (!ctxt->wellFormed || st.dtd_seen || ctxt->myDoc == NULL) {
        rv = OXT_ESOAP_XML;
        if (perr != NULL) {
            *perr = parse_error(ctxt, st.dtd_seen, p);
        }
    }
    else {
        *pdoc = ctxt->myDoc;
        ctxt->myDoc = NULL;
        own_doc(*pdoc, p);
    }
    apr_pool_cleanup_run(p, ctxt, ctxt_cleanup);
    return rv;
}

apr_status_t oxt_xml_parse(xmlDoc **pdoc, const char *buf, apr_size_t len,
                           const char **perr, apr_pool_t *p)
{
    return xml_parse(pdoc, buf, len, 0, perr, p);
}

apr_status_t oxt_xml_parse_lean(xmlDoc **pdoc, const char *buf,
                                apr_size_t len, int nil_depth,
                                const char **perr, apr_pool_t *p)
{
    /* never the root (depth 1): a nil root would leave a document
     * without one, parsed "successfully" */
    return xml_parse(pdoc, buf, len, nil_depth > 2 ? nil_depth : 2, perr,
                     p);
}

/* ---- building --------------------------------------------------------- */

/* XML 1.0 Char production: tab, newline, CR and everything from U+0020
 * except surrogates and U+FFFE/U+FFFF (xmlGetUTF8Char rejects surrogates
 * and overlongs for us). */
static int is_xml_char(int c)
{
    if (c < 0x20) {
        return c == 0x9 || c == 0xA || c == 0xD;
    }
    return c != 0xFFFE && c != 0xFFFF;
}

/* xmlGetUTF8Char accepts overlong forms and surrogates; a strict reader
 * at OX would not. */
static int is_overlong(int c, int n)
{
    if (c >= 0xD800 && c <= 0xDFFF) {
        return 1;
    }
    return (n == 2 && c < 0x80) || (n == 3 && c < 0x800)
        || (n == 4 && c < 0x10000);
}

apr_status_t oxt_xml_check_text(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t left = strlen(text);

    while (left > 0) {
        int n = left > 4 ? 4 : (int)left;
        int c = xmlGetUTF8Char(s, &n);

        if (c < 0 || !is_xml_char(c) || is_overlong(c, n)) {
            return APR_EINVAL;
        }
        s += n;
        left -= (size_t)n;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_xml_add_elem(xmlNode **pnode, xmlNode *parent, xmlNs *ns,
                              const char *name)
{
    xmlNode *node = xmlNewChild(parent, ns, BAD_CAST name, NULL);

    if (node == NULL) {
        return APR_ENOMEM;
    }
    if (pnode != NULL) {
        *pnode = node;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_xml_add_text(xmlNode **pnode, xmlNode *parent, xmlNs *ns,
                              const char *name, const char *text)
{
    xmlNode *node;

    if (oxt_xml_check_text(text) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    /* xmlNewTextChild escapes &, < and > itself (xmlNewChild would not). */
    node = xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
    if (node == NULL) {
        return APR_ENOMEM;
    }
    if (pnode != NULL) {
        *pnode = node;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_xml_add_int(xmlNode *parent, xmlNs *ns, const char *name,
                             long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    return oxt_xml_add_text(NULL, parent, ns, name, buf);
}

apr_status_t oxt_xml_dump(char **pbuf, apr_size_t *plen, xmlDoc *doc,
                          apr_pool_t *p)
{
    xmlChar *mem = NULL;
    int size = 0;

    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (mem == NULL || size < 0) {
        return APR_ENOMEM;
    }
    *pbuf = apr_pstrmemdup(p, (const char *)mem, (apr_size_t)size);
    *plen = (apr_size_t)size;
    xmlFree(mem);
    return APR_SUCCESS;
}

/* ---- reading ---------------------------------------------------------- */

int oxt_xml_is(const xmlNode *node, const char *local)
{
    return node != NULL && node->type == XML_ELEMENT_NODE
        && strcmp((const char *)node->name, local) == 0;
}

static xmlNode *next_elem(xmlNode *node)
{
    while (node != NULL && node->type != XML_ELEMENT_NODE) {
        node = node->next;
    }
    return node;
}

xmlNode *oxt_xml_first(const xmlNode *parent)
{
    return parent != NULL ? next_elem(parent->children) : NULL;
}

xmlNode *oxt_xml_child(const xmlNode *parent, const char *local)
{
    xmlNode *node = oxt_xml_first(parent);

    while (node != NULL && !oxt_xml_is(node, local)) {
        node = next_elem(node->next);
    }
    return node;
}

xmlNode *oxt_xml_next(const xmlNode *node, const char *local)
{
    xmlNode *next = next_elem(node->next);

    while (next != NULL && !oxt_xml_is(next, local)) {
        next = next_elem(next->next);
    }
    return next;
}

int oxt_xml_is_nil(const xmlNode *node)
{
    xmlChar *nil = xmlGetNsProp(node, BAD_CAST "nil", BAD_CAST XSI_NS);
    int is_nil = nil != NULL && (strcmp((char *)nil, "true") == 0
                                 || strcmp((char *)nil, "1") == 0);

    xmlFree(nil);
    return is_nil;
}

const char *oxt_xml_text(const xmlNode *node, apr_pool_t *p)
{
    xmlChar *content;
    const char *text;

    if (node == NULL || oxt_xml_is_nil(node)) {
        return NULL;
    }
    content = xmlNodeGetContent(node);
    text = apr_pstrdup(p, content != NULL ? (const char *)content : "");
    xmlFree(content);
    return text;
}

const char *oxt_xml_child_text(const xmlNode *parent, const char *local,
                               apr_pool_t *p)
{
    return oxt_xml_text(oxt_xml_child(parent, local), p);
}

apr_status_t oxt_xml_child_int(long long *pv, const xmlNode *parent,
                               const char *local, apr_pool_t *p)
{
    const char *text = oxt_xml_child_text(parent, local, p);
    char *end;
    long long v;

    if (text == NULL) {
        return APR_ENOENT;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        return APR_EINVAL;
    }
    *pv = v;
    return APR_SUCCESS;
}
