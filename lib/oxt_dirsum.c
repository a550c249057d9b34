/*
 * oxt_dirsum.c — see oxt_dirsum.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "oxt_dirsum.h"
#include "oxt_util.h"

/* The bucket of the global sum. */
#define GLOBAL (-1LL)
/* Rows per statement when saving. */
#define SAVE_ROWS 200

typedef struct dirsum_one_t {
    unsigned long long x;
    unsigned long long s;
    unsigned long long n;
} dirsum_one_t;

struct oxt_dirsum_t {
    apr_hash_t *now;           /* bucket -> dirsum_one_t */
    apr_hash_t *stored;
};

#define W APR_STRINGIFY(OXT_DIRSUM_WIDTH)

/* Per bucket: one GROUP BY per source table (a scan; up to a thousand
 * groups). The columns are joined by a byte no name holds; CONCAT_WS
 * leaves a NULL out, so only a NULL and a value swapping places between
 * two neighbouring columns at once would go unseen. Each row starts
 * with 0: what the sources hold now (1: what was stored). */
#define BUCKET_SQL \
    " UNION ALL SELECT 0, k DIV " W ", BIT_XOR(h), SUM(h), COUNT(*) FROM" \
    " (SELECT dom_id AS k, CRC32(CONCAT_WS(0x1f, id, dom_id, mail_name," \
    " postbox)) AS h FROM psa.mail) x GROUP BY 2" \
    " UNION ALL SELECT 0, k DIV " W ", BIT_XOR(h), SUM(h), COUNT(*) FROM" \
    " (SELECT id AS k, CRC32(CONCAT_WS(0x1f, id, name, displayName," \
    " status, cl_id)) AS h FROM psa.domains) x GROUP BY 2" \
    " UNION ALL SELECT 0, k DIV " W ", BIT_XOR(h), SUM(h), COUNT(*) FROM" \
    " (SELECT dom_id AS k, CRC32(CONCAT_WS(0x1f, id, dom_id, status))" \
    " AS h FROM psa.DomainServices WHERE type = 'mail') x GROUP BY 2" \
    " UNION ALL SELECT 0, k DIV " W ", BIT_XOR(h), SUM(h), COUNT(*) FROM" \
    " (SELECT dom_id AS k, CRC32(CONCAT_WS(0x1f, mail_id, dom_id," \
    " ox_user_id, applied_service_type, service_type," \
    " pending_service_type, applied_language," \
    " applied_timezone, last_sync_at, status," \
    " status_reason)) AS h FROM mailbox_state) x GROUP BY 2" \
    " UNION ALL SELECT 1, bucket, x, s, n FROM dir_source_sum"

/* What every bucket depends on (Plesk 9+ and 8: clients' columns), in
 * bucket -1 (GLOBAL). */
#define GLOBAL_HEAD \
    "SELECT 0, -1, BIT_XOR(h), SUM(h), COUNT(*) FROM (SELECT" \
    " CRC32(CONCAT_WS(0x1f, 'c', "
#define GLOBAL_TAIL \
    ")) AS h FROM psa.clients UNION ALL SELECT CRC32(CONCAT_WS(0x1f, 'p'," \
    " level, plesk_id, webmail_forever," \
    " service_type)) FROM prefs UNION ALL SELECT CRC32(CONCAT_WS(0x1f," \
    " 'l', code, name)) FROM ox_language) x"
/* All of it in one statement: the sums and the stored ones were six, a
 * third of what a steady run's directory step cost. */
static const char sums_sql9[] = GLOBAL_HEAD "id, type,"
    " status, parent_id, pname" GLOBAL_TAIL BUCKET_SQL;
static const char sums_sql8[] = GLOBAL_HEAD "id, status,"
    " pname" GLOBAL_TAIL BUCKET_SQL;

