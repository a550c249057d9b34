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
static void refuse_dtd(void *ctx, const xmlChar *name,
                       const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;

    *(int *)ctxt->_private = 1;
    xmlStopParser(ctxt);
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

apr_status_t oxt_xml_parse(xmlDoc **pdoc, const char *buf, apr_size_t len,
                           const char **perr, apr_pool_t *p)
{
    xmlParserCtxtPtr ctxt;
    int dtd_seen = 0;
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
    ctxt->_private = &dtd_seen;
    ctxt->sax->internalSubset = refuse_dtd;
    xmlParseDocument(ctxt);
    if (!ctxt->wellFormed || dtd_seen || ctxt->myDoc == NULL) {
        rv = OXT_ESOAP_XML;
        if (perr != NULL) {
            *perr = parse_error(ctxt, dtd_seen, p);
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
