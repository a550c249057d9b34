/*
 * oxt_xmlview.c — see oxt_xmlview.h.
 */
#include <string.h>
#include <libxml/tree.h>
#include <apr_strings.h>

#include "oxt_xmlview.h"
#include "oxt_xml.h"

typedef struct {
    oxt_xmlview_t *v;
    apr_pool_t *p;
} view_t;

static void view_line(view_t *w, int depth, const char *text, int error)
{
    oxt_xmlview_line_t *l;

    if (w->v->lines->nelts >= OXT_XMLVIEW_MAX_LINES) {
        w->v->truncated = 1;
        return;
    }
    l = apr_array_push(w->v->lines);
    l->depth = depth;
    l->text = text;
    l->error = error;
}

/* The markup of node and its children as libxml2 writes it (escaped, with
 * the namespace declarations the node itself carries). */
static const char *node_markup(xmlNode *node, apr_pool_t *p)
{
    xmlBufferPtr buf = xmlBufferCreate();
    const char *out = "";

    if (buf != NULL) {
        xmlNodeDump(buf, node->doc, node, 0, 0);
        out = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf),
                             (apr_size_t)xmlBufferLength(buf));
        xmlBufferFree(buf);
    }
    return out;
}

static const char *qname(const xmlNs *ns, const xmlChar *name,
                         apr_pool_t *p)
{
    if (ns != NULL && ns->prefix != NULL) {
        return apr_pstrcat(p, (const char *)ns->prefix, ":",
                           (const char *)name, NULL);
    }
    return (const char *)name;
}

/* An attribute value escaped as libxml2 escapes text. */
static const char *attr_value(xmlDoc *doc, const xmlChar *v, apr_pool_t *p)
{
    xmlChar *esc = xmlEncodeSpecialChars(doc, v ? v : BAD_CAST "");
    const char *out = apr_pstrdup(p, esc ? (const char *)esc : "");

    xmlFree(esc);
    return out;
}

/* "<ns1:create xmlns:ns1="..." a="1">": the node's own declarations and
 * attributes, without those of its ancestors. */
static const char *open_tag(xmlNode *node, apr_pool_t *p)
{
    const char *out = apr_pstrcat(p, "<", qname(node->ns, node->name, p),
                                  NULL);
    const xmlNs *ns;
    xmlAttr *a;
    xmlChar *v;

    for (ns = node->nsDef; ns != NULL; ns = ns->next) {
        out = apr_pstrcat(p, out, " xmlns", ns->prefix ? ":" : "",
                          ns->prefix ? (const char *)ns->prefix : "", "=\"",
                          attr_value(node->doc, ns->href, p), "\"", NULL);
    }
    for (a = node->properties; a != NULL; a = a->next) {
        v = xmlNodeListGetString(node->doc, a->children, 1);
        out = apr_pstrcat(p, out, " ", qname(a->ns, a->name, p), "=\"",
                          attr_value(node->doc, v, p), "\"", NULL);
        xmlFree(v);
    }
    return apr_pstrcat(p, out, ">", NULL);
}

static const char *close_tag(const xmlNode *node, apr_pool_t *p)
{
    return apr_pstrcat(p, "</", qname(node->ns, node->name, p), ">", NULL);
}

static int has_element_child(const xmlNode *node)
{
    const xmlNode *c;

    for (c = node->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return 1;
        }
    }
    return 0;
}

static void view_node(view_t *w, xmlNode *node, int depth, int error)
{
    xmlNode *c;

    error |= oxt_xml_is(node, "Fault");
    w->v->has_fault |= oxt_xml_is(node, "Fault");
    if (!has_element_child(node) || depth >= OXT_XMLVIEW_MAX_DEPTH) {
        view_line(w, depth, node_markup(node, w->p), error);
        return;
    }
    view_line(w, depth, open_tag(node, w->p), error);
    for (c = node->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            view_node(w, c, depth + 1, error);
        }
    }
    view_line(w, depth, close_tag(node, w->p), error);
}

/* Text that is not XML: its lines as they are. */
static void view_raw(view_t *w, const char *text, apr_size_t len)
{
    const char *end = text + len, *nl;

    while (text < end) {
        nl = memchr(text, '\n', (size_t)(end - text));
        view_line(w, 0, apr_pstrmemdup(w->p, text, nl ? (apr_size_t)(nl
                                       - text) : (apr_size_t)(end - text)),
                  0);
        text = nl ? nl + 1 : end;
    }
}

oxt_xmlview_t *oxt_xmlview_make(const char *text, apr_size_t len,
                                apr_pool_t *p)
{
    oxt_xmlview_t *v = apr_pcalloc(p, sizeof(*v));
    view_t w;
    xmlDoc *doc;
    xmlNode *root;

    v->lines = apr_array_make(p, 16, sizeof(oxt_xmlview_line_t));
    w.v = v;
    w.p = p;
    if (text == NULL || len == 0) {
        return v;
    }
    if (len > OXT_XMLVIEW_MAX_BYTES) {
        len = OXT_XMLVIEW_MAX_BYTES;
        v->truncated = 1;
    }
    root = oxt_xml_parse(&doc, text, len, NULL, p) == APR_SUCCESS
        ? xmlDocGetRootElement(doc) : NULL;
    if (root == NULL) {
        view_raw(&w, text, len);
        return v;
    }
    v->parsed = 1;
    view_node(&w, root, 0, 0);
    return v;
}

void oxt_xmlview_json(oxt_json_t *j, const char *key, const char *text,
                      apr_pool_t *p)
{
    oxt_xmlview_t *v = oxt_xmlview_make(text, text ? strlen(text) : 0, p);
    const oxt_xmlview_line_t *l;
    int i;

    oxt_json_kobject(j, key);
    oxt_json_kbool(j, "parsed", v->parsed);
    oxt_json_kbool(j, "has_fault", v->has_fault);
    oxt_json_kbool(j, "truncated", v->truncated);
    oxt_json_karray(j, "lines");
    for (i = 0; i < v->lines->nelts; i++) {
        l = &APR_ARRAY_IDX(v->lines, i, const oxt_xmlview_line_t);
        oxt_json_object(j);
        oxt_json_kint(j, "depth", l->depth);
        oxt_json_kstr(j, "text", l->text);
        oxt_json_kbool(j, "error", l->error);
        oxt_json_end(j);
    }
    oxt_json_end(j);
    oxt_json_end(j);
}
