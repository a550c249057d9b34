/*
 * oxt_html.h — writing HTML (and SVG) to a sink, escaped by default.
 *
 * The short, obvious calls escape for their context, so a page cannot
 * forget to:
 *
 *     OXT_HTML_LIT(h, "<td>")       markup: string literals only
 *     oxt_html_text(h, s)           text between tags
 *     oxt_html_name(h, s)           a customer-chosen name: <bdi>text</bdi>
 *     oxt_html_int(h, n)            a number
 *     oxt_html_attr(h, "title", s)  writes  title="..."  (always quoted)
 *     oxt_html_attr_url(h, "href", u)   a link made by oxt_url.h
 *
 * There is no call that writes a variable as markup. OXT_HTML_LIT pastes
 * "" around its argument, which compiles only for a string literal.
 *
 * What the text and attribute escapers do with the bytes they get:
 *  - & < > " ' become &amp; &lt; &gt; &quot; &#39; (the five that are
 *    also valid XML: the same output serves a standalone SVG document);
 *  - a byte that does not start valid UTF-8 becomes U+FFFD;
 *  - tab and line feed stay, carriage return is dropped (HTML turns CR LF
 *    into LF anyway), every other C0 control, DEL and C1 control becomes
 *    U+FFFD, and so do the noncharacters (U+FDD0-U+FDEF, U+xFFFE,
 *    U+xFFFF), which XML forbids;
 *  - the invisible format characters that reorder or hide text become a
 *    visible U+FFFD: U+061C, U+115F, U+1160, U+180E, U+200B-U+200F,
 *    U+202A-U+202E, U+2060-U+206F, U+3164, U+FEFF, U+FFA0,
 *    U+FFF9-U+FFFB and the tags U+E0000-U+E007F. A name "abc\u202Egpj.exe"
 *    shows as "abc\uFFFDgpj.exe", not as "abcexe.jpg"; "admin\u200B" is
 *    not mistaken for "admin". (The price: an emoji joined with U+200D
 *    shows its parts with U+FFFD between them.)
 *  - oxt_html_name also wraps the name in <bdi>, so a right-to-left name
 *    (Arabic, Hebrew) cannot reorder the words around it ("Clients
 *    Management for Reseller <name>", "3 Total / 1 OX").
 *
 * Attribute names are checked: a-z, 0-9 and '-' only, and none that can
 * run script or load something: "on*", "style", "srcdoc", "content",
 * "http-equiv" and the URL attributes (href, src, action, formaction, ...)
 * are refused by oxt_html_attr; the URL attributes come only from
 * oxt_html_attr_url, which takes a built oxt_url_t.
 *
 * Misuse (a refused attribute name, a bad URL) stops the output, like the
 * JSON writer: nothing more reaches the sink, and oxt_html_finish reports
 * APR_EINVAL with the reason in oxt_html_error. A page checks once, at the
 * end.
 *
 * Example — one row of a list:
 *
 *     OXT_HTML_LIT(h, "<tr><td>");
 *     oxt_html_name(h, row->name);
 *     OXT_HTML_LIT(h, "</td><td class=\"oxt-num\">");
 *     oxt_html_int(h, row->mailboxes);
 *     OXT_HTML_LIT(h, "</td><td><input type=\"checkbox\" name=\"now\"");
 *     oxt_html_attr_int(h, "value", row->id);
 *     oxt_html_attr(h, "aria-label", label);
 *     oxt_html_attr_flag(h, "checked", row->now);
 *     OXT_HTML_LIT(h, "></td></tr>\n");
 *
 * The writer and everything it allocates live in the pool given to
 * oxt_html_make; writing text allocates nothing, so a page of 100,000
 * rows does not grow the pool by its size.
 */
#ifndef OXT_HTML_H
#define OXT_HTML_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_sink.h"
#include "oxt_url.h"

typedef struct oxt_html_t oxt_html_t;

/** A writer to sink, in p. */
oxt_html_t *oxt_html_make(oxt_sink_t *sink, apr_pool_t *p);

/** The sink and the pool of the writer (for the kit's other writers). */
oxt_sink_t *oxt_html_sink(const oxt_html_t *h);
apr_pool_t *oxt_html_pool(const oxt_html_t *h);

/**
 * From now on the writer's pool (oxt_html_pool, used by the kit for
 * scratch such as icon URLs) is p; returns the one before. A list sets a
 * per-row pool, clears it after each row and puts the old one back, so
 * memory stays flat however many rows it writes.
 */
apr_pool_t *oxt_html_use_pool(oxt_html_t *h, apr_pool_t *p);

/**
 * Markup from the code: s must be a string literal. Do not call
 * oxt_html_raw_lit directly (scripts/check-source.sh refuses it outside
 * the kit).
 */
#define OXT_HTML_LIT(h, s) oxt_html_raw_lit((h), "" s "", sizeof(s) - 1)
void oxt_html_raw_lit(oxt_html_t *h, const char *s, apr_size_t len);

/** Text content, escaped and cleaned as described above; NULL: nothing. */
void oxt_html_text(oxt_html_t *h, const char *s);

/** The same for len bytes that need not be NUL-terminated (NUL: U+FFFD). */
void oxt_html_textn(oxt_html_t *h, const char *s, apr_size_t len);

/** A name chosen by a customer: <bdi> + text + </bdi> (HTML only). */
void oxt_html_name(oxt_html_t *h, const char *s);

/** v in decimal. */
void oxt_html_int(oxt_html_t *h, long long v);

/**
 * Writes ` name="value"` with value escaped like text; value NULL writes
 * nothing. name: 1-32 bytes of a-z 0-9 '-', not one of the refused names.
 */
void oxt_html_attr(oxt_html_t *h, const char *name, const char *value);

/** ` name="v"` with v in decimal (the same name rules). */
void oxt_html_attr_int(oxt_html_t *h, const char *name, long long v);

/** ` name` when on is true (checked, disabled, hidden, ...). */
void oxt_html_attr_flag(oxt_html_t *h, const char *name, int on);

/**
 * ` name="url"` for a URL made by oxt_url.h; name is one of href, src,
 * action, formaction. A bad builder is a misuse: nothing is written.
 */
void oxt_html_attr_url(oxt_html_t *h, const char *name, const oxt_url_t *u);

/**
 * Records a misuse found by a caller's own check (a form without its
 * CSRF token): the output stops as for the writer's own misuses.
 */
void oxt_html_fail(oxt_html_t *h, const char *why);

/** True while nothing went wrong (no misuse, the sink has not failed). */
int oxt_html_ok(const oxt_html_t *h);

/**
 * APR_SUCCESS when everything was written; APR_EINVAL after a misuse
 * (see oxt_html_error); else the sink's failure.
 */
apr_status_t oxt_html_finish(oxt_html_t *h)
    __attribute__((warn_unused_result));

/** What the first misuse was, or NULL. */
const char *oxt_html_error(const oxt_html_t *h);

#endif /* OXT_HTML_H */
