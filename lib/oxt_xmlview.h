/*
 * oxt_xmlview.h — a SOAP exchange for people: the "Plesk - Open-Xchange
 * Communication Logs" page shows the request and the response of a log
 * row pretty-printed, one element per line, with the SOAP fault (the
 * error) marked so the page can show it in red.
 *
 * The text is what the SOAP client stored (oxt_soap_mask_passwords: every
 * password already masked, or a note instead of text that did not
 * parse). It is parsed again with the safe parser of oxt_xml.h; what does
 * not parse is shown as it is, line by line. The lines hold markup as
 * text: the page escapes them like any text.
 */
#ifndef OXT_XMLVIEW_H
#define OXT_XMLVIEW_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oxt_json.h"

/* Hard limits: a stored exchange is at most 8 MiB (oxt_replog.c). */
#define OXT_XMLVIEW_MAX_BYTES (8 * 1024 * 1024)
#define OXT_XMLVIEW_MAX_LINES 20000
#define OXT_XMLVIEW_MAX_DEPTH 64

typedef struct oxt_xmlview_line_t {
    int depth;                    /* indentation level, 0 at the root */
    const char *text;             /* "<faultstring>No such user</faultstring>" */
    int error;                    /* inside a SOAP Fault */
} oxt_xmlview_line_t;

typedef struct oxt_xmlview_t {
    apr_array_header_t *lines;    /* oxt_xmlview_line_t */
    int parsed;                   /* 0: shown as stored (not XML) */
    int has_fault;                /* a Fault element was found */
    int truncated;                /* cut at OXT_XMLVIEW_MAX_LINES (or the
                                     input at OXT_XMLVIEW_MAX_BYTES) */
} oxt_xmlview_t;

/**
 * The lines of text (len bytes; NULL or empty: no line). Elements nested
 * deeper than OXT_XMLVIEW_MAX_DEPTH are shown whole on one line. Lives in
 * p.
 */
oxt_xmlview_t *oxt_xmlview_make(const char *text, apr_size_t len,
                                apr_pool_t *p);

/**
 * The lines of text as the JSON value of key in the object j is in:
 * {"parsed", "has_fault", "truncated", "lines": [{"depth", "text",
 * "error"}]} (the Communication Logs page's JSON twin, and the core's
 * test client). Scratch in p.
 */
void oxt_xmlview_json(oxt_json_t *j, const char *key, const char *text,
                      apr_pool_t *p);

#endif /* OXT_XMLVIEW_H */
