/*
 * oxt_html.c — see oxt_html.h.
 */
#include <stdio.h>
#include <string.h>

#include "oxt_html.h"
#include "oxt_utf8.h"

struct oxt_html_t {
    oxt_sink_t *sink;
    apr_pool_t *p;
    const char *error;         /* the first misuse */
};

oxt_html_t *oxt_html_make(oxt_sink_t *sink, apr_pool_t *p)
{
    oxt_html_t *h = apr_pcalloc(p, sizeof(*h));

    h->sink = sink;
    h->p = p;
    return h;
}

oxt_sink_t *oxt_html_sink(const oxt_html_t *h)
{
    return h->sink;
}

apr_pool_t *oxt_html_pool(const oxt_html_t *h)
{
    return h->p;
}

apr_pool_t *oxt_html_use_pool(oxt_html_t *h, apr_pool_t *p)
{
    apr_pool_t *old = h->p;

    h->p = p;
    return old;
}

static void html_misuse(oxt_html_t *h, const char *why)
{
    if (h->error == NULL) {
        h->error = why;
    }
}

static void html_put(oxt_html_t *h, const char *s, apr_size_t len)
{
    if (h->error == NULL) {
        oxt_sink_write(h->sink, s, len);
    }
}

void oxt_html_raw_lit(oxt_html_t *h, const char *s, apr_size_t len)
{
    html_put(h, s, len);
}

/* ---- the character rules ------------------------------------------------ */

/* Invisible format characters that reorder text (bidi embeddings,
 * overrides, isolates, marks) or hide it (zero-width, fillers, tags). */
static int html_is_hidden_format(unsigned cp)
{
    return cp == 0x061C || cp == 0x115F || cp == 0x1160 || cp == 0x180E
        || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 || cp == 0xFEFF
        || cp == 0xFFA0 || (cp >= 0xFFF9 && cp <= 0xFFFB)
        || (cp >= 0xE0000 && cp <= 0xE007F);
}

static int html_is_noncharacter(unsigned cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* A code point of two or more bytes that is shown as U+FFFD. */
static int html_replaced(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || html_is_noncharacter(cp)
        || html_is_hidden_format(cp);
}

/* What an ASCII byte becomes; *pn gets the length (0: dropped). */
static const char *html_ascii(unsigned char c, char *one, apr_size_t *pn)
{
    switch (c) {
    case '&':  *pn = 5; return "&amp;";
    case '<':  *pn = 4; return "&lt;";
    case '>':  *pn = 4; return "&gt;";
    case '"':  *pn = 6; return "&quot;";
    case '\'': *pn = 5; return "&#39;";
    case '\t': case '\n':
        break;
    case '\r':
        *pn = 0;
        return "";
    default:
        if (c < 0x20 || c == 0x7F) {
            *pn = 3;
            return OXT_UTF8_REPLACEMENT;
        }
        break;
    }
    one[0] = (char)c;
    *pn = 1;
    return one;
}

/* What the bytes at s become; *pused: how many were consumed. */
static const char *html_clean_one(const char *s, apr_size_t len, char *one,
                                  apr_size_t *pused, apr_size_t *pn)
{
    unsigned cp;
    apr_size_t n;

    if ((unsigned char)s[0] < 0x80) {
        *pused = 1;
        return html_ascii((unsigned char)s[0], one, pn);
    }
    n = oxt_utf8_decode(s, len, &cp);
    if (n == 0 || html_replaced(cp)) {
        *pused = n ? n : 1;
        *pn = 3;
        return OXT_UTF8_REPLACEMENT;
    }
    *pused = n;
    *pn = n;
    return s;
}

/* Streams len bytes escaped and cleaned, in chunks, allocating nothing. */
static void html_put_clean(oxt_html_t *h, const char *s, apr_size_t len)
{
    char chunk[512], one[1];
    apr_size_t used = 0, i = 0, consumed, n;
    const char *out;

    while (i < len) {
        if (used > sizeof(chunk) - 8) {
            html_put(h, chunk, used);
            used = 0;
        }
        out = html_clean_one(s + i, len - i, one, &consumed, &n);
        memcpy(chunk + used, out, n);
        used += n;
        i += consumed;
    }
    html_put(h, chunk, used);
}

/* ---- text ------------------------------------------------------------------ */

void oxt_html_text(oxt_html_t *h, const char *s)
{
    if (s != NULL) {
        html_put_clean(h, s, strlen(s));
    }
}

void oxt_html_textn(oxt_html_t *h, const char *s, apr_size_t len)
{
    html_put_clean(h, s, len);
}

void oxt_html_name(oxt_html_t *h, const char *s)
{
    OXT_HTML_LIT(h, "<bdi>");
    oxt_html_text(h, s);
    OXT_HTML_LIT(h, "</bdi>");
}

void oxt_html_int(oxt_html_t *h, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", v);

    html_put(h, buf, (apr_size_t)n);
}

/* ---- attributes -------------------------------------------------------------- */

static const char *const html_url_attrs[] = {
    "href", "src", "action", "formaction", NULL
};

/* Names that run script, load something or redirect, whatever value
 * they get: never through oxt_html_attr. */
static const char *const html_refused_attrs[] = {
    "style", "srcdoc", "srcset", "content", "http-equiv", "poster", "cite",
    "background", "data", "codebase", "manifest", "ping", "lowsrc",
    "dynsrc", "longdesc", "xmlns", "is", NULL
};

static int html_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(name, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

static int html_name_chars_ok(const char *name)
{
    apr_size_t n = strlen(name), i;

    if (n == 0 || n > 32 || !(name[0] >= 'a' && name[0] <= 'z')) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!((name[i] >= 'a' && name[i] <= 'z') || name[i] == '-'
              || (name[i] >= '0' && name[i] <= '9'))) {
            return 0;
        }
    }
    return 1;
}

