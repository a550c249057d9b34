/*
 * oxt_json.c — see oxt_json.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "oxt_json.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
    size_t n, i;

    if (s[0] < 0x80) {
        return 1;
    }
    n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
      : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4)) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

static size_t json_escape_char(char *out, unsigned char c)
{
    switch (c) {
    case '"':  memcpy(out, "\\\"", 2); return 2;
    case '\\': memcpy(out, "\\\\", 2); return 2;
    case '\n': memcpy(out, "\\n", 2); return 2;
    case '\r': memcpy(out, "\\r", 2); return 2;
    case '\t': memcpy(out, "\\t", 2); return 2;
    default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
        apr_snprintf(out, 7, "\\u%04x", c);
        return 6;
    }
    out[0] = (char)c;
    return 1;
}

const char *oxt_json_str(const char *s, apr_pool_t *p)
{
    const unsigned char *in = (const unsigned char *)s;
    char *out, *o;
    size_t n;

    if (s == NULL) {
        return "null";
    }
    /* Worst case: every byte becomes a 6-byte escape. */
    out = o = apr_palloc(p, strlen(s) * 6 + 3);
    *o++ = '"';
    while (*in) {
        n = utf8_seq_len(in);
        if (n == 1) {
            o += json_escape_char(o, *in);
        }
        else if (n > 1) {
            memcpy(o, in, n);
            o += n;
        }
        else {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            n = 1;
        }
        in += n;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* ---- the writer ----------------------------------------------------------- */

typedef struct json_level_t {
    char kind;                 /* '{' or '[' */
    int count;                 /* members written so far */
    int have_key;              /* a key waits for its value */
    apr_hash_t *keys;          /* keys seen (checked builds only) */
    apr_pool_t *kp;            /* holds keys; cleared for the next object
                                  at this depth, so a list of a million
                                  objects does not grow the pool */
} json_level_t;

struct oxt_json_t {
    oxt_sink_t *sink;
    apr_pool_t *p;
    int pretty;
    int depth;                 /* open containers */
    int done;                  /* the top-level value is complete */
    const char *error;         /* the first misuse */
    json_level_t level[OXT_JSON_MAX_DEPTH];
};

oxt_json_t *oxt_json_make(oxt_sink_t *sink, int pretty, apr_pool_t *p)
{
    oxt_json_t *j = apr_pcalloc(p, sizeof(*j));

    j->sink = sink;
    j->p = p;
    j->pretty = pretty;
    return j;
}

static int json_failed(const oxt_json_t *j)
{
    return j->error != NULL || oxt_sink_status(j->sink) != APR_SUCCESS;
}

static void json_misuse(oxt_json_t *j, const char *what)
{
    if (j->error == NULL) {
        j->error = what;
    }
}

static void json_put(oxt_json_t *j, const char *s, apr_size_t len)
{
    oxt_sink_write(j->sink, s, len);
}

static void json_newline(oxt_json_t *j)
{
    static const char spaces[] = "                                ";
    int n = j->depth * 2;

    json_put(j, "\n", 1);
    while (n > 0) {
        json_put(j, spaces, n > 32 ? 32 : (apr_size_t)n);
        n -= 32;
    }
}

/* Streams s escaped, in chunks, without allocating: a list of 100,000
 * rows must not grow the pool by its size. */
static void json_put_escaped(oxt_json_t *j, const char *s)
{
    const unsigned char *in = (const unsigned char *)s;
    char chunk[512];
    size_t used = 0, n;

    chunk[used++] = '"';
    while (*in) {
        if (used > sizeof(chunk) - 8) {
            json_put(j, chunk, used);
            used = 0;
        }
        n = utf8_seq_len(in);
        if (n == 1) {
            used += json_escape_char(chunk + used, *in);
        }
        else if (n > 1) {
            memcpy(chunk + used, in, n);
            used += n;
        }
        else {
            memcpy(chunk + used, "\\ufffd", 6);
            used += 6;
            n = 1;
        }
        in += n;
    }
    chunk[used++] = '"';
    json_put(j, chunk, used);
}

/* Before any value: the comma, the indent, and the checks. */
static int json_before_value(oxt_json_t *j)
{
    json_level_t *l = j->depth ? &j->level[j->depth - 1] : NULL;

    if (json_failed(j)) {
        return 0;
    }
    if (l == NULL) {
        if (j->done) {
            json_misuse(j, "a second top-level value");
            return 0;
        }
        return 1;
    }
    if (l->kind == '{') {
        if (!l->have_key) {
            json_misuse(j, "a value in an object without a key");
            return 0;
        }
        l->have_key = 0;
        return 1;
    }
    if (l->count++ > 0) {
        json_put(j, ",", 1);
    }
    if (j->pretty) {
        json_newline(j);
    }
    return 1;
}

static void json_after_value(oxt_json_t *j)
{
    if (j->depth == 0) {
        j->done = 1;
    }
}

void oxt_json_key(oxt_json_t *j, const char *key)
{
    json_level_t *l = j->depth ? &j->level[j->depth - 1] : NULL;

    if (json_failed(j)) {
        return;
    }
    if (l == NULL || l->kind != '{' || l->have_key || key == NULL) {
        json_misuse(j, "a key outside an object or without a value");
        return;
    }
#ifndef NDEBUG
    if (l->keys == NULL) {
        if (l->kp == NULL) {
            apr_pool_create(&l->kp, j->p);
        }
        l->keys = apr_hash_make(l->kp);
    }
    if (apr_hash_get(l->keys, key, APR_HASH_KEY_STRING) != NULL) {
        json_misuse(j, apr_pstrcat(j->p, "duplicate key ",
                                   oxt_json_str(key, j->p), NULL));
        return;
    }
    apr_hash_set(l->keys, apr_pstrdup(l->kp, key), APR_HASH_KEY_STRING, "");
#endif
    if (l->count++ > 0) {
        json_put(j, ",", 1);
    }
    if (j->pretty) {
        json_newline(j);
    }
    else if (l->count > 1) {
        json_put(j, " ", 1);
    }
    json_put_escaped(j, key);
    json_put(j, ": ", 2);
    l->have_key = 1;
}

static void json_open(oxt_json_t *j, char kind)
{
    json_level_t *l;
    apr_pool_t *kp;

    if (!json_before_value(j)) {
        return;
    }
    if (j->depth == OXT_JSON_MAX_DEPTH) {
        json_misuse(j, "nesting too deep");
        return;
    }
    l = &j->level[j->depth++];
    kp = l->kp;
    memset(l, 0, sizeof(*l));
    l->kp = kp;
    if (kp != NULL) {
        apr_pool_clear(kp);
    }
    l->kind = kind;
    json_put(j, kind == '{' ? "{" : "[", 1);
}

void oxt_json_object(oxt_json_t *j)
{
    json_open(j, '{');
}

void oxt_json_array(oxt_json_t *j)
{
    json_open(j, '[');
}

void oxt_json_end(oxt_json_t *j)
{
    json_level_t *l;

    if (json_failed(j)) {
        return;
    }
    if (j->depth == 0) {
        json_misuse(j, "an end with nothing open");
        return;
    }
    l = &j->level[j->depth - 1];
    if (l->have_key) {
        json_misuse(j, "a key without a value");
        return;
    }
    j->depth--;
    if (j->pretty && l->count > 0) {
        json_newline(j);
    }
    json_put(j, l->kind == '{' ? "}" : "]", 1);
    json_after_value(j);
}

static void json_scalar(oxt_json_t *j, const char *text, apr_size_t len)
{
    if (json_before_value(j)) {
        json_put(j, text, len);
        json_after_value(j);
    }
}

void oxt_json_string(oxt_json_t *j, const char *s)
{
    if (s == NULL) {
        oxt_json_null(j);
    }
    else if (json_before_value(j)) {
        json_put_escaped(j, s);
        json_after_value(j);
    }
}

void oxt_json_int(oxt_json_t *j, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", v);

    json_scalar(j, buf, (apr_size_t)n);
}

void oxt_json_bool(oxt_json_t *j, int v)
{
    json_scalar(j, v ? "true" : "false", v ? 4 : 5);
}

void oxt_json_null(oxt_json_t *j)
{
    json_scalar(j, "null", 4);
}

void oxt_json_double(oxt_json_t *j, double v)
{
    char buf[40];
    int n;

    if (!isfinite(v)) {
        oxt_json_null(j);
        return;
    }
    n = snprintf(buf, sizeof(buf), "%.15g", v);
    json_scalar(j, buf, (apr_size_t)n);
}

void oxt_json_kstr(oxt_json_t *j, const char *key, const char *s)
{
    oxt_json_key(j, key);
    oxt_json_string(j, s);
}

void oxt_json_kint(oxt_json_t *j, const char *key, long long v)
{
    oxt_json_key(j, key);
    oxt_json_int(j, v);
}

void oxt_json_kbool(oxt_json_t *j, const char *key, int v)
{
    oxt_json_key(j, key);
    oxt_json_bool(j, v);
}

void oxt_json_knull(oxt_json_t *j, const char *key)
{
    oxt_json_key(j, key);
    oxt_json_null(j);
}

void oxt_json_kdouble(oxt_json_t *j, const char *key, double v)
{
    oxt_json_key(j, key);
    oxt_json_double(j, v);
}

void oxt_json_kobject(oxt_json_t *j, const char *key)
{
    oxt_json_key(j, key);
    oxt_json_object(j);
}

void oxt_json_karray(oxt_json_t *j, const char *key)
{
    oxt_json_key(j, key);
    oxt_json_array(j);
}

apr_status_t oxt_json_finish(oxt_json_t *j)
{
    if (oxt_sink_status(j->sink) != APR_SUCCESS) {
        return oxt_sink_status(j->sink);
    }
    if (j->error == NULL && (j->depth > 0 || !j->done)) {
        json_misuse(j, j->depth > 0 ? "an object or array left open"
                                    : "no value written");
    }
    if (j->error != NULL) {
        return APR_EINVAL;
    }
    json_put(j, "\n", 1);
    return oxt_sink_status(j->sink);
}

const char *oxt_json_error(const oxt_json_t *j)
{
    return j->error;
}