static dirsum_one_t *one_get(apr_hash_t *h, long long k)
{
    dirsum_one_t *o = oxt_util_id_get(h, k);

    if (o == NULL) {
        o = apr_pcalloc(apr_hash_pool_get(h), sizeof(*o));
        oxt_util_id_set(h, k, o);
    }
    return o;
}

static unsigned long long row_u(const oxt_db_row_t *row, int i)
{
    return row->vals[i] ? strtoull(row->vals[i], NULL, 10) : 0;
}

/* Rows (now or stored, bucket, x, s, n) combined into sum. */
static void rows_add(oxt_dirsum_t *sum, const apr_array_header_t *rows)
{
    const oxt_db_row_t *row;
    dirsum_one_t *o;
    int i;

    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        o = one_get(oxt_db_row_int(row, 0, 0) ? sum->stored : sum->now,
                    oxt_db_row_int(row, 1, 0));
        o->x ^= row_u(row, 2);
        o->s += row_u(row, 3);
        o->n += row_u(row, 4);
    }
}

apr_status_t oxt_dirsum_take(oxt_dirsum_t **psum, oxt_db_t *db,
                             const oxt_psa_t *psa, int default_service,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_dirsum_t *sum = apr_pcalloc(p, sizeof(*sum));
    apr_array_header_t *rows;
    apr_status_t rv;

    sum->now = apr_hash_make(p);
    sum->stored = apr_hash_make(p);
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, oxt_psa_caps(psa)
                       ->has_client_type ? sums_sql9 : sums_sql8, p),
                       OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS) {
        rows_add(sum, rows);
        /* The default service type orders the Mailboxes page too. */
        one_get(sum->now, GLOBAL)->x ^= 0x9e3779b1ULL
            * (unsigned long long)(default_service + 1);
        /* So is the width: sums stored at another one name other ranges
         * by the same numbers, and a bucket neither side names (a domain
         * deleted since, alone in its new bucket) would never be
         * compared; a moved global sum compares every domain once. */
        one_get(sum->now, GLOBAL)->x ^= 0xc2b2ae35ULL
            * (unsigned long long)OXT_DIRSUM_WIDTH;
    }
    *psum = sum;
    return rv;
}

static int one_same(const dirsum_one_t *a, const dirsum_one_t *b)
{
    return a != NULL && b != NULL && a->x == b->x && a->s == b->s
        && a->n == b->n;
}

/* The buckets of h that other lacks or holds differently (all: every
 * bucket of h), pushed once. */
static void changed_add(apr_array_header_t *out, apr_hash_t *seen,
                        apr_hash_t *h, apr_hash_t *other, int all,
                        apr_pool_t *p)
{
    apr_hash_index_t *hi;
    long long k;

    for (hi = apr_hash_first(p, h); hi; hi = apr_hash_next(hi)) {
        k = oxt_util_id_key(hi);
        if (k == GLOBAL || oxt_util_id_get(seen, k) != NULL
            || (!all && one_same(apr_hash_this_val(hi),
                                 oxt_util_id_get(other, k)))) {
            continue;
        }
        oxt_util_id_set(seen, k, "");
        APR_ARRAY_PUSH(out, long long) = k;
    }
}

apr_array_header_t *oxt_dirsum_changed(const oxt_dirsum_t *sum,
                                       apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(long long));
    apr_hash_t *seen = apr_hash_make(p);

    /* What every bucket depends on moved, or nothing was stored yet (a
     * directory an older release filled may hold rows in buckets
     * neither side names): everything. */
    if (!one_same(oxt_util_id_get(sum->now, GLOBAL),
                  oxt_util_id_get(sum->stored, GLOBAL))) {
        return NULL;
    }
    changed_add(out, seen, sum->now, sum->stored, 0, p);
    changed_add(out, seen, sum->stored, sum->now, 0, p);
    oxt_util_ids_sort(out);
    return out;
}

long long oxt_dirsum_first(long long k)
{
    return k * OXT_DIRSUM_WIDTH;
}

