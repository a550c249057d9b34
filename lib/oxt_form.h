/*
 * oxt_form.h — bounded parsers of what browsers send: query strings and
 * application/x-www-form-urlencoded bodies, and multipart/form-data
 * bodies (the license-key upload).
 *
 * Everything here reads outside input, so every parser has hard limits
 * (oxt_form_limits_t, oxt_multipart_limits_t) and is strict: what a
 * browser never sends (a bare '%', a NUL, bytes that are not UTF-8, a
 * folded header, a part without a name) is refused rather than guessed
 * at. Refusals are APR_EINVAL (malformed: answer 400) or APR_ENOSPC (over
 * a limit: answer 413); res, when not NULL, says which rule was broken
 * (never quoting the input). Nothing is ever written to a file.
 * fuzz/fuzz_form.c and fuzz/fuzz_multipart.c drive both parsers.
 *
 * Example — the "Apply Your Changes" POST of a list:
 *
 *     oxt_form_t *f;
 *     apr_array_header_t *rows, *forever;
 *
 *     rv = oxt_form_parse(&f, body, len, &oxt_form_list_limits, res, p);
 *     if (rv == APR_SUCCESS)
 *         rv = oxt_form_ids(&rows, f, "row", p);       rows on the page
 *     if (rv == APR_SUCCESS)
 *         rv = oxt_form_ids(&forever, f, "forever", p);  the ticked ones
 *     ... check every id against the caller's subtree ...
 *
 * Results live in the pool given to the parser.
 */
#ifndef OXT_FORM_H
#define OXT_FORM_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"

/* ---- application/x-www-form-urlencoded and query strings ---------------- */

typedef struct oxt_form_limits_t {
    apr_size_t max_input;      /* bytes of the whole query or body */
    int max_fields;            /* key=value pairs */
    apr_size_t max_key;        /* bytes of a key, decoded */
    apr_size_t max_value;      /* bytes of a value, decoded */
} oxt_form_limits_t;

/** A query string of a page: 8 KiB, 64 fields, keys 64, values 2 KiB. */
extern const oxt_form_limits_t oxt_form_query_limits;

/** A dialog's form (Prefs, Settings): 64 KiB, 512 fields, values 8 KiB. */
extern const oxt_form_limits_t oxt_form_post_limits;

/**
 * The POST of a whole list with "All" entries per page (a row id and up
 * to four ticks per row): 8 MiB, 250,000 fields, values 1 KiB.
 */
extern const oxt_form_limits_t oxt_form_list_limits;

typedef struct oxt_form_field_t {
    const char *key;           /* decoded, NUL-terminated, valid UTF-8 */
    const char *value;         /* decoded, NUL-terminated, valid UTF-8 */
} oxt_form_field_t;

typedef struct oxt_form_t oxt_form_t;

/**
 * Parses len bytes of "k=v&k=v" (a query string without its '?', or a
 * form body) into *pform, in p. '+' is a space, %XX a byte; empty pairs
 * ("a=1&&b=2") are skipped, a pair without '=' has an empty value.
 * Refused: input over lim->max_input, more than max_fields pairs, a key or
 * value over its limit (APR_ENOSPC); a '%' without two hex digits, an
 * empty key, a NUL or invalid UTF-8 after decoding (APR_EINVAL).
 * Repeated keys are kept, in order (checkbox groups).
 */
apr_status_t oxt_form_parse(oxt_form_t **pform, const char *data,
                            apr_size_t len, const oxt_form_limits_t *lim,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** An empty form, in p (for a request without a query string). */
oxt_form_t *oxt_form_empty(apr_pool_t *p);

/** The number of fields, and field i (0-based) in the order sent. */
int oxt_form_count(const oxt_form_t *f);
const oxt_form_field_t *oxt_form_field(const oxt_form_t *f, int i);

/** The first value of key, or NULL. */
const char *oxt_form_get(const oxt_form_t *f, const char *key);

/** Every value of key in the order sent (const char *), in p. */
apr_array_header_t *oxt_form_values(const oxt_form_t *f, const char *key,
                                    apr_pool_t *p);

/**
 * The first value of key as an integer in [min, max]: APR_ENOENT when
 * the key is absent, APR_EINVAL when the value is not a plain decimal
 * number ("7"; not " 7", "+7", "07x" or "") or out of range.
 */
apr_status_t oxt_form_int(long long *pv, const oxt_form_t *f,
                          const char *key, long long min, long long max)
    __attribute__((warn_unused_result));

/**
 * Every value of key as a positive id (long long), in order, in p; an
 * empty array when the key is absent; APR_EINVAL when one is not a
 * positive decimal number.
 */
apr_status_t oxt_form_ids(apr_array_header_t **pids, const oxt_form_t *f,
                          const char *key, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * A positive decimal id (1 .. 2^63-1) from s: the rule of oxt_form_ids
 * and of the list's owner filters. APR_EINVAL for anything else.
 */
apr_status_t oxt_form_parse_id(long long *pid, const char *s)
    __attribute__((warn_unused_result));

/* ---- multipart/form-data ------------------------------------------------ */

typedef struct oxt_multipart_limits_t {
    apr_size_t max_body;       /* bytes of the whole body */
    int max_parts;
    apr_size_t max_header;     /* bytes of one header line, CR LF included */
    int max_headers;           /* header lines of one part */
} oxt_multipart_limits_t;

/**
 * The license-key upload: 64 KiB, 8 parts, header lines of 1 KiB, 8
 * headers a part.
 */
extern const oxt_multipart_limits_t oxt_multipart_upload_limits;

typedef struct oxt_part_t {
    const char *name;          /* the form field's name (never NULL) */
    const char *filename;      /* as the browser sent it; NULL if none */
    const char *type;          /* the part's Content-Type; NULL if none */
    const char *data;          /* the bytes: NOT NUL-terminated, and */
    apr_size_t len;            /* pointing into the body given to parse */
} oxt_part_t;

/**
 * The boundary of a Content-Type "multipart/form-data; boundary=...":
 * the type case-insensitive, parameters well formed (token=token or
 * token="quoted", no backslashes), exactly one boundary of 1-70 of the
 * characters RFC 2046 allows, not ending in a space. In p.
 */
apr_status_t oxt_multipart_boundary(const char **pboundary,
                                    const char *content_type,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Parses a multipart/form-data body into *pparts (oxt_part_t, in order),
 * in memory. The body starts with "--boundary" CR LF (browsers send no
 * preamble), each part has CR LF-terminated headers (no folding) with a
 * Content-Disposition "form-data" and a name, parts are separated by
 * CR LF "--boundary" CR LF, and the last delimiter ends with "--".
 * Anything else, a truncated body or a limit passed is refused.
 * The parts point into body: keep it alive as long as them.
 */
apr_status_t oxt_multipart_parse(apr_array_header_t **pparts,
                                 const char *body, apr_size_t len,
                                 const char *boundary,
                                 const oxt_multipart_limits_t *lim,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The first part named name, or NULL. */
const oxt_part_t *oxt_multipart_get(const apr_array_header_t *parts,
                                    const char *name);

/**
 * A part's bytes as a string in p (a text field such as the CSRF token),
 * at most max bytes: APR_ENOSPC when longer, APR_EINVAL when they hold a
 * NUL or invalid UTF-8.
 */
apr_status_t oxt_multipart_text(const char **ptext, const oxt_part_t *part,
                                apr_size_t max, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_FORM_H */
