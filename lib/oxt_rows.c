/*
 * oxt_rows.c — see oxt_rows.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "oxt_rows.h"

/* The statement texts: 1 to 32 rows, and 64. */
#define SIZES 33

struct oxt_rows_t {
    const oxt_rows_shape_t *shape;
    apr_pool_t *p;                  /* the texts */
    apr_pool_t *vals;               /* the rows' strings, cleared */
    apr_array_header_t *args;       /* oxt_db_arg_t, ncols a row */
    apr_array_header_t *bytes;      /* apr_size_t, one a row */
    const char *sql[SIZES];         /* by log2 of the chunk length */
};

oxt_rows_t *oxt_rows_make(const oxt_rows_shape_t *shape, apr_pool_t *p)
{
    oxt_rows_t *r = apr_pcalloc(p, sizeof(*r));

    r->shape = shape;
    apr_pool_create(&r->p, p);
    apr_pool_create(&r->vals, r->p);
    r->args = apr_array_make(r->p, 16 * shape->ncols, sizeof(oxt_db_arg_t));
    r->bytes = apr_array_make(r->p, 16, sizeof(apr_size_t));
    return r;
}

/* A copy of one value in p; its size in *pbytes. */
static oxt_db_arg_t rows_copy(oxt_db_arg_t a, apr_size_t *pbytes,
                              apr_pool_t *p)
{
    apr_size_t n;

    if (a.type != OXT_DB_T_STR || a.s == NULL) {
        *pbytes += sizeof(long long);
        return a;
    }
    n = a.len != 0 ? a.len : strlen(a.s);
    /* a NUL after the bytes, as a C string's copy has */
    a.s = apr_pstrmemdup(p, a.s, n);
    *pbytes += n;
    return a;
}

apr_status_t oxt_rows_add(oxt_rows_t *rows, const oxt_db_arg_t *args,
                          int nargs)
{
    apr_size_t bytes = 0;
    int i;

    if (nargs != rows->shape->ncols) {
        return APR_EINVAL;
    }
    for (i = 0; i < nargs; i++) {
        APR_ARRAY_PUSH(rows->args, oxt_db_arg_t) =
            rows_copy(args[i], &bytes, rows->vals);
    }
    APR_ARRAY_PUSH(rows->bytes, apr_size_t) = bytes;
    return APR_SUCCESS;
}

int oxt_rows_count(const oxt_rows_t *rows)
{
    return rows->bytes->nelts;
}

void oxt_rows_clear(oxt_rows_t *rows)
{
    rows->args->nelts = 0;
    rows->bytes->nelts = 0;
    apr_pool_clear(rows->vals);
}

const char *oxt_rows_sql(const oxt_rows_shape_t *shape, int n, apr_pool_t *p)
{
    apr_size_t tlen = strlen(shape->tuple), hlen = strlen(shape->head);
    apr_size_t xlen = strlen(shape->tail);
    apr_size_t len = hlen + (size_t)n * (tlen + 2) + xlen;
    char *sql = apr_palloc(p, len + 1), *at = sql;
    int i;

    memcpy(at, shape->head, hlen);
    at += hlen;
    for (i = 0; i < n; i++) {
        if (i > 0) {
            *at++ = ',';
            *at++ = ' ';
        }
        memcpy(at, shape->tuple, tlen);
        at += tlen;
    }
    memcpy(at, shape->tail, xlen + 1);
    return sql;
}

/* The lengths a statement may have: every one up to EXACT, then powers
 * of two up to OXT_ROWS_CHUNK_MAX (so at most 33 texts a shape). Up to
 * 32, not 16: a turn's rows between 17 and 31 (its log counts: a row for
 * each reseller, client and domain its log rows name) took two to four
 * statements of a commit's dozen, each a round trip on the commit's
 * critical path. */
#define EXACT 32

static apr_size_t rows_bytes(const apr_size_t *bytes, int k)
{
    apr_size_t sum = 0;
    int i;

    for (i = 0; i < k && sum <= OXT_ROWS_CHUNK_BYTES; i++) {
        sum += bytes[i];
    }
    return sum;
}

int oxt_rows_chunk(const apr_size_t *bytes, int n)
{
    int k = OXT_ROWS_CHUNK_MAX;

    if (n <= EXACT) {
        k = n < 1 ? 1 : n;
    }
    while (k > EXACT && k > n) {
        k /= 2;
    }
    while (k > 1 && rows_bytes(bytes, k) > OXT_ROWS_CHUNK_BYTES) {
        k = k > EXACT ? k / 2 : k - 1;
    }
    return k;
}

/* The text of a chunk of k rows (a length oxt_rows_chunk gives), made
 * once. */
static const char *rows_text(oxt_rows_t *rows, int k)
{
    int i = k - 1, n = EXACT;

    if (k > EXACT) {
        for (i = EXACT - 1; n < k; n *= 2) {
            i++;
        }
    }
    if (rows->sql[i] == NULL) {
        rows->sql[i] = oxt_rows_sql(rows->shape, k, rows->p);
    }
    return rows->sql[i];
}

apr_status_t oxt_rows_write(oxt_rows_t *rows, oxt_db_t *db,
                            oxt_result_t *res, apr_pool_t *ptemp)
{
    const oxt_db_arg_t *args = (const oxt_db_arg_t *)rows->args->elts;
    const apr_size_t *bytes = (const apr_size_t *)rows->bytes->elts;
    int n = rows->bytes->nelts, at = 0, k, nc = rows->shape->ncols;
    apr_status_t rv = APR_SUCCESS;

    while (rv == APR_SUCCESS && at < n) {
        k = oxt_rows_chunk(bytes + at, n - at);
        rv = oxt_db_exec(NULL, db, rows_text(rows, k), args + at * nc,
                         k * nc, res, ptemp);
        at += k;
    }
    oxt_rows_clear(rows);
    return rv;
}
