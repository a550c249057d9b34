/*
 * oxt_url.c — see oxt_url.h.
 */
#include <stdio.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "oxt_url.h"

struct oxt_url_t {
    apr_pool_t *p;
    char *buf;                 /* NUL-terminated */
    apr_size_t len;
    apr_size_t cap;
    int panel;                 /* a Plesk panel link: words and ids only */
    int segments;              /* path segments added */
    int in_query;              /* a query parameter was added */
    const char *error;         /* the first misuse */
};

/* ---- building ------------------------------------------------------------ */

static void url_bad(oxt_url_t *u, const char *why)
{
    if (u->error == NULL) {
        u->error = why;
    }
}

static void url_put(oxt_url_t *u, const char *s, apr_size_t n)
{
    apr_size_t cap;
    char *grown;

    if (u->error != NULL) {
        return;
    }
    if (n > OXT_URL_MAX - u->len) {
        url_bad(u, "URL too long");
        return;
    }
    if (u->len + n + 1 > u->cap) {
        cap = u->cap ? u->cap * 2 : 128;
        while (cap < u->len + n + 1) {
            cap *= 2;
        }
        grown = apr_palloc(u->p, cap);
        memcpy(grown, u->buf, u->len);
        u->buf = grown;
        u->cap = cap;
    }
    memcpy(u->buf + u->len, s, n);
    u->len += n;
    u->buf[u->len] = '\0';
}

static int url_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

/* Percent-encodes everything but the unreserved characters of RFC 3986:
 * the result cannot end a segment, start a query or carry a scheme. */
static void url_put_encoded(oxt_url_t *u, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char chunk[96];
    apr_size_t used = 0;
    unsigned char c;

    for (; *s; s++) {
        if (used > sizeof(chunk) - 4) {
            url_put(u, chunk, used);
            used = 0;
        }
        c = (unsigned char)*s;
        if (url_unreserved(c)) {
            chunk[used++] = (char)c;
        }
        else {
            chunk[used++] = '%';
            chunk[used++] = hex[c >> 4];
            chunk[used++] = hex[c & 0x0F];
        }
    }
    url_put(u, chunk, used);
}

static oxt_url_t *url_new(apr_pool_t *p)
{
    oxt_url_t *u = apr_pcalloc(p, sizeof(*u));

    u->p = p;
    u->buf = "";
    return u;
}

/* ---- checks -------------------------------------------------------------- */

static int url_is_dots(const char *s, apr_size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* A base of segments of unreserved characters, none "." or "..". */
static int url_base_ok(const char *base)
{
    const char *seg;
    apr_size_t n;

    if (*base == '\0') {
        return 1;
    }
    while (*base == '/') {
        seg = ++base;
        while (*base && url_unreserved((unsigned char)*base)) {
            base++;
        }
        n = (apr_size_t)(base - seg);
        if (n == 0 || url_is_dots(seg, n)) {
            return 0;
        }
    }
    return *base == '\0';
}

static int url_word_ok(const char *w)
{
    apr_size_t n = strlen(w), i;

    if (n == 0 || n > 64 || url_is_dots(w, n)) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!url_unreserved((unsigned char)w[i]) || w[i] == '~') {
            return 0;
        }
    }
    return 1;
}

static int url_key_ok(const char *key)
{
    apr_size_t n = strlen(key), i;
    unsigned char c;

    if (n == 0 || n > 32) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        c = (unsigned char)key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static int url_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* The host part of a panel base: a name or IPv4 (LDH and dots, not
 * starting or ending with a dot), or "[" IPv6 "]". Returns its length,
 * 0 when it is not one. */
static apr_size_t url_host_len(const char *s)
{
    apr_size_t n = 0, i;

    if (s[0] == '[') {
        for (n = 1; s[n] != ']'; n++) {
            if (!(apr_isxdigit(s[n]) || s[n] == ':' || s[n] == '.')) {
                return 0;
            }
        }
        return n > 2 ? n + 1 : 0;
    }
    while (url_host_char((unsigned char)s[n])) {
        n++;
    }
    if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.') {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if (s[i] == '.' && s[i - 1] == '.') {
            return 0;
        }
    }
    return n;
}

/* ":port" (1-65535) or nothing, then at most one '/' and the end. */
static int url_port_tail_ok(const char *s)
{
    long port = 0;
    int digits = 0;

    if (*s == ':') {
        for (s++; apr_isdigit(*s) && digits < 6; s++, digits++) {
            port = port * 10 + (*s - '0');
        }
        if (digits == 0 || port < 1 || port > 65535) {
            return 0;
        }
    }
    if (*s == '/') {
        s++;
    }
    return *s == '\0';
}

