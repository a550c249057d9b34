/*
 * oxt_csv.c — see oxt_csv.h.
 */
#include <stdio.h>
#include <string.h>

#include "oxt_csv.h"
#include "oxt_utf8.h"

struct oxt_csv_t {
    oxt_sink_t *sink;
    int fields;                /* fields in the open record */
    int bom;                   /* the BOM is still to be written */
};

oxt_csv_t *oxt_csv_make(oxt_sink_t *sink, int flags, apr_pool_t *p)
{
    oxt_csv_t *c = apr_pcalloc(p, sizeof(*c));

    c->sink = sink;
    c->bom = (flags & OXT_CSV_BOM) != 0;
    return c;
}

static void csv_put(oxt_csv_t *c, const char *s, apr_size_t n)
{
    oxt_sink_write(c->sink, s, n);
}

static void csv_separate(oxt_csv_t *c)
{
    if (c->bom) {
        csv_put(c, "\xef\xbb\xbf", 3);
        c->bom = 0;
    }
    if (c->fields++ > 0) {
        csv_put(c, ",", 1);
    }
}

/* A cell a spreadsheet would read as a formula. */
static int csv_is_formula(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'
        || s[0] == '\t' || s[0] == '\r';
}

static int csv_needs_quotes(const char *s)
{
    return strpbrk(s, "\",\r\n") != NULL;
}

/* Streams s with inner quotes doubled and invalid UTF-8 replaced. */
static void csv_put_body(oxt_csv_t *c, const char *s)
{
    char chunk[512];
    apr_size_t used = 0, n, len = strlen(s), i = 0;
    unsigned cp;

    while (i < len) {
        if (used > sizeof(chunk) - 8) {
            csv_put(c, chunk, used);
            used = 0;
        }
        n = oxt_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            memcpy(chunk + used, OXT_UTF8_REPLACEMENT, 3);
            used += 3;
            i++;
            continue;
        }
        if (s[i] == '"') {
            chunk[used++] = '"';
        }
        memcpy(chunk + used, s + i, n);
        used += n;
        i += n;
    }
    csv_put(c, chunk, used);
}

void oxt_csv_field(oxt_csv_t *c, const char *s)
{
    int formula, quote;

    csv_separate(c);
    if (s == NULL || *s == '\0') {
        return;
    }
    formula = csv_is_formula(s);
    quote = formula || csv_needs_quotes(s);
    if (quote) {
        csv_put(c, "\"", 1);
    }
    if (formula) {
        csv_put(c, "'", 1);
    }
    csv_put_body(c, s);
    if (quote) {
        csv_put(c, "\"", 1);
    }
}

void oxt_csv_int(oxt_csv_t *c, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", v);

    csv_separate(c);
    csv_put(c, buf, (apr_size_t)n);
}

void oxt_csv_end_row(oxt_csv_t *c)
{
    if (c->bom) {
        csv_put(c, "\xef\xbb\xbf", 3);
        c->bom = 0;
    }
    csv_put(c, "\r\n", 2);
    c->fields = 0;
}

apr_status_t oxt_csv_finish(oxt_csv_t *c)
{
    if (c->fields > 0) {
        oxt_csv_end_row(c);
    }
    return oxt_sink_status(c->sink);
}
