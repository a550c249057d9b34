/*
 * oxt_xml.h — libxml2 helpers for the SOAP client: a parser that refuses
 * what an attacker could use (DTDs, entities, network), a small builder
 * that never pastes text into markup, and lenient readers that find
 * elements by local name (OX answers with and without prefixes).
 *
 * Every xmlDoc made here is owned by an APR pool: xmlFreeDoc is registered
 * as a cleanup right after creation, so callers never free documents.
 */
#ifndef OXT_XML_H
#define OXT_XML_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <libxml/tree.h>

/**
 * Parses len bytes of buf into *pdoc, owned by p. Network access is off
 * (XML_PARSE_NONET), entities are never substituted, no DTD is loaded and
 * a document that carries any DTD is refused before its declarations are
 * read (SOAP 1.1 §3 forbids DTDs in messages). On failure returns
 * OXT_ESOAP_XML and, when perr is not NULL, a parser message in p.
 */
apr_status_t oxt_xml_parse(xmlDoc **pdoc, const char *buf, apr_size_t len,
                           const char **perr, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * oxt_xml_parse, but an element with xsi:nil true (or 1) at nil_depth or
 * deeper (the root is at 1 and always kept: a nil_depth below 2 counts
 * as 2) gets no node: it is checked as ever and left
 * out of the tree, as if it were absent, with what it holds. For big
 * answers whose readers take nil for absent (a User's ~130 fields, most
 * of them nil): the tree is a fraction of the size and faster to walk.
 * Where one scalar is repeated, a nil first one then no longer hides the
 * next (OX sends each field once).
 */
apr_status_t oxt_xml_parse_lean(xmlDoc **pdoc, const char *buf,
                                apr_size_t len, int nil_depth,
                                const char **perr, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A new empty XML 1.0 document, owned by p. */
apr_status_t oxt_xml_doc_make(xmlDoc **pdoc, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * APR_SUCCESS when text is valid UTF-8 and holds only characters XML 1.0
 * allows; APR_EINVAL otherwise (libxml2 would write them out as character
 * references that no parser accepts).
 */
apr_status_t oxt_xml_check_text(const char *text);

/** Appends an empty element ns:name to parent; *pnode may be NULL. */
apr_status_t oxt_xml_add_elem(xmlNode **pnode, xmlNode *parent, xmlNs *ns,
                              const char *name);

/**
 * Appends <ns:name>text</ns:name>; the text is escaped by libxml2 and
 * checked with oxt_xml_check_text first. pnode may be NULL.
 */
apr_status_t oxt_xml_add_text(xmlNode **pnode, xmlNode *parent, xmlNs *ns,
                              const char *name, const char *text);

/** Appends <ns:name>decimal v</ns:name>. */
apr_status_t oxt_xml_add_int(xmlNode *parent, xmlNs *ns, const char *name,
                             long long v);

/**
 * Serialises doc (UTF-8, with XML declaration) into *pbuf, a NUL
 * terminated copy in p; *plen gets its length.
 */
apr_status_t oxt_xml_dump(char **pbuf, apr_size_t *plen, xmlDoc *doc,
                          apr_pool_t *p);

/** True when node is an element with local name local (any namespace). */
int oxt_xml_is(const xmlNode *node, const char *local);

/** The first element child of parent, or NULL. */
xmlNode *oxt_xml_first(const xmlNode *parent);

/** The first element child named local (any namespace), or NULL. */
xmlNode *oxt_xml_child(const xmlNode *parent, const char *local);

/** The next element sibling after node named local, or NULL. */
xmlNode *oxt_xml_next(const xmlNode *node, const char *local);

/** True when node carries xsi:nil="true" (OX writes every unset field so). */
int oxt_xml_is_nil(const xmlNode *node);

/**
 * The text of node in p; NULL when node is NULL or nil. Entity references
 * cannot occur (the parser refuses DTDs), so this never expands anything.
 */
const char *oxt_xml_text(const xmlNode *node, apr_pool_t *p);

/**
 * The text of the child local of parent, as oxt_xml_text. Convenience for
 * reading data objects field by field.
 */
const char *oxt_xml_child_text(const xmlNode *parent, const char *local,
                               apr_pool_t *p);

/**
 * Reads the child local of parent as a decimal integer into *pv.
 * APR_ENOENT when absent or nil (*pv untouched), APR_EINVAL when it is
 * not a number.
 */
apr_status_t oxt_xml_child_int(long long *pv, const xmlNode *parent,
                               const char *local, apr_pool_t *p);

#endif /* OXT_XML_H */
