/*
 * oxt_json.h — writing JSON text: the "?format=json" twin of every page and
 * the replicator's --json output.
 *
 * The writer keeps track of commas, nesting and escaping, so no caller
 * builds JSON by hand. It checks that it is used right (a value in an object
 * needs a key first, containers close in order, and — unless NDEBUG — no
 * key twice in one object: a duplicate key already shipped once with
 * hand-written JSON). The first misuse stops the output and is reported by
 * oxt_json_finish.
 */
#ifndef OXT_JSON_H
#define OXT_JSON_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_sink.h"

/**
 * s as a JSON string literal, quotes included; NULL gives null. Control
 * characters, quotes and backslashes are escaped, and so are < > & so the
 * text is also safe inside an HTML script block. Invalid UTF-8 bytes become
 * U+FFFD. Result lives in p.
 */
const char *oxt_json_str(const char *s, apr_pool_t *p);

typedef struct oxt_json_t oxt_json_t;

/** The deepest nesting the writer accepts. */
#define OXT_JSON_MAX_DEPTH 32

/**
 * A writer to sink, in p. pretty: one member per line, indented by two
 * spaces (for people at a terminal); otherwise compact.
 */
oxt_json_t *oxt_json_make(oxt_sink_t *sink, int pretty, apr_pool_t *p);

/** Opens an object / an array as the next value. */
void oxt_json_object(oxt_json_t *j);
void oxt_json_array(oxt_json_t *j);

/** Closes the innermost open object or array. */
void oxt_json_end(oxt_json_t *j);

/** Inside an object: the key of the next value. */
void oxt_json_key(oxt_json_t *j, const char *key);

/** Values. oxt_json_string(j, NULL) writes null. */
void oxt_json_string(oxt_json_t *j, const char *s);
void oxt_json_int(oxt_json_t *j, long long v);
void oxt_json_bool(oxt_json_t *j, int v);
void oxt_json_null(oxt_json_t *j);
/** A number with up to 15 significant digits; NaN and infinities: null. */
void oxt_json_double(oxt_json_t *j, double v);

/* A key and its value in one call. */
void oxt_json_kstr(oxt_json_t *j, const char *key, const char *s);
void oxt_json_kint(oxt_json_t *j, const char *key, long long v);
void oxt_json_kbool(oxt_json_t *j, const char *key, int v);
void oxt_json_knull(oxt_json_t *j, const char *key);
void oxt_json_kdouble(oxt_json_t *j, const char *key, double v);
void oxt_json_kobject(oxt_json_t *j, const char *key);
void oxt_json_karray(oxt_json_t *j, const char *key);

/**
 * Ends the text (a newline after the top-level value). APR_SUCCESS when
 * one complete value was written; APR_EINVAL after a misuse (described
 * by oxt_json_error); else the sink's failure.
 */
apr_status_t oxt_json_finish(oxt_json_t *j)
    __attribute__((warn_unused_result));

/** What the first misuse was ("duplicate key \"id\""), or NULL. */
const char *oxt_json_error(const oxt_json_t *j);

#endif /* OXT_JSON_H */