static int html_attr_name_ok(oxt_html_t *h, const char *name)
{
    if (name == NULL || !html_name_chars_ok(name)) {
        html_misuse(h, "bad attribute name");
        return 0;
    }
    if (strncmp(name, "on", 2) == 0 || html_in(name, html_refused_attrs)
        || html_in(name, html_url_attrs)) {
        html_misuse(h, "refused attribute name");
        return 0;
    }
    return 1;
}

static void html_attr_open(oxt_html_t *h, const char *name)
{
    html_put(h, " ", 1);
    html_put(h, name, strlen(name));
    html_put(h, "=\"", 2);
}

void oxt_html_attr(oxt_html_t *h, const char *name, const char *value)
{
    if (!html_attr_name_ok(h, name) || value == NULL) {
        return;
    }
    html_attr_open(h, name);
    html_put_clean(h, value, strlen(value));
    html_put(h, "\"", 1);
}

void oxt_html_attr_int(oxt_html_t *h, const char *name, long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    oxt_html_attr(h, name, buf);
}

void oxt_html_attr_flag(oxt_html_t *h, const char *name, int on)
{
    if (html_attr_name_ok(h, name) && on) {
        html_put(h, " ", 1);
        html_put(h, name, strlen(name));
    }
}

void oxt_html_attr_url(oxt_html_t *h, const char *name, const oxt_url_t *u)
{
    const char *text;

    if (name == NULL || !html_in(name, html_url_attrs)) {
        html_misuse(h, "not a URL attribute");
        return;
    }
    text = u ? oxt_url_peek(u) : NULL;
    if (text == NULL) {
        html_misuse(h, "bad URL");
        return;
    }
    html_attr_open(h, name);
    html_put_clean(h, text, strlen(text));
    html_put(h, "\"", 1);
}

void oxt_html_fail(oxt_html_t *h, const char *why)
{
    html_misuse(h, why ? why : "misuse");
}

/* ---- the end ------------------------------------------------------------------ */

int oxt_html_ok(const oxt_html_t *h)
{
    return h->error == NULL && oxt_sink_status(h->sink) == APR_SUCCESS;
}

apr_status_t oxt_html_finish(oxt_html_t *h)
{
    if (h->error != NULL) {
        return APR_EINVAL;
    }
    return oxt_sink_status(h->sink);
}

const char *oxt_html_error(const oxt_html_t *h)
{
    return h->error;
}