long long oxt_dirsum_last(long long k)
{
    return k * OXT_DIRSUM_WIDTH + OXT_DIRSUM_WIDTH - 1;
}

int oxt_dirsum_range(const apr_array_header_t *buckets, int *pat,
                     long long max_ids, long long *pafter,
                     long long *pupto)
{
    const long long *k = (const long long *)buckets->elts;
    int i = *pat;

    if (i >= buckets->nelts) {
        return 0;
    }
    *pafter = oxt_dirsum_first(k[i]) - 1;
    while (i + 1 < buckets->nelts
           && oxt_dirsum_first(k[i + 1]) - oxt_dirsum_last(k[i]) - 1
              < OXT_DIRSUM_BRIDGE
           && oxt_dirsum_last(k[i + 1]) - *pafter <= max_ids) {
        i++;
    }
    *pupto = oxt_dirsum_last(k[i]);
    *pat = i + 1;
    return 1;
}

/* Up to SAVE_ROWS rows of now written in one statement. */
static apr_status_t save_rows(oxt_db_t *db, const long long *ks, int n,
                              apr_hash_t *now, oxt_result_t *res,
                              apr_pool_t *p)
{
    oxt_db_arg_t *a = apr_palloc(p, sizeof(*a) * (apr_size_t)(4 * n));
    const char *sql = "INSERT INTO dir_source_sum (bucket, x, s, n) VALUES";
    const dirsum_one_t *o;
    int i;

    for (i = 0; i < n; i++) {
        o = oxt_util_id_get(now, ks[i]);
        a[4 * i] = OXT_DB_INT(ks[i]);
        a[4 * i + 1] = OXT_DB_INT((long long)o->x);
        a[4 * i + 2] = OXT_DB_INT((long long)o->s);
        a[4 * i + 3] = OXT_DB_INT((long long)o->n);
        sql = apr_pstrcat(p, sql, i ? ", (?, ?, ?, ?)" : " (?, ?, ?, ?)",
                          NULL);
    }
    return oxt_db_exec(NULL, db, apr_pstrcat(p, sql, " ON DUPLICATE KEY"
                       " UPDATE x = VALUES(x), s = VALUES(s), n = VALUES(n)",
                       NULL), a, 4 * n, res, p);
}

apr_status_t oxt_dirsum_save(const oxt_dirsum_t *sum, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *put = apr_array_make(p, 16, sizeof(long long));
    apr_array_header_t *gone = apr_array_make(p, 16, sizeof(long long));
    apr_hash_index_t *hi;
    const char *marks;
    oxt_db_arg_t a[OXT_DB_IN_MAX];
    long long k;
    int i, n, m;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(p, sum->now); hi; hi = apr_hash_next(hi)) {
        k = oxt_util_id_key(hi);
        if (!one_same(apr_hash_this_val(hi), oxt_util_id_get(sum->stored,
                                                              k))) {
            APR_ARRAY_PUSH(put, long long) = k;
        }
    }
    for (hi = apr_hash_first(p, sum->stored); hi; hi = apr_hash_next(hi)) {
        k = oxt_util_id_key(hi);
        if (oxt_util_id_get(sum->now, k) == NULL) {
            APR_ARRAY_PUSH(gone, long long) = k;
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < put->nelts; i += n) {
        n = put->nelts - i < SAVE_ROWS ? put->nelts - i : SAVE_ROWS;
        rv = save_rows(db, (const long long *)put->elts + i, n, sum->now,
                       res, p);
    }
    for (i = 0; rv == APR_SUCCESS && i < gone->nelts; i += n) {
        n = gone->nelts - i < OXT_DB_IN_MAX ? gone->nelts - i
                                            : OXT_DB_IN_MAX;
        m = oxt_db_in_bind(&marks, a, gone, i, n, p);
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "DELETE FROM"
                         " dir_source_sum WHERE bucket IN (", marks, ")",
                         NULL), a, m, res, p);
    }
    return rv;
}