static int url_panel_base_ok(const char *base, apr_size_t *pend)
{
    apr_size_t skip, host;

    if (strncmp(base, "https://", 8) == 0) {
        skip = 8;
    }
    else if (strncmp(base, "http://", 7) == 0) {
        skip = 7;
    }
    else {
        return 0;
    }
    host = url_host_len(base + skip);
    if (host == 0 || !url_port_tail_ok(base + skip + host)) {
        return 0;
    }
    *pend = strlen(base);
    if (*pend > 0 && base[*pend - 1] == '/') {
        (*pend)--;
    }
    return 1;
}

/* ---- the interface --------------------------------------------------------- */

oxt_url_t *oxt_url_make(const char *base, apr_pool_t *p)
{
    oxt_url_t *u = url_new(p);

    if (base == NULL || !url_base_ok(base)) {
        url_bad(u, "bad base path");
        return u;
    }
    url_put(u, base, strlen(base));
    url_put(u, "/", 1);        /* the root of our routes is base + "/" */
    return u;
}

oxt_url_t *oxt_url_panel(const char *panel_base, apr_pool_t *p)
{
    oxt_url_t *u = url_new(p);
    apr_size_t end = 0;

    u->panel = 1;
    if (panel_base == NULL || !url_panel_base_ok(panel_base, &end)) {
        url_bad(u, "bad panel base");
        return u;
    }
    url_put(u, panel_base, end);
    url_put(u, "/", 1);
    return u;
}

oxt_url_t *oxt_url_copy(const oxt_url_t *u, apr_pool_t *p)
{
    oxt_url_t *c = apr_pmemdup(p, u, sizeof(*u));

    c->p = p;
    c->buf = apr_pstrmemdup(p, u->buf, u->len);
    c->cap = u->len + 1;
    return c;
}

/* Every segment starts a new '/'; none may follow the query. */
static int url_segment_start(oxt_url_t *u)
{
    if (u->in_query) {
        url_bad(u, "a path segment after the query");
        return 0;
    }
    if (u->segments++ > 0) {
        url_put(u, "/", 1);    /* the first one reuses the root's '/' */
    }
    return u->error == NULL;
}

void oxt_url_word_lit(oxt_url_t *u, const char *word)
{
    if (!url_word_ok(word)) {
        url_bad(u, "bad path word");
        return;
    }
    if (url_segment_start(u)) {
        url_put(u, word, strlen(word));
    }
}

void oxt_url_seg(oxt_url_t *u, const char *segment)
{
    apr_size_t n = segment ? strlen(segment) : 0;

    if (u->panel) {
        url_bad(u, "data in a panel path");
        return;
    }
    if (n == 0 || url_is_dots(segment, n)) {
        url_bad(u, "empty or dot segment");
        return;
    }
    if (url_segment_start(u)) {
        url_put_encoded(u, segment);
    }
}

void oxt_url_id(oxt_url_t *u, long long id)
{
    char buf[32];
    int n;

    if (id < 0) {
        url_bad(u, "negative id");
        return;
    }
    n = snprintf(buf, sizeof(buf), "%lld", id);
    if (url_segment_start(u)) {
        url_put(u, buf, (apr_size_t)n);
    }
}

void oxt_url_query(oxt_url_t *u, const char *key, const char *value)
{
    if (key == NULL || !url_key_ok(key)) {
        url_bad(u, "bad query key");
        return;
    }
    if (value == NULL) {
        return;
    }
    url_put(u, u->in_query ? "&" : "?", 1);
    u->in_query = 1;
    url_put(u, key, strlen(key));
    url_put(u, "=", 1);
    url_put_encoded(u, value);
}

void oxt_url_query_int(oxt_url_t *u, const char *key, long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    oxt_url_query(u, key, buf);
}

int oxt_url_ok(const oxt_url_t *u)
{
    return u->error == NULL;
}

const char *oxt_url_str(const oxt_url_t *u, apr_pool_t *p)
{
    return u->error != NULL ? NULL : apr_pstrmemdup(p, u->buf, u->len);
}

const char *oxt_url_peek(const oxt_url_t *u)
{
    return u->error != NULL ? NULL : u->buf;
}

const char *oxt_url_error(const oxt_url_t *u)
{
    return u->error;
}
