/*
 * oxt_url.h — building the links of our pages, so that no link is ever
 * assembled by hand from request data.
 *
 * Two kinds of URL come out of the builder, and nothing else:
 *
 *  - our own routes: the OxtenderBaseURI ("/oxtender"), then path
 *    segments, then query parameters ("/oxtender/clients?sort=name&dir=
 *    desc&q=a%26b&reseller=7"). The result is always an absolute path on
 *    our own origin: it cannot name a scheme ("javascript:"), another
 *    host ("//evil.example") or climb out of the base ("..").
 *  - a link into the Plesk panel: a configured base ("https://panel.
 *    example.com:8443") plus path words of our own code (literals) and
 *    numeric ids, plus query parameters.
 *
 * Each piece is escaped for its place: a path segment and a query value
 * are percent-encoded (only A-Z a-z 0-9 - . _ ~ stay as they are), keys
 * and words are checked against a strict alphabet. A builder that is
 * misused (a bad base, a key with '=', a segment "..", an over-long URL)
 * turns bad: oxt_url_str() gives NULL and the HTML writer refuses to write
 * it, so a mistake shows as a failed page in tests, never as a bad link.
 *
 * The HTML writer puts a URL in an attribute (oxt_html_attr_url), which
 * escapes the '&' between parameters.
 *
 * Example — the sort link of a Domains list, keeping the search:
 *
 *     oxt_url_t *u = oxt_url_make(base, p);          base: "/oxtender"
 *     OXT_URL_WORD(u, "domains");
 *     oxt_url_query(u, "sort", "name");
 *     oxt_url_query(u, "dir", "desc");
 *     oxt_url_query(u, "q", req->q);                 any bytes: encoded
 *     oxt_url_query_int(u, "reseller", 7);
 *     OXT_HTML_LIT(h, "<a");
 *     oxt_html_attr_url(h, "href", u);
 *     OXT_HTML_LIT(h, ">Name</a>");
 *
 * writes <a href="/oxtender/domains?sort=name&amp;dir=desc&amp;q=...
 * &amp;reseller=7">Name</a>.
 *
 * All memory lives in the pool given to oxt_url_make / oxt_url_copy.
 */
#ifndef OXT_URL_H
#define OXT_URL_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct oxt_url_t oxt_url_t;

/** The longest URL the builder makes; longer ones turn the builder bad. */
#define OXT_URL_MAX 4096

/**
 * The root of our routes under base, the OxtenderBaseURI: "" or an
 * absolute path without a trailing '/' made of segments of
 * A-Z a-z 0-9 - . _ ~ (never "." or ".."). With no segment added the URL
 * is base + "/". A base that breaks these rules gives a bad builder.
 */
oxt_url_t *oxt_url_make(const char *base, apr_pool_t *p);

/**
 * A link into the Plesk panel. panel_base is "http://" or "https://",
 * then a host name (letters, digits, '-', '.'), an IPv4 address or an
 * IPv6 address in brackets, then an optional ":port", then at most a '/'.
 * Only path words (OXT_URL_WORD) and ids may follow: data never becomes
 * part of a panel path.
 */
oxt_url_t *oxt_url_panel(const char *panel_base, apr_pool_t *p);

/** A copy of u in p, to extend without changing u. */
oxt_url_t *oxt_url_copy(const oxt_url_t *u, apr_pool_t *p);

/**
 * A path word of our own code: a string literal only (the macro does not
 * compile with a variable), of A-Z a-z 0-9 - . _ and not "." or "..".
 * Words may be "report" or "client.php3".
 */
#define OXT_URL_WORD(u, w) oxt_url_word_lit((u), "" w "")
void oxt_url_word_lit(oxt_url_t *u, const char *word);

/**
 * A path segment from data (our routes only; a panel URL turns bad):
 * percent-encoded, so '/', '?', '#' and '%' stay inside the segment.
 * Empty, "." and ".." (the URL parser treats "%2e%2e" as ".." too) turn
 * the builder bad.
 */
void oxt_url_seg(oxt_url_t *u, const char *segment);

/** A numeric path segment ("report/client/7"). Negative ids are refused. */
void oxt_url_id(oxt_url_t *u, long long id);

/**
 * Adds key=value to the query, in the order of the calls (a key may come
 * more than once). key: 1-32 bytes of a-z A-Z 0-9 _ (anything else turns
 * the builder bad); value: any bytes, percent-encoded; NULL adds nothing.
 * No path segment may follow a query parameter.
 */
void oxt_url_query(oxt_url_t *u, const char *key, const char *value);

/** Adds key=v, v in decimal. */
void oxt_url_query_int(oxt_url_t *u, const char *key, long long v);

/** True while every call so far was right. */
int oxt_url_ok(const oxt_url_t *u);

/**
 * The URL as text (not HTML-escaped: for a Location header or the
 * HTML writer), in p; NULL when the builder is bad.
 */
const char *oxt_url_str(const oxt_url_t *u, apr_pool_t *p);

/**
 * The same text without a copy: valid until u is changed or its pool
 * goes. NULL when the builder is bad.
 */
const char *oxt_url_peek(const oxt_url_t *u);

/** What the first misuse was, or NULL. */
const char *oxt_url_error(const oxt_url_t *u);

#endif /* OXT_URL_H */
