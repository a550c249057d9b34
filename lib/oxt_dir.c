/*
 * oxt_dir.c — see oxt_dir.h.
 *
 * Every piece of SQL here is built from this file's constants (the
 * descriptions of the lists below); values are always bound. Lists of ids
 * are bound as IN (?, ?, ...) of a few fixed lengths, padded with the
 * last id, so the statement cache of a connection holds a bounded number
 * of statements.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "oxt_dir.h"
#include "oxt_dirpre.h"
#include "oxt_dirsum.h"
#include "oxt_log.h"
#include "oxt_replog.h"
#include "oxt_util.h"

/* ---- the descriptions ------------------------------------------------------ */

/* One sort order of a list: the key the pages use, the column behind it
 * (every table has an index (scope, column, id) for it). */
typedef struct dir_sort_t {
    const char *key;
    const char *col;
    int is_str;
} dir_sort_t;

/* One list: its name in dir_term / dir_total / dir_page, its table, the
 * rows of that table it is made of, its sort orders. */
typedef struct dir_def_t {
    const char *name;
    const char *table;
    const char *kind;              /* dir_account.kind, or NULL */
    const dir_sort_t *sorts;
    int nsorts;
} dir_def_t;

static const dir_sort_t sorts_resellers[] = {
    { "name", "name", 1 }, { "modified", "sync_key", 0 },
    { "clients", "clients", 0 }, { "domains", "domains", 0 },
    { "mailboxes", "mbox_total", 0 },
};
static const dir_sort_t sorts_clients[] = {
    { "name", "name", 1 }, { "modified", "sync_key", 0 },
    { "domains", "domains", 0 }, { "mailboxes", "mbox_total", 0 },
};
static const dir_sort_t sorts_domains[] = {
    { "name", "name", 1 }, { "mail", "mail_off", 0 },
    { "modified", "sync_key", 0 }, { "mailboxes", "mbox_total", 0 },
};

#define NSORTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const dir_def_t dir_defs[OXT_DIR_LISTS] = {
    [OXT_DIR_RESELLERS] = { "reseller", "dir_account", "reseller",
                            sorts_resellers, NSORTS(sorts_resellers) },
    [OXT_DIR_CLIENTS] = { "client", "dir_account", "client",
                          sorts_clients, NSORTS(sorts_clients) },
    [OXT_DIR_DOMAINS] = { "domain", "dir_domain", NULL,
                          sorts_domains, NSORTS(sorts_domains) },
};

/* The part of a list a request reads. */
typedef enum { SCOPE_ALL = 0, SCOPE_RESELLER, SCOPE_CLIENT } dir_scope_t;

static const char *const scope_names[] = { "all", "reseller", "client" };

/* The page index keeps about every DIR_SPACING-th row of a scope that
 * has more than 2 x DIR_SPACING rows; a deep page scans at most about
 * that many index entries after its seek. */
#define DIR_SPACING 1000

/* Rows of a page are read from psa in chunks of at most this many ids. */
#define DIR_CHUNK OXT_DB_IN_MAX

static const char *const kind_names[] = {
    "reseller", "client", "domain", "mailbox"
};

const char *oxt_dir_kind_name(oxt_dir_kind_t kind)
{
    return (unsigned)kind < 4 ? kind_names[kind] : "";
}

oxt_level_t oxt_dir_list_level(oxt_dir_list_t list)
{
    return list == OXT_DIR_RESELLERS ? OXT_LEVEL_RESELLER
         : list == OXT_DIR_CLIENTS ? OXT_LEVEL_CLIENT : OXT_LEVEL_DOMAIN;
}

static const dir_sort_t *dir_sort(const dir_def_t *def, const char *key)
{
    int i;

    for (i = 0; key != NULL && i < def->nsorts; i++) {
        if (strcmp(def->sorts[i].key, key) == 0) {
            return &def->sorts[i];
        }
    }
    return &def->sorts[0];
}

int oxt_dir_sortable(oxt_dir_list_t list, const char *key)
{
    const dir_def_t *def;
    int i;

    if ((unsigned)list >= OXT_DIR_LISTS || key == NULL) {
        return 0;
    }
    def = &dir_defs[list];
    for (i = 0; i < def->nsorts; i++) {
        if (strcmp(def->sorts[i].key, key) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- lists of ids in SQL ------------------------------------------------------ */

/* The padded IN lists are the core's: oxt_db_in_bind(), oxt_db_in_size()
 * and oxt_util_marks(); DIR_CHUNK is their largest. */

/* ---- who may see what ------------------------------------------------------ */

/* The ids of one chunk that are in the subtree: SQL whose one "%s" is the
 * IN list, then the predicate's "?" places (pred_args of them, each bound
 * to the caller's id). */
typedef struct dir_rule_t {
    const char *sql;
    int pred_args;
} dir_rule_t;

/* Admin: the object exists. */
static const dir_rule_t rules_admin9[4] = {
    { "SELECT id FROM psa.clients WHERE type = 'reseller' AND id IN (%s)",
      0 },
    { "SELECT id FROM psa.clients WHERE type = 'client' AND id IN (%s)", 0 },
    { "SELECT id FROM psa.domains WHERE id IN (%s)", 0 },
    { "SELECT id FROM psa.mail WHERE id IN (%s)", 0 },
};
static const dir_rule_t rules_admin8[4] = {
    { NULL, 0 },
    { "SELECT id FROM psa.clients WHERE id IN (%s)", 0 },
    { "SELECT id FROM psa.domains WHERE id IN (%s)", 0 },
    { "SELECT id FROM psa.mail WHERE id IN (%s)", 0 },
};

#define DOMAIN_OF_RESELLER \
    " (d.cl_id = ? OR (c.type = 'client' AND c.parent_id = ?))"

static const dir_rule_t rules_reseller[4] = {
    { "SELECT id FROM psa.clients WHERE type = 'reseller' AND id IN (%s)"
      " AND id = ?", 1 },
    { "SELECT id FROM psa.clients WHERE type = 'client' AND id IN (%s)"
      " AND parent_id = ?", 1 },
    { "SELECT d.id FROM psa.domains d JOIN psa.clients c ON c.id = d.cl_id"
      " WHERE d.id IN (%s) AND" DOMAIN_OF_RESELLER, 2 },
    { "SELECT m.id FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id"
      " JOIN psa.clients c ON c.id = d.cl_id WHERE m.id IN (%s) AND"
      DOMAIN_OF_RESELLER, 2 },
};

static const dir_rule_t rules_client[4] = {
    { NULL, 0 },
    { "SELECT id FROM psa.clients WHERE id IN (%s) AND id = ?", 1 },
    { "SELECT id FROM psa.domains WHERE id IN (%s) AND cl_id = ?", 1 },
    { "SELECT m.id FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id"
      " WHERE m.id IN (%s) AND d.cl_id = ?", 1 },
};

static const dir_rule_t rules_domain[4] = {
    { NULL, 0 },
    { NULL, 0 },
    { "SELECT id FROM psa.domains WHERE id IN (%s) AND id = ?", 1 },
    { "SELECT id FROM psa.mail WHERE id IN (%s) AND dom_id = ?", 1 },
};

static const dir_rule_t *dir_rule(const oxt_psa_t *psa,
                                  const oxt_identity_t *ident,
                                  oxt_dir_kind_t kind)
{
    int v9 = oxt_psa_caps(psa)->has_client_type;

    if ((unsigned)kind > OXT_DIR_MAILBOX) {
        return NULL;
    }
    switch (ident->role) {
    case OXT_ROLE_ADMIN:
        return v9 ? &rules_admin9[kind] : &rules_admin8[kind];
    case OXT_ROLE_RESELLER:
        return v9 ? &rules_reseller[kind] : NULL;
    case OXT_ROLE_CLIENT:
        return &rules_client[kind];
    case OXT_ROLE_DOMAIN:
        return &rules_domain[kind];
    default:
        return NULL;
    }
}

/* The ids of ids[from, from + n) in the subtree, appended to out. */
static apr_status_t subtree_chunk(apr_array_header_t *out,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const oxt_identity_t *ident,
                                  const dir_rule_t *rule,
                                  const apr_array_header_t *ids, int from,
                                  int n, oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[DIR_CHUNK + 2];
    apr_array_header_t *found;
    const char *marks;
    int nargs, i;
    apr_status_t rv;

    nargs = oxt_db_in_bind(&marks, args, ids, from, n, p);
    for (i = 0; i < rule->pred_args; i++) {
        args[nargs++] = OXT_DB_INT(ident->id);
    }
    rv = oxt_db_select_ids(&found, db, oxt_psa_sql(psa, apr_psprintf(p,
                           rule->sql, marks), p), args, nargs, res, p);
    for (i = 0; rv == APR_SUCCESS && i < found->nelts; i++) {
        APR_ARRAY_PUSH(out, long long) = APR_ARRAY_IDX(found, i, long long);
    }
    return rv;
}

/* The ids of ids that are in ident's subtree (each once), in p. */
static apr_status_t subtree_filter(apr_array_header_t **pout,
                                   const oxt_psa_t *psa, oxt_db_t *db,
                                   const oxt_identity_t *ident,
                                   oxt_dir_kind_t kind,
                                   const apr_array_header_t *ids,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const dir_rule_t *rule = dir_rule(psa, ident, kind);
    apr_array_header_t *out = apr_array_make(p, ids->nelts + 1,
                                             sizeof(long long));
    int from, n;
    apr_status_t rv = APR_SUCCESS;

    *pout = out;
    if (rule == NULL || rule->sql == NULL) {
        return APR_SUCCESS;
    }
    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < DIR_CHUNK ? ids->nelts - from : DIR_CHUNK;
        rv = subtree_chunk(out, psa, db, ident, rule, ids, from, n, res, p);
    }
    return rv;
}

/* How many different ids ids holds. */
static int distinct_ids(const apr_array_header_t *ids, apr_pool_t *p)
{
    apr_hash_t *seen = apr_hash_make(p);
    int i;

    for (i = 0; i < ids->nelts; i++) {
        oxt_util_id_set(seen, APR_ARRAY_IDX(ids, i, long long), "");
    }
    return (int)apr_hash_count(seen);
}

apr_status_t oxt_dir_in_subtree_all(const oxt_psa_t *psa, oxt_db_t *db,
                                    const oxt_identity_t *ident,
                                    oxt_dir_kind_t kind,
                                    const apr_array_header_t *ids,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *found;
    apr_status_t rv;

    if (ids->nelts == 0) {
        return APR_SUCCESS;
    }
    rv = subtree_filter(&found, psa, db, ident, kind, ids, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return distinct_ids(found, p) == distinct_ids(ids, p) ? APR_SUCCESS
                                                          : APR_ENOENT;
}

apr_status_t oxt_dir_in_subtree(const oxt_psa_t *psa, oxt_db_t *db,
                                const oxt_identity_t *ident,
                                oxt_dir_kind_t kind, long long id,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(long long));

    if (id <= 0) {
        return APR_ENOENT;
    }
    APR_ARRAY_PUSH(ids, long long) = id;
    return oxt_dir_in_subtree_all(psa, db, ident, kind, ids, res, p);
}

/* ---- search terms ---------------------------------------------------------------- */

#define TERM_MAX 255

static int term_break(char c)
{
    return c == ' ' || c == '.' || c == '-' || c == '_' || c == '@'
        || c == '/' || c == '\t';
}

/* s cut to TERM_MAX bytes at a character boundary, in p. */
static const char *term_cut(const char *s, apr_pool_t *p)
{
    apr_size_t n = strlen(s);

    if (n > TERM_MAX) {
        n = TERM_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    return apr_pstrmemdup(p, s, n);
}

static void term_add(apr_array_header_t *out, const char *t, apr_pool_t *p)
{
    const char *cut;
    int i;

    if (*t == '\0' || out->nelts >= OXT_DIR_TERMS_MAX) {
        return;
    }
    cut = term_cut(t, p);
    for (i = 0; i < out->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(out, i, const char *), cut) == 0) {
            return;
        }
    }
    APR_ARRAY_PUSH(out, const char *) = cut;
}

apr_array_header_t *oxt_dir_terms(const char *name, int domain,
                                  apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, OXT_DIR_TERMS_MAX,
                                             sizeof(const char *));
    const char *s, *last_dot;

    if (name == NULL) {
        return out;
    }
    while (*name == ' ') {
        name++;
    }
    term_add(out, name, p);
    last_dot = domain ? strrchr(name, '.') : NULL;
    for (s = name; *s; s++) {
        if (!term_break(*s) || term_break(s[1]) || s[1] == '\0') {
            continue;
        }
        /* A domain's top-level label alone would find every name. */
        if (last_dot != NULL && s >= last_dot) {
            break;
        }
        term_add(out, s + 1, p);
    }
    return out;
}

const char *oxt_dir_like_prefix(const char *q, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(q) * 2 + 2), *o = out;

    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '!') {
            *o++ = '!';
        }
        *o++ = *q;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* ---- a searched page from a window of the sort order ------------------------------- */

int oxt_dir_window_plan(oxt_dir_window_t *w, long long offset,
                        long long limit, long long matches,
                        long long scope_rows, int bunched)
{
    long long lim, need, est;

    memset(w, 0, sizeof(*w));
    if (limit <= 0 || matches <= 0 || scope_rows <= 0 || offset < 0
        || offset >= matches || (bunched && matches * 2 < scope_rows)) {
        return 0;
    }
    lim = limit < matches - offset ? limit : matches - offset;
    /* From the front the page needs offset + lim matches, from the back
     * matches - offset. */
    w->back = matches - offset < offset + lim;
    need = w->back ? matches - offset : offset + lim;
    w->skip = need - lim;
    if (need > OXT_DIR_WINDOW_MAX || scope_rows > (1LL << 40)) {
        return 0;                  /* (and est below cannot overflow) */
    }
    est = (need * scope_rows + matches - 1) / matches;
    w->rows = est * 2 + 64;
    if (w->rows > scope_rows) {
        w->rows = scope_rows;
    }
    return w->rows <= OXT_DIR_WINDOW_MAX;
}

/* ---- the part of a list a request reads ------------------------------------------- */

typedef struct dir_req_t {
    const dir_def_t *def;
    const dir_sort_t *sort;
    dir_scope_t scope;
    long long scope_id;
    int desc;
    const char *q;                 /* the search as typed, or NULL */
    const char *like;              /* its LIKE pattern, or NULL */
    int wide;                      /* oxt_dir_query_t.wide */
} dir_req_t;

apr_status_t oxt_dir_filters_check(const oxt_psa_t *psa, oxt_db_t *db,
                                   const oxt_identity_t *ident,
                                   oxt_dir_list_t list, long long reseller,
                                   long long client, oxt_result_t *res,
                                   apr_pool_t *p)
{
    oxt_identity_t rid;
    apr_status_t rv = APR_SUCCESS;

    if ((list == OXT_DIR_RESELLERS && (reseller || client))
        || (list == OXT_DIR_CLIENTS && client)) {
        return APR_ENOENT;
    }
    if (reseller > 0) {
        rv = oxt_dir_in_subtree(psa, db, ident, OXT_DIR_RESELLER, reseller,
                                res, p);
    }
    if (rv == APR_SUCCESS && client > 0) {
        rv = oxt_dir_in_subtree(psa, db, ident, OXT_DIR_CLIENT, client, res,
                                p);
    }
    if (rv == APR_SUCCESS && client > 0 && reseller > 0) {
        /* Both: the client must be the reseller's. */
        memset(&rid, 0, sizeof(rid));
        rid.role = OXT_ROLE_RESELLER;
        rid.id = reseller;
        rv = oxt_dir_in_subtree(psa, db, &rid, OXT_DIR_CLIENT, client, res,
                                p);
    }
    return rv;
}

/* Which part of the list: the caller's own part, narrowed by the filters
 * (checked before). */
static void dir_scope(dir_req_t *r, const oxt_dir_query_t *q)
{
    const oxt_identity_t *ident = q->ident;

    r->scope = SCOPE_ALL;
    r->scope_id = 0;
    if (ident->role == OXT_ROLE_RESELLER && q->list != OXT_DIR_RESELLERS) {
        r->scope = SCOPE_RESELLER;
        r->scope_id = ident->id;
    }
    if (ident->role == OXT_ROLE_CLIENT && q->list == OXT_DIR_DOMAINS) {
        r->scope = SCOPE_CLIENT;
        r->scope_id = ident->id;
    }
    if (q->reseller > 0 && r->scope == SCOPE_ALL) {
        r->scope = SCOPE_RESELLER;
        r->scope_id = q->reseller;
    }
    if (q->client > 0 && q->list == OXT_DIR_DOMAINS) {
        r->scope = SCOPE_CLIENT;
        r->scope_id = q->client;
    }
}

static void dir_req(dir_req_t *r, const oxt_dir_query_t *q, apr_pool_t *p)
{
    r->def = &dir_defs[q->list];
    r->sort = dir_sort(r->def, q->sort);
    r->desc = q->desc;
    r->like = q->q != NULL && *q->q ? oxt_dir_like_prefix(q->q, p) : NULL;
    r->q = r->like != NULL ? q->q : NULL;
    r->wide = q->wide;
    dir_scope(r, q);
}

/* Who may list what: the Resellers list is the admin's; Clients the
 * admin's and a reseller's; Domains everybody's but a domain's. */
static int dir_list_allowed(const oxt_dir_query_t *q)
{
    if ((unsigned)q->list >= OXT_DIR_LISTS || q->ident == NULL) {
        return 0;
    }
    switch (q->ident->role) {
    case OXT_ROLE_ADMIN:
        return 1;
    case OXT_ROLE_RESELLER:
        return q->list != OXT_DIR_RESELLERS;
    case OXT_ROLE_CLIENT:
        return q->list == OXT_DIR_DOMAINS;
    default:
        return 0;
    }
}

/* " WHERE <scope>" of a list's own table, with x. as the table's alias;
 * *pn: how many '?' (bound to the scope id). */
static const char *scope_where(const dir_req_t *r, int *pn, apr_pool_t *p)
{
    const char *kind = r->def->kind;

    *pn = r->scope == SCOPE_ALL ? 0 : 1;
    if (r->scope == SCOPE_ALL) {
        return kind ? apr_pstrcat(p, " WHERE x.kind = '", kind, "'", NULL)
                    : " WHERE 1 = 1";
    }
    return apr_pstrcat(p, r->scope == SCOPE_RESELLER ? " WHERE x.reseller_id = ?"
                                                    : " WHERE x.client_id = ?",
                       kind ? " AND x.kind = '" : "", kind ? kind : "",
                       kind ? "'" : "", NULL);
}

/* The same on dir_term t; always binds the list name first. */
static const char *scope_where_terms(const dir_req_t *r, int *pn)
{
    *pn = r->scope == SCOPE_ALL ? 1 : 2;
    return r->scope == SCOPE_ALL ? " WHERE t.list = ?"
         : r->scope == SCOPE_RESELLER ? " WHERE t.list = ? AND t.reseller_id = ?"
         : " WHERE t.list = ? AND t.client_id = ?";
}

static void scope_args(oxt_db_arg_t *args, int *pn, const dir_req_t *r)
{
    if (r->scope != SCOPE_ALL) {
        args[(*pn)++] = OXT_DB_INT(r->scope_id);
    }
}

/* ---- reading ------------------------------------------------------------------------- */

apr_status_t oxt_dir_read_begin(oxt_db_t *db, oxt_result_t *res)
{
    return oxt_db_exec_trusted(db, "START TRANSACTION WITH CONSISTENT"
                               " SNAPSHOT, READ ONLY", res);
}

void oxt_dir_read_end(oxt_db_t *db)
{
    oxt_db_rollback(db);
}

/* The stored size of a scope. */
static apr_status_t scope_total(long long *pn, const dir_req_t *r,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    const char *col = r->def->kind != NULL ? "clients" : "domains";
    const char *kind = r->scope == SCOPE_RESELLER ? "reseller" : "client";
    apr_status_t rv;

    if (r->scope == SCOPE_ALL) {
        rv = oxt_db_select_int(pn, db, "SELECT n FROM dir_total"
                               " WHERE list = ?", OXT_DB_ARGS(
                               OXT_DB_STR(r->def->name)), res, p);
    }
    else {
        rv = oxt_db_select_int(pn, db, apr_pstrcat(p, "SELECT ", col,
                               " FROM dir_account WHERE id = ? AND kind = ?",
                               NULL), OXT_DB_ARGS(OXT_DB_INT(r->scope_id),
                               OXT_DB_STR(kind)), res, p);
    }
    if (rv == APR_ENOENT) {
        *pn = 0;
        rv = APR_SUCCESS;
    }
    return rv;
}

/* The rows a search finds in its scope: stored for a wide search, else
 * an index count of the matching terms (oxt_dirpre.h). */
static void search_scope(oxt_dirpre_scope_t *sc, const dir_req_t *r)
{
    sc->list = r->def->name;
    sc->scope = scope_names[r->scope];
    sc->scope_id = r->scope_id;
}

static apr_status_t search_count(long long *pn, int *pstored,
                                 const dir_req_t *r, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    oxt_dirpre_scope_t sc;

    search_scope(&sc, r);
    return oxt_dirpre_count(pn, pstored, db, &sc, r->q, r->like, res, p);
}

/* Is the search wide (its count stored)? A narrow one (at most about
 * 750 matches: dir_prefix_min.n, 500 since migration 0144, and half
 * that again) that is also sparse in its scope is joined and sorted:
 * cheaper than a window, which for sparse matches spans many index
 * entries and often misses. */
static apr_status_t search_wide(int *pwide, const dir_req_t *r, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    oxt_dirpre_scope_t sc;
    long long n = 0;
    apr_status_t rv;

    /* The count of the same snapshot already looked it up. */
    if (r->wide != 0) {
        *pwide = r->wide > 0;
        return APR_SUCCESS;
    }
    search_scope(&sc, r);
    rv = oxt_dirpre_stored(&n, db, &sc, r->q, res, p);
    *pwide = rv == APR_SUCCESS;
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
}

apr_status_t oxt_dir_count(long long *ptotal, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_dir_query_t *q,
                           oxt_result_t *res, apr_pool_t *p)
{
    dir_req_t r;
    int stored = 0;
    apr_status_t rv;

    (void)psa;
    *ptotal = 0;
    q->wide = 0;
    if (!dir_list_allowed(q)) {
        return APR_ENOENT;
    }
    dir_req(&r, q, p);
    if (r.like == NULL) {
        q->wide = -1;
        return scope_total(ptotal, &r, db, res, p);
    }
    rv = search_count(ptotal, &stored, &r, db, res, p);
    if (rv == APR_SUCCESS) {
        q->wide = stored ? 1 : -1;
    }
    return rv;
}

/* ---- step 1: the ids of a page, in order ---------------------------------------------- */

/* A seek start: the row of the page index to begin at, and how many rows
 * after it the page starts. */
typedef struct dir_seek_t {
    int found;
    long long pos;
    long long k_int;
    const char *k_str;
    long long id;
} dir_seek_t;

/* The entry of the page index to start the rows at asc position at
 * from: the last at or before it (ascending), or the first at or after
 * it (descending). */
static apr_status_t seek_find(dir_seek_t *s, const dir_req_t *r,
                              long long at, oxt_db_t *db, oxt_result_t *res,
                              apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    memset(s, 0, sizeof(*s));
    rv = oxt_db_select(&rows, db, r->desc
        ? "SELECT pos, k_int, k_str, id FROM dir_page WHERE list = ?"
          " AND scope = ? AND scope_id = ? AND sort_key = ? AND pos >= ?"
          " ORDER BY pos LIMIT 1"
        : "SELECT pos, k_int, k_str, id FROM dir_page WHERE list = ?"
          " AND scope = ? AND scope_id = ? AND sort_key = ? AND pos <= ?"
          " ORDER BY pos DESC LIMIT 1",
        OXT_DB_ARGS(OXT_DB_STR(r->def->name),
                    OXT_DB_STR(scope_names[r->scope]),
                    OXT_DB_INT(r->scope_id), OXT_DB_STR(r->sort->key),
                    OXT_DB_INT(at)), res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    s->found = r->sort->is_str ? row->vals[2] != NULL : row->vals[1] != NULL;
    s->pos = oxt_db_row_int(row, 0, 0);
    s->k_int = oxt_db_row_int(row, 1, 0);
    s->k_str = row->vals[2];
    s->id = oxt_db_row_int(row, 3, 0);
    return APR_SUCCESS;
}

/* "ORDER BY x.col ASC, x.id ASC" (or DESC, DESC). */
static const char *order_by(const dir_req_t *r, apr_pool_t *p)
{
    const char *dir = r->desc ? " DESC" : " ASC";

    return apr_pstrcat(p, " ORDER BY x.", r->sort->col, dir, ", x.id", dir,
                       NULL);
}

/* " AND (x.col > ? OR (x.col = ? AND x.id >= ?))" from the seek (< and
 * <= descending), with its three values. */
static const char *seek_where(const dir_req_t *r, const dir_seek_t *s,
                              oxt_db_arg_t *args, int *pn, apr_pool_t *p)
{
    const char *c = r->sort->col;
    oxt_db_arg_t k = r->sort->is_str ? OXT_DB_STR(s->k_str)
                                     : OXT_DB_INT(s->k_int);

    args[(*pn)++] = k;
    args[(*pn)++] = k;
    args[(*pn)++] = OXT_DB_INT(s->id);
    return apr_pstrcat(p, " AND (x.", c, r->desc ? " < ?" : " > ?",
                       " OR (x.", c, " = ? AND x.id", r->desc ? " <= ?)"
                       : " >= ?)", ")", NULL);
}

/* Where a page of limit rows at offset starts in the page index: *pskip
 * is what is left to skip after the seek (no seek: the offset). */
static apr_status_t page_seek(dir_seek_t *s, long long *pskip,
                              const dir_req_t *r, long long offset,
                              long long total, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    long long at = r->desc ? total - 1 - offset : offset;
    apr_status_t rv;

    memset(s, 0, sizeof(*s));
    *pskip = offset;
    if (offset < DIR_SPACING / 2 || r->like != NULL || at < 0) {
        return APR_SUCCESS;
    }
    rv = seek_find(s, r, at, db, res, p);
    if (rv == APR_SUCCESS && s->found) {
        *pskip = r->desc ? s->pos - at : at - s->pos;
    }
    return rv;
}

/* " FORCE INDEX (r_mailboxes)": the index of the scope and the sort, for
 * a page without a search. MariaDB re-executing a cached statement
 * whose seek ties many rows (mail_off, a common mailbox count) may read
 * the whole range and sort it (7,000 rows for a page of 25 at 100k)
 * instead of walking the index from the seek; naming the index keeps the
 * walk. With a search the planner chooses between the terms and the
 * order itself. Every (scope, sort) of migration 0020 has this index. */
static const char *order_index(const dir_req_t *r, apr_pool_t *p)
{
    static const char *const prefixes[] = { "a_", "r_", "c_" };

    if (r->like != NULL) {
        return "";
    }
    return apr_pstrcat(p, " FORCE INDEX (", prefixes[r->scope], r->sort->key,
                       ")", NULL);
}

/* "SELECT w.id FROM (<the window>) w WHERE <it matches> ORDER BY ...
 * LIMIT ?, ?": the first w->rows entries of the scope's sort index in
 * the read order, and of them the page's matches (each a lookup of the
 * row's own terms). */
static const char *window_sql(const dir_req_t *r, const oxt_dir_window_t *w,
                              oxt_db_arg_t *args, int *pn, apr_pool_t *p)
{
    dir_req_t rd = *r;
    const char *dir;
    int m;

    rd.desc = r->desc ^ w->back;
    rd.like = NULL;                /* the scope's own index, forced */
    dir = rd.desc ? " DESC" : " ASC";
    scope_args(args, pn, r);
    args[(*pn)++] = OXT_DB_INT(w->rows);
    args[(*pn)++] = OXT_DB_STR(r->def->name);
    scope_args(args, pn, r);
    args[(*pn)++] = OXT_DB_STR(r->like);
    /* The terms of the scope only: of a reseller's window, the matches
     * of the whole server would be looked up (or materialized) too. */
    return apr_pstrcat(p, "SELECT w.id FROM (SELECT x.id, x.", r->sort->col,
                       " AS k FROM ", r->def->table, " x",
                       order_index(&rd, p), scope_where(r, &m, p),
                       order_by(&rd, p), " LIMIT ?) w WHERE w.id IN (SELECT"
                       " t.id FROM dir_term t", scope_where_terms(r, &m),
                       " AND t.term LIKE ? ESCAPE '!') ORDER BY w.k", dir,
                       ", w.id", dir, " LIMIT ?, ?", NULL);
}

/* "SELECT x.id FROM <the scope in the read order> WHERE <it matches>
 * LIMIT ?, ?": a window that holds the whole scope (a small one: at
 * most OXT_DIR_WINDOW_MAX rows) read as a walk of its sort index, each
 * entry checked against its row's own terms, which stops at the page's
 * last match. The window as a derived table read every entry and
 * sorted them again (for the name, 1,000 collated strings: the admin's
 * Clients searched by 'c' at 100k). */
static const char *scope_walk_sql(const dir_req_t *r, int back,
                                  oxt_db_arg_t *args, int *pn, apr_pool_t *p)
{
    dir_req_t rd = *r;
    int m;

    rd.desc = r->desc ^ back;
    rd.like = NULL;                /* the scope's own index, forced */
    scope_args(args, pn, r);
    args[(*pn)++] = OXT_DB_STR(r->def->name);
    args[(*pn)++] = OXT_DB_STR(r->like);
    return apr_pstrcat(p, "SELECT x.id FROM ", r->def->table, " x",
                       order_index(&rd, p), scope_where(r, &m, p),
                       " AND (SELECT COUNT(*) FROM dir_term t WHERE"
                       " t.list = ? AND t.id = x.id AND t.term LIKE ?"
                       " ESCAPE '!') > 0", order_by(&rd, p), " LIMIT ?, ?",
                       NULL);
}

/* ---- the wide searches' points (migration 0132) ---- */

/* The points of dir_prefix_page a page of a wide search may start its
 * walks at: from the last whose count (the matches before it) is at
 * most the page's first position to those whose count is at most its
 * last, in the order; and the first points past the page (the least
 * count of at least its end), which bound the last walk's span. */
#define SQL_POINT_OF                                                    \
    " WHERE q.list = ? AND q.scope = ? AND q.scope_id = ?"              \
    " AND q.sort_key = ? AND q.prefix = ? AND q.n"
static const char sql_points[] =
    "SELECT pp.n, pg.pos, pg.k_int, pg.k_str, pg.id"
    " FROM dir_prefix_page pp JOIN dir_page pg ON pg.list = pp.list"
    " AND pg.scope = pp.scope AND pg.scope_id = pp.scope_id"
    " AND pg.sort_key = pp.sort_key AND pg.id = pp.id"
    " WHERE pp.list = ? AND pp.scope = ? AND pp.scope_id = ?"
    " AND pp.sort_key = ? AND pp.prefix = ? AND pp.n <= COALESCE("
    "(SELECT MIN(q.n) FROM dir_prefix_page q" SQL_POINT_OF " >= ?), ?)"
    " AND pp.n >= (SELECT MAX(q.n) FROM dir_prefix_page q" SQL_POINT_OF
    " <= ?) ORDER BY pg.pos";

/* One walk of a page: from a point, the matches [skip, skip + take)
 * after it; about how many entries of the order it reads (reads). */
typedef struct dir_walk_t {
    dir_seek_t from;
    long long skip, take, reads;
} dir_walk_t;

/* The entries a walk reads from its point at pos (count n) up to the
 * match hi, when the next point (count n_next, n_next > n) is at
 * pos_next: the entries between the two points in the share of their
 * matches the walk needs. Exact when it needs all of them (the last
 * matches of a stretch that bunch at its end), an estimate otherwise. */
static long long walk_reads(long long pos, long long n, long long pos_next,
                            long long n_next, long long hi)
{
    long long span = pos_next > pos ? pos_next - pos : 0;

    if (n_next <= n || span > (1LL << 40)) {
        return span;
    }
    return (span * (hi - n) + n_next - n - 1) / (n_next - n);
}

/* The key of a page's points (list, scope, its id, sort, prefix) into
 * a from *pn on. */
static void point_of(oxt_db_arg_t *a, int *pn, const dir_req_t *r,
                     const char *key)
{
    a[(*pn)++] = OXT_DB_STR(r->def->name);
    a[(*pn)++] = OXT_DB_STR(scope_names[r->scope]);
    a[(*pn)++] = OXT_DB_INT(r->scope_id);
    a[(*pn)++] = OXT_DB_STR(r->sort->key);
    a[(*pn)++] = OXT_DB_STR(key);
}

/* The walks of the page [at, at + count) of total matches in a scope
 * of rows entries into *pwalks (none: no point before the page). Of
 * points with the same count (no match between them) only the last
 * starts a walk: the matches from its count on lie between it and the
 * next point, so a page whose matches are far apart in the order (the
 * ends of a search whose matches bunch in it) walks from the point
 * before each part instead of across the rows between. */
static apr_status_t points_walks(apr_array_header_t **pwalks,
                                 const dir_req_t *r, long long at,
                                 long long count, long long total,
                                 long long rows, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t a[19];
    apr_array_header_t *got;
    const oxt_db_row_t *row, *next;
    const char *key = oxt_dirpre_key(r->q, p);
    dir_walk_t *w;
    long long n, upto, lo, hi;
    int i, m = 0;
    apr_status_t rv;

    point_of(a, &m, r, key);
    point_of(a, &m, r, key);
    a[m++] = OXT_DB_INT(at + count);
    a[m++] = OXT_DB_INT(at + count - 1);
    point_of(a, &m, r, key);
    a[m++] = OXT_DB_INT(at);
    *pwalks = apr_array_make(p, 2, sizeof(dir_walk_t));
    rv = oxt_db_select(&got, db, sql_points, a, m, res, p);
    for (i = 0; rv == APR_SUCCESS && i < got->nelts; i++) {
        row = APR_ARRAY_IDX(got, i, const oxt_db_row_t *);
        next = i + 1 < got->nelts
            ? APR_ARRAY_IDX(got, i + 1, const oxt_db_row_t *) : NULL;
        n = oxt_db_row_int(row, 0, 0);
        if (next != NULL && oxt_db_row_int(next, 0, 0) == n) {
            continue;              /* no match before the next point */
        }
        upto = next != NULL ? oxt_db_row_int(next, 0, 0) : at + count;
        lo = at > n ? at : n;
        hi = at + count < upto ? at + count : upto;
        if (hi <= lo) {
            continue;
        }
        w = apr_array_push(*pwalks);
        memset(w, 0, sizeof(*w));
        w->from.found = r->sort->is_str ? row->vals[3] != NULL
                                        : row->vals[2] != NULL;
        w->from.pos = oxt_db_row_int(row, 1, 0);
        w->from.k_int = oxt_db_row_int(row, 2, 0);
        w->from.k_str = row->vals[3];
        w->from.id = oxt_db_row_int(row, 4, 0);
        w->skip = lo - n;
        w->take = hi - lo;
        /* The scope's end is a point with every match before it. */
        w->reads = next != NULL
            ? walk_reads(w->from.pos, n, oxt_db_row_int(next, 1, 0), upto, hi)
            : walk_reads(w->from.pos, n, rows, total, hi);
    }
    return rv;
}

/* One walk: the scope's sort index from its point on, each entry
 * checked against its row's own terms (a range of the terms' primary
 * key, in a subquery the planner cannot turn into a join: as a
 * semi-join MariaDB read every term of the prefix, 10,000 at 100k, for
 * each page), up to its last match; appended to ids. */
static apr_status_t walk_read(apr_array_header_t *ids, const dir_req_t *r,
                              const dir_walk_t *w, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[10];
    apr_array_header_t *got;
    dir_req_t ra = *r;
    const char *sql;
    int n = 0, m, i;
    apr_status_t rv;

    ra.desc = 0;
    ra.like = NULL;                /* the scope's own index, forced */
    scope_args(args, &n, r);
    sql = apr_pstrcat(p, "SELECT x.id FROM ", r->def->table, " x",
                      order_index(&ra, p), scope_where(r, &m, p),
                      seek_where(&ra, &w->from, args, &n, p), " AND (SELECT"
                      " COUNT(*) FROM dir_term t WHERE t.list = ? AND"
                      " t.id = x.id AND t.term LIKE ? ESCAPE '!') > 0",
                      order_by(&ra, p), " LIMIT ?, ?", NULL);
    args[n++] = OXT_DB_STR(r->def->name);
    args[n++] = OXT_DB_STR(r->like);
    args[n++] = OXT_DB_INT(w->skip);
    args[n++] = OXT_DB_INT(w->take);
    rv = oxt_db_select_ids(&got, db, sql, args, n, res, p);
    for (i = 0; rv == APR_SUCCESS && i < got->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) = APR_ARRAY_IDX(got, i, long long);
    }
    return rv;
}

/* A page of a wide search from its points, into *pids; *pdone 0 when
 * the search has no point before the page in this order (it is then
 * read as before), *pjoin 1 when the walks would read more entries than
 * the search has matches (the page is then joined at once). A
 * descending page is read as the ascending one it mirrors. Between two
 * points lie about DIR_SPACING entries, so no walk reads more than those
 * and its own matches' span, and a page takes one walk, two when it
 * straddles a point, more only when its matches lie in parts that
 * points separate. */
static apr_status_t page_points(apr_array_header_t **pids, int *pdone,
                                int *pjoin, const dir_req_t *r,
                                long long offset, long long limit,
                                long long total, long long rows,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    apr_array_header_t *walks;
    const dir_walk_t *w;
    long long count, at, covered = 0, reads = 0;
    int i;
    apr_status_t rv;

    *pdone = 0;
    *pjoin = 0;
    count = limit < total - offset ? limit : total - offset;
    if (count <= 0) {
        return APR_SUCCESS;
    }
    at = r->desc ? total - offset - count : offset;
    rv = points_walks(&walks, r, at, count, total, rows, db, res, p);
    for (i = 0; rv == APR_SUCCESS && i < walks->nelts; i++) {
        w = &APR_ARRAY_IDX(walks, i, dir_walk_t);
        covered += w->from.found ? w->take : 0;
        reads += w->reads;
    }
    /* The walks hold the whole page, or it is read as before. */
    if (rv != APR_SUCCESS || covered != count) {
        return rv;
    }
    /* A walk's entry (its row's terms looked up) and a joined match (its
     * row looked up and sorted) cost about the same (3 us at 100k), so
     * the join is cheaper once the walks read more entries than there
     * are matches: a narrow search (a thousand matches) whose page lies
     * where its matches are few, say the last of a stretch of 1,000
     * entries, or spans two such stretches. */
    if (reads > total) {
        *pjoin = 1;
        return APR_SUCCESS;
    }
    *pids = apr_array_make(p, (int)count, sizeof(long long));
    for (i = 0; rv == APR_SUCCESS && i < walks->nelts; i++) {
        rv = walk_read(*pids, r, &APR_ARRAY_IDX(walks, i, dir_walk_t), db,
                       res, p);
    }
    /* Fewer rows than the count says: the points disagree with the rows
     * (never, while the sync keeps them), so the page is joined. */
    if (rv == APR_SUCCESS && (*pids)->nelts == count) {
        *pdone = 1;
        if (r->desc) {
            oxt_util_ids_reverse(*pids);
        }
    }
    return rv;
}

/* A searched page of total matches from a window of the sort order
 * (oxt_dir_window_plan), into *pids; *pdone 0 when it has none or the
 * window did not hold the page (the matches are then joined). */
static apr_status_t page_window(apr_array_header_t **pids, int *pdone,
                                const dir_req_t *r, long long offset,
                                long long limit, long long total,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    oxt_db_arg_t args[8];
    oxt_dir_window_t w;
    long long rows = 0, lim;
    const char *sql;
    int n = 0, wide = 0;
    apr_status_t rv;

    *pdone = 0;
    rv = total > 0 ? APR_SUCCESS : search_count(&total, NULL, r, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = scope_total(&rows, r, db, res, p);
    }
    /* Matches that fill a quarter of the scope or more are dense enough
     * for a window whatever their number. */
    if (rv == APR_SUCCESS && total * 4 < rows) {
        rv = search_wide(&wide, r, db, res, p);
        if (rv != APR_SUCCESS || !wide) {
            return rv;
        }
    }
    if (rv != APR_SUCCESS
        || !oxt_dir_window_plan(&w, offset, limit, total, rows,
                                r->sort == &r->def->sorts[0])) {
        return rv;
    }
    lim = limit < total - offset ? limit : total - offset;
    sql = w.rows >= rows ? scope_walk_sql(r, w.back, args, &n, p)
                         : window_sql(r, &w, args, &n, p);
    args[n++] = OXT_DB_INT(w.skip);
    args[n++] = OXT_DB_INT(lim);
    rv = oxt_db_select_ids(pids, db, sql, args, n, res, p);
    if (rv == APR_SUCCESS && ((*pids)->nelts == lim || w.rows >= rows)) {
        *pdone = 1;
        if (w.back) {
            oxt_util_ids_reverse(*pids);
        }
    }
    return rv;
}

/* A page of a wide search (its count stored): from a short window of
 * the order when one would hold it (the first and last pages of a dense
 * search: fewer entries than a walk from the point before), else, or
 * when that window missed, from its points; *pdone 0 for any other
 * search, or a wide one without points (*ptried: the window was tried,
 * or the points chose the join: no window then). */
static apr_status_t page_wide(apr_array_header_t **pids, int *pdone,
                              int *ptried, const dir_req_t *r,
                              long long offset, long long limit,
                              long long total, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_dir_window_t w;
    long long rows = 0;
    int wide = 0, join = 0;
    apr_status_t rv;

    *pdone = 0;
    *ptried = 0;
    rv = total > 0 ? search_wide(&wide, r, db, res, p) : APR_SUCCESS;
    if (rv != APR_SUCCESS || !wide) {
        return rv;
    }
    rv = scope_total(&rows, r, db, res, p);
    if (rv == APR_SUCCESS
        && oxt_dir_window_plan(&w, offset, limit, total, rows,
                               r->sort == &r->def->sorts[0])
        && w.rows <= DIR_SPACING / 2) {
        *ptried = 1;
        rv = page_window(pids, pdone, r, offset, limit, total, db, res, p);
    }
    if (rv != APR_SUCCESS || *pdone) {
        return rv;
    }
    rv = page_points(pids, pdone, &join, r, offset, limit, total, rows, db,
                     res, p);
    *ptried |= join;               /* joined at once: no window first */
    return rv;
}

/* The ids of one page (limit 0: all), in order, into *pids. */
static apr_status_t page_ids(apr_array_header_t **pids, const dir_req_t *r,
                             long long offset, long long limit,
                             long long total, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[10];
    dir_seek_t s;
    const char *sql, *where;
    long long skip = offset;
    int n = 0, m, tried;
    apr_status_t rv = APR_SUCCESS;

    s.found = 0;
    if (limit > 0 && r->like != NULL) {
        rv = page_wide(pids, &m, &tried, r, offset, limit, total, db, res,
                       p);
        if (rv == APR_SUCCESS && !m && !tried) {
            rv = page_window(pids, &m, r, offset, limit, total, db, res, p);
        }
        if (rv != APR_SUCCESS || m) {
            return rv;
        }
    }
    else if (limit > 0) {
        rv = page_seek(&s, &skip, r, offset, total, db, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    where = scope_where(r, &m, p);
    scope_args(args, &n, r);
    sql = apr_pstrcat(p, "SELECT x.id FROM ", r->def->table, " x",
                      order_index(r, p), where, NULL);
    if (r->like != NULL) {
        sql = apr_pstrcat(p, sql, " AND x.id IN (SELECT t.id FROM dir_term"
                          " t", scope_where_terms(r, &m),
                          " AND t.term LIKE ? ESCAPE '!')", NULL);
        args[n++] = OXT_DB_STR(r->def->name);
        scope_args(args, &n, r);
        args[n++] = OXT_DB_STR(r->like);
    }
    if (s.found) {
        sql = apr_pstrcat(p, sql, seek_where(r, &s, args, &n, p), NULL);
    }
    sql = apr_pstrcat(p, sql, order_by(r, p), limit > 0 ? " LIMIT ?, ?" : "",
                      NULL);
    if (limit > 0) {
        args[n++] = OXT_DB_INT(skip);
        args[n++] = OXT_DB_INT(limit);
    }
    return oxt_db_select_ids(pids, db, sql, args, n, res, p);
}

/* ---- step 2: the rows of the ids, from psa now -------------------------------------------- */

/* The columns every row query gives, in this order (row_from). */
enum {
    RC_ID, RC_NAME, RC_SUSPENDED, RC_MAIL, RC_RESELLER, RC_CLIENT,
    RC_CLIENTS, RC_DOMAINS, RC_TOTAL, RC_OX, RC_WEBMAIL, RC_STANDARD,
    RC_PREMIUM, RC_SYNC, RC_ACCESS, RC_FOREVER, RC_NOW, RC_FOREVER_UP1,
    RC_FOREVER_UP2, RC_COUNT
};

#define ROW_COUNTS \
    " x.mbox_total, x.mbox_ox, x.ox_webmail, x.ox_standard, x.ox_premium," \
    " x.sync_key, COALESCE(p.access, 0), p.webmail_forever," \
    " p.webmail_now_at IS NOT NULL"

/* Domains. The owner c, for a client of a reseller that reseller r; the
 * preferences of the domain (p), its client (pc) and reseller (pr). */
#define DOM_RESELLER9 \
    "CASE c.type WHEN 'reseller' THEN c.id ELSE COALESCE(r.id, 0) END"
#define DOM_CLIENT9 "IF(c.type = 'client', c.id, 0)"

static const char sql_rows_domains9[] =
    "SELECT x.id, pd.displayName,"
    " pd.status <> 0 OR (c.type <> 'admin' AND c.status <> 0)"
    " OR COALESCE(r.status, 0) <> 0,"
    " ds.id IS NOT NULL AND ds.status = 0, " DOM_RESELLER9 ", "
    DOM_CLIENT9 ", 0, 0," ROW_COUNTS ","
    " pc.webmail_forever, pr.webmail_forever"
    " FROM dir_domain x JOIN psa.domains pd ON pd.id = x.id"
    " JOIN psa.clients c ON c.id = pd.cl_id"
    " LEFT JOIN psa.clients r ON r.id = c.parent_id AND r.type = 'reseller'"
    "  AND c.type = 'client'"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = pd.id"
    "  AND ds.type = 'mail'"
    " LEFT JOIN prefs p ON p.level = 'domain' AND p.plesk_id = x.id"
    " LEFT JOIN prefs pc ON pc.level = 'client'"
    "  AND pc.plesk_id = " DOM_CLIENT9
    " LEFT JOIN prefs pr ON pr.level = 'reseller'"
    "  AND pr.plesk_id = " DOM_RESELLER9
    " WHERE x.id IN (%s)";

static const char sql_rows_domains8[] =
    "SELECT x.id, pd.displayName, pd.status <> 0 OR c.status <> 0,"
    " ds.id IS NOT NULL AND ds.status = 0, 0, c.id, 0, 0," ROW_COUNTS ","
    " pc.webmail_forever, NULL"
    " FROM dir_domain x JOIN psa.domains pd ON pd.id = x.id"
    " JOIN psa.clients c ON c.id = pd.cl_id"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = pd.id"
    "  AND ds.type = 'mail'"
    " LEFT JOIN prefs p ON p.level = 'domain' AND p.plesk_id = x.id"
    " LEFT JOIN prefs pc ON pc.level = 'client' AND pc.plesk_id = c.id"
    " WHERE x.id IN (%s)";

static const char sql_rows_clients9[] =
    "SELECT x.id, c.pname, c.status <> 0 OR COALESCE(r.status, 0) <> 0, 0,"
    " COALESCE(r.id, 0), x.id, x.clients, x.domains," ROW_COUNTS ","
    " pr.webmail_forever, NULL"
    " FROM dir_account x JOIN psa.clients c ON c.id = x.id"
    "  AND c.type = 'client'"
    " LEFT JOIN psa.clients r ON r.id = c.parent_id AND r.type = 'reseller'"
    " LEFT JOIN prefs p ON p.level = 'client' AND p.plesk_id = x.id"
    " LEFT JOIN prefs pr ON pr.level = 'reseller'"
    "  AND pr.plesk_id = COALESCE(r.id, 0)"
    " WHERE x.id IN (%s)";

static const char sql_rows_clients8[] =
    "SELECT x.id, c.pname, c.status <> 0, 0, 0, x.id, x.clients, x.domains,"
    ROW_COUNTS ", NULL, NULL"
    " FROM dir_account x JOIN psa.clients c ON c.id = x.id"
    " LEFT JOIN prefs p ON p.level = 'client' AND p.plesk_id = x.id"
    " WHERE x.id IN (%s)";

static const char sql_rows_resellers9[] =
    "SELECT x.id, c.pname, c.status <> 0, 0, x.id, 0, x.clients, x.domains,"
    ROW_COUNTS ", NULL, NULL"
    " FROM dir_account x JOIN psa.clients c ON c.id = x.id"
    "  AND c.type = 'reseller'"
    " LEFT JOIN prefs p ON p.level = 'reseller' AND p.plesk_id = x.id"
    " WHERE x.id IN (%s)";

/* The caller's own part, as psa says now; the ids are bound after the
 * IN list. A domain administrator lists nothing here. */
static const char *rows_pred(oxt_dir_list_t list,
                             const oxt_identity_t *ident, int *pn)
{
    *pn = 0;
    switch (ident->role) {
    case OXT_ROLE_ADMIN:
        return "";
    case OXT_ROLE_RESELLER:
        if (list == OXT_DIR_DOMAINS) {
            *pn = 2;
            return " AND (pd.cl_id = ? OR (c.type = 'client'"
                   " AND c.parent_id = ?))";
        }
        *pn = 1;
        return list == OXT_DIR_CLIENTS ? " AND c.parent_id = ?"
                                       : " AND 1 = 0";
    case OXT_ROLE_CLIENT:
        *pn = 1;
        return list == OXT_DIR_DOMAINS ? " AND pd.cl_id = ?" : " AND 1 = 0";
    default:
        return " AND 1 = 0";
    }
}

static const char *rows_sql(oxt_dir_list_t list, const oxt_psa_t *psa)
{
    int v9 = oxt_psa_caps(psa)->has_client_type;

    switch (list) {
    case OXT_DIR_RESELLERS:
        return v9 ? sql_rows_resellers9 : NULL;
    case OXT_DIR_CLIENTS:
        return v9 ? sql_rows_clients9 : sql_rows_clients8;
    default:
        return v9 ? sql_rows_domains9 : sql_rows_domains8;
    }
}

static const char *const forever_names[] = { "inherit", "on", "off", NULL };

static oxt_forever_t row_forever(const oxt_db_row_t *row, int col)
{
    return (oxt_forever_t)oxt_db_row_enum(row, col, forever_names,
                                          OXT_FOREVER_INHERIT);
}

/* Webmail Forever in effect: the row's own, else the nearest above. */
static int row_forever_effective(const oxt_db_row_t *row)
{
    static const int cols[] = { RC_FOREVER, RC_FOREVER_UP1, RC_FOREVER_UP2 };
    oxt_forever_t f;
    size_t i;

    for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        f = row_forever(row, cols[i]);
        if (f != OXT_FOREVER_INHERIT) {
            return f == OXT_FOREVER_ON;
        }
    }
    return 0;
}

static void row_from(oxt_dir_row_t *d, const oxt_db_row_t *row,
                     apr_pool_t *p)
{
    int i;

    memset(d, 0, sizeof(*d));
    d->id = oxt_db_row_int(row, RC_ID, 0);
    d->name = oxt_db_row_str(row, RC_NAME, p);
    d->name = d->name ? d->name : "";
    d->suspended = oxt_db_row_bool(row, RC_SUSPENDED);
    d->mail_on = oxt_db_row_bool(row, RC_MAIL);
    d->reseller_id = oxt_db_row_int(row, RC_RESELLER, 0);
    d->client_id = oxt_db_row_int(row, RC_CLIENT, 0);
    d->clients = oxt_db_row_int(row, RC_CLIENTS, 0);
    d->domains = oxt_db_row_int(row, RC_DOMAINS, 0);
    d->mbox_total = oxt_db_row_int(row, RC_TOTAL, 0);
    d->mbox_ox = oxt_db_row_int(row, RC_OX, 0);
    for (i = 0; i < 3; i++) {
        d->ox_by_service[i] = oxt_db_row_int(row, RC_WEBMAIL + i, 0);
    }
    d->modified = oxt_db_row_int(row, RC_SYNC, 0);
    d->access = oxt_db_row_int(row, RC_ACCESS, 0) != 0;
    d->forever_own = row_forever(row, RC_FOREVER);
    d->forever = row_forever_effective(row);
    d->now = oxt_db_row_bool(row, RC_NOW);
}

/* The rows of ids[from, from + n), checked, into a hash (id -> row) in
 * p. */
static apr_status_t rows_chunk(apr_hash_t *out, const oxt_psa_t *psa,
                               oxt_db_t *db, const oxt_identity_t *ident,
                               oxt_dir_list_t list,
                               const apr_array_header_t *ids, int from,
                               int n, oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[DIR_CHUNK + 2];
    apr_array_header_t *rows;
    const char *sql = rows_sql(list, psa), *marks, *pred;
    oxt_dir_row_t *d;
    int nargs, npred, i;
    apr_status_t rv;

    if (sql == NULL) {
        return APR_SUCCESS;
    }
    nargs = oxt_db_in_bind(&marks, args, ids, from, n, p);
    pred = rows_pred(list, ident, &npred);
    for (i = 0; i < npred; i++) {
        args[nargs++] = OXT_DB_INT(ident->id);
    }
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, apr_pstrcat(p,
                       apr_psprintf(p, sql, marks), pred, NULL), p),
                       args, nargs, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        d = apr_palloc(p, sizeof(*d));
        row_from(d, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
        oxt_util_id_set(out, d->id, d);
    }
    return rv;
}

apr_status_t oxt_dir_rows_get(apr_hash_t **prows, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_identity_t *ident,
                              oxt_dir_list_t list,
                              const apr_array_header_t *ids,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *out = apr_hash_make(p);
    int from, n;
    apr_status_t rv = APR_SUCCESS;

    *prows = out;
    if ((unsigned)list >= OXT_DIR_LISTS) {
        return APR_EINVAL;
    }
    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < DIR_CHUNK ? ids->nelts - from : DIR_CHUNK;
        rv = rows_chunk(out, psa, db, ident, list, ids, from, n, res, p);
    }
    return rv;
}

apr_status_t oxt_dir_row_get(oxt_dir_row_t *row, const oxt_psa_t *psa,
                             oxt_db_t *db, const oxt_identity_t *ident,
                             oxt_dir_list_t list, long long id,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(long long));
    apr_hash_t *rows;
    const oxt_dir_row_t *found;
    apr_status_t rv;

    APR_ARRAY_PUSH(ids, long long) = id;
    rv = oxt_dir_rows_get(&rows, psa, db, ident, list, ids, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    found = oxt_util_id_get(rows, id);
    if (found == NULL) {
        return APR_ENOENT;
    }
    *row = *found;
    return APR_SUCCESS;
}

/* ---- the rows of a request ------------------------------------------------------------------ */

/* Hands the rows of ids[from, from + n) to cb in the ids' order. */
static apr_status_t each_chunk(const oxt_psa_t *psa, oxt_db_t *db,
                               const oxt_dir_query_t *q,
                               const apr_array_header_t *ids, int from,
                               int n, oxt_dir_row_cb *cb, void *baton,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *rows = apr_hash_make(p);
    const oxt_dir_row_t *row;
    int i;
    apr_status_t rv;

    rv = rows_chunk(rows, psa, db, q->ident, q->list, ids, from, n, res, p);
    for (i = from; rv == APR_SUCCESS && i < from + n; i++) {
        row = oxt_util_id_get(rows, APR_ARRAY_IDX(ids, i, long long));
        if (row != NULL) {
            rv = cb(baton, row, p);
        }
    }
    return rv;
}

apr_status_t oxt_dir_each(const oxt_psa_t *psa, oxt_db_t *db,
                          const oxt_dir_query_t *q, oxt_dir_row_cb *cb,
                          void *baton, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids;
    apr_pool_t *cp;
    long long total = 0;
    dir_req_t r;
    int from, n;
    apr_status_t rv = APR_SUCCESS;

    if (!dir_list_allowed(q)) {
        return APR_ENOENT;
    }
    dir_req(&r, q, p);
    total = q->total;
    if (q->limit > 0 && q->offset >= DIR_SPACING / 2 && r.like == NULL
        && total <= 0) {
        rv = scope_total(&total, &r, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = page_ids(&ids, &r, q->offset, q->limit, total, db, res, p);
    }
    apr_pool_create(&cp, p);
    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < DIR_CHUNK ? ids->nelts - from : DIR_CHUNK;
        rv = each_chunk(psa, db, q, ids, from, n, cb, baton, res, cp);
        apr_pool_clear(cp);
    }
    apr_pool_destroy(cp);
    return rv;
}

apr_status_t oxt_dir_ids(apr_array_header_t **pids, const oxt_psa_t *psa,
                         oxt_db_t *db, const oxt_dir_query_t *q,
                         oxt_result_t *res, apr_pool_t *p)
{
    static const oxt_dir_kind_t kinds[OXT_DIR_LISTS] = {
        OXT_DIR_RESELLER, OXT_DIR_CLIENT, OXT_DIR_DOMAIN
    };
    apr_array_header_t *ids;
    dir_req_t r;
    apr_status_t rv;

    *pids = apr_array_make(p, 0, sizeof(long long));
    if (!dir_list_allowed(q)) {
        return APR_ENOENT;
    }
    dir_req(&r, q, p);
    rv = page_ids(&ids, &r, 0, 0, 0, db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return subtree_filter(pids, psa, db, q->ident, kinds[q->list], ids, res,
                          p);
}

/* ==== keeping it true (the replicator) ======================================================= */

/* The numbers of a directory row (N_MAIL: the mail service is off). */
enum { N_MAIL, N_CLIENTS, N_DOMAINS, N_TOTAL, N_OX, N_WEBMAIL, N_STANDARD,
       N_PREMIUM, N_SYNC, DIR_NV };

static const char *const n_cols[DIR_NV] = {
    "mail_off", "clients", "domains", "mbox_total", "mbox_ox", "ox_webmail",
    "ox_standard", "ox_premium", "sync_key"
};

/* One row of dir_account (kind 0 reseller, 1 client) or dir_domain
 * (kind 2). */
typedef struct dir_rec_t {
    long long id;
    int kind;
    long long owner_id;
    long long client_id;
    long long reseller_id;
    const char *name;
    const char *alt;               /* a domain's ASCII name, for its terms
                                      only (NULL: as name) */
    long long v[DIR_NV];
} dir_rec_t;

#define KIND_DOMAIN 2

/* The list a row belongs to. */
static oxt_dir_list_t rec_list(const dir_rec_t *rec)
{
    return rec->kind == 0 ? OXT_DIR_RESELLERS
         : rec->kind == 1 ? OXT_DIR_CLIENTS : OXT_DIR_DOMAINS;
}

static int col_index(const char *col)
{
    int i;

    for (i = 0; i < DIR_NV; i++) {
        if (strcmp(n_cols[i], col) == 0) {
            return i;
        }
    }
    return -1;
}

static int rec_same_key(const dir_rec_t *a, const dir_rec_t *b,
                        const dir_sort_t *s)
{
    int i;

    if (s->is_str) {
        return strcmp(a->name, b->name) == 0;
    }
    i = col_index(s->col);
    return i >= 0 && a->v[i] == b->v[i];
}

static oxt_db_arg_t rec_key(const dir_rec_t *rec, const dir_sort_t *s)
{
    int i = s->is_str ? -1 : col_index(s->col);

    return s->is_str ? OXT_DB_STR(rec->name)
                     : OXT_DB_INT(i >= 0 ? rec->v[i] : 0);
}

static int rec_equal(const dir_rec_t *a, const dir_rec_t *b)
{
    return a->kind == b->kind && a->owner_id == b->owner_id
        && a->client_id == b->client_id && a->reseller_id == b->reseller_id
        && strcmp(a->name, b->name) == 0
        && memcmp(a->v, b->v, sizeof(a->v)) == 0;
}

/* A change of one row: old, new or both. */
typedef struct dir_diff_t {
    const dir_rec_t *old;
    const dir_rec_t *new;
} dir_diff_t;

/* What one sync call is doing, for the helpers. */
typedef struct dir_sync_t {
    oxt_db_t *db;
    const oxt_psa_t *psa;
    unsigned flags;
    oxt_dir_stats_t *stats;
    oxt_result_t *res;
    apr_pool_t *p;
    apr_hash_t *groups;            /* page index groups: name -> state */
    int drop_all;                  /* deferred: the whole page index goes */
    int points;                    /* dir_prefix_page: 0 not probed yet,
                                      1 empty, 2 points to keep */
    int keep_points;               /* one diffs_apply: there are points,
                                      and the call keeps its groups */
    apr_hash_t *pm_old, *pm_new;   /* the rows of one diffs_apply: the
                                      stored prefixes their terms matched
                                      before and after (NULL: no points
                                      to keep row by row) */
    apr_hash_t *prefix_ids;        /* a build's matches per scope and
                                      prefix, read once for every sort */
    int wrote;                     /* a row or its terms were written */
    int finished;                  /* oxt_dir_sync_finish's transaction */
} dir_sync_t;

/* ---- multi-row statements ------------------------------------------------------------------ */

#define ROWS_MAX 100

/* Runs prefix + "(?, ...)" x rows + suffix over nrows rows of ncols
 * values each (args, row after row), at most ROWS_MAX rows a statement,
 * padded to a fixed length by repeating the last row (every statement
 * this is used for tolerates a repeated row). */
static apr_status_t rows_exec(dir_sync_t *s, const char *prefix,
                              const char *suffix, int ncols,
                              const oxt_db_arg_t *args, int nrows)
{
    const char *tuple = apr_pstrcat(s->p, "(", oxt_util_marks(ncols, s->p), ")",
                                    NULL);
    apr_array_header_t *parts;
    apr_pool_t *tp;
    oxt_db_arg_t *a;
    int from, n, size, i;
    apr_status_t rv = APR_SUCCESS;

    /* Each statement's text and arguments in a pool of its own: built
     * by repeated concatenation they grew with the square of the rows,
     * and kept until the sync's end they held over 100 MB when every
     * account of a big server was written at once. */
    apr_pool_create(&tp, s->p);
    for (from = 0; rv == APR_SUCCESS && from < nrows; from += n) {
        n = nrows - from < ROWS_MAX ? nrows - from : ROWS_MAX;
        size = oxt_db_in_size(n);
        size = size > ROWS_MAX ? ROWS_MAX : size;
        a = apr_palloc(tp, sizeof(*a) * (apr_size_t)(size * ncols));
        parts = apr_array_make(tp, size + 2, sizeof(const char *));
        APR_ARRAY_PUSH(parts, const char *) = prefix;
        for (i = 0; i < size; i++) {
            memcpy(a + i * ncols, args + (from + (i < n ? i : n - 1)) * ncols,
                   sizeof(*a) * (apr_size_t)ncols);
            APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(tp, i ? ", "
                                                              : " ", tuple,
                                                              NULL);
        }
        APR_ARRAY_PUSH(parts, const char *) = suffix;
        rv = oxt_db_exec(NULL, s->db, apr_array_pstrcat(tp, parts, 0), a,
                         size * ncols, s->res, tp);
        apr_pool_clear(tp);
    }
    apr_pool_destroy(tp);
    return rv;
}

/* Runs sql (one "%s" for an IN list) for every id of ids, in chunks. */
static apr_status_t ids_exec(dir_sync_t *s, const char *sql,
                             const oxt_db_arg_t *pre, int npre,
                             const apr_array_header_t *ids)
{
    oxt_db_arg_t args[DIR_CHUNK + 4];
    const char *marks;
    int from, n, nargs;
    apr_status_t rv = APR_SUCCESS;

    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < DIR_CHUNK ? ids->nelts - from : DIR_CHUNK;
        if (npre > 0) {             /* memcpy from NULL is undefined */
            memcpy(args, pre, sizeof(*pre) * (apr_size_t)npre);
        }
        nargs = npre + oxt_db_in_bind(&marks, args + npre, ids, from, n, s->p);
        rv = oxt_db_exec(NULL, s->db, apr_psprintf(s->p, sql, marks), args,
                         nargs, s->res, s->p);
    }
    return rv;
}

/* Selects with sql (one "%s" for an IN list) over ids in chunks, each
 * row to cb. */
typedef void dir_rec_row_fn(void *baton, const oxt_db_row_t *row,
                            apr_pool_t *p);

static apr_status_t ids_select(oxt_db_t *db, const char *sql,
                               const apr_array_header_t *ids,
                               dir_rec_row_fn *fn, void *baton,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[DIR_CHUNK];
    apr_array_header_t *rows;
    const char *marks;
    int from, n, nargs, i;
    apr_status_t rv = APR_SUCCESS;

    if (ids == NULL) {
        rv = oxt_db_select(&rows, db, sql, OXT_DB_NOARGS, res, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            fn(baton, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
        }
        return rv;
    }
    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < DIR_CHUNK ? ids->nelts - from : DIR_CHUNK;
        nargs = oxt_db_in_bind(&marks, args, ids, from, n, p);
        rv = oxt_db_select(&rows, db, apr_psprintf(p, sql, marks), args,
                           nargs, res, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            fn(baton, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
        }
    }
    return rv;
}

/* ---- loading rows ------------------------------------------------------------------------------- */

static dir_rec_t *rec_get(apr_hash_t *h, long long id, apr_pool_t *p)
{
    dir_rec_t *rec = oxt_util_id_get(h, id);

    if (rec == NULL) {
        rec = apr_pcalloc(p, sizeof(*rec));
        rec->id = id;
        rec->name = "";
        oxt_util_id_set(h, id, rec);
    }
    return rec;
}

/* dir_domain / dir_account rows as they are. */
static const char sql_dir_domains[] =
    "SELECT id, 2, owner_id, client_id, reseller_id, name, mail_off, 0, 0,"
    " mbox_total, mbox_ox, ox_webmail, ox_standard, ox_premium, sync_key"
    " FROM dir_domain WHERE id IN (%s)";
static const char sql_dir_accounts[] =
    "SELECT id, IF(kind = 'reseller', 0, 1), 0, IF(kind = 'client', id, 0),"
    " reseller_id, name, 0, clients, domains, mbox_total, mbox_ox,"
    " ox_webmail, ox_standard, ox_premium, sync_key FROM dir_account";

static void dir_row_fn(void *baton, const oxt_db_row_t *row, apr_pool_t *p)
{
    apr_hash_t *h = baton;
    dir_rec_t *rec = rec_get(h, oxt_db_row_int(row, 0, 0),
                             apr_hash_pool_get(h));
    int i;

    (void)p;
    rec->kind = (int)oxt_db_row_int(row, 1, 0);
    rec->owner_id = oxt_db_row_int(row, 2, 0);
    rec->client_id = oxt_db_row_int(row, 3, 0);
    rec->reseller_id = oxt_db_row_int(row, 4, 0);
    rec->name = oxt_db_row_str(row, 5, apr_hash_pool_get(h));
    rec->name = rec->name ? rec->name : "";
    for (i = 0; i < DIR_NV; i++) {
        rec->v[i] = oxt_db_row_int(row, 6 + i, 0);
    }
}

static apr_status_t dir_load(apr_hash_t **ph, oxt_db_t *db, int accounts,
                             const apr_array_header_t *ids,
                             oxt_result_t *res, apr_pool_t *p)
{
    const char *sql = accounts
        ? (ids ? apr_pstrcat(p, sql_dir_accounts, " WHERE id IN (%s)", NULL)
               : sql_dir_accounts)
        : sql_dir_domains;

    *ph = apr_hash_make(p);
    return ids != NULL && ids->nelts == 0 ? APR_SUCCESS
         : ids_select(db, sql, ids, dir_row_fn, *ph, res, p);
}

/* What psa says of domains: owner chain, display name, mail service. */
static const char sql_psa_domains9[] =
    "SELECT d.id, d.displayName, d.cl_id, c.type, COALESCE(o.id, 0),"
    " COALESCE(o.type, ''), ds.id IS NOT NULL AND ds.status = 0, d.name"
    " FROM psa.domains d JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.clients o ON o.id = c.parent_id"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id"
    "  AND ds.type = 'mail'"
    " WHERE d.id IN (%s)";
static const char sql_psa_domains8[] =
    "SELECT d.id, d.displayName, d.cl_id, 'client', 0, '',"
    " ds.id IS NOT NULL AND ds.status = 0, d.name"
    " FROM psa.domains d JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id"
    "  AND ds.type = 'mail'"
    " WHERE d.id IN (%s)";
static const char sql_psa_mailboxes[] =
    "SELECT dom_id, COUNT(*) FROM psa.mail WHERE dom_id IN (%s)"
    " AND postbox = 'true' GROUP BY dom_id";
static const char sql_state_replicated[] =
    "SELECT dom_id, COALESCE(applied_service_type, service_type), COUNT(*),"
    " COALESCE(MAX(UNIX_TIMESTAMP(last_sync_at)), 0) FROM mailbox_state"
    " WHERE dom_id IN (%s) AND status = 'replicated' GROUP BY 1, 2";

/* The chain of an owner row c (and its parent o): the client and the
 * reseller (0 where there is none). */
static void chain_of(dir_rec_t *rec, long long cid, const char *ctype,
                     long long oid, const char *otype)
{
    rec->client_id = 0;
    rec->reseller_id = 0;
    if (ctype != NULL && strcmp(ctype, "client") == 0) {
        rec->client_id = cid;
        if (otype != NULL && strcmp(otype, "reseller") == 0) {
            rec->reseller_id = oid;
        }
    }
    else if (ctype != NULL && strcmp(ctype, "reseller") == 0) {
        rec->reseller_id = cid;
    }
}

static void psa_domain_fn(void *baton, const oxt_db_row_t *row,
                          apr_pool_t *p)
{
    apr_hash_t *h = baton;
    apr_pool_t *hp = apr_hash_pool_get(h);
    dir_rec_t *rec = rec_get(h, oxt_db_row_int(row, 0, 0), hp);

    (void)p;
    rec->kind = KIND_DOMAIN;
    rec->name = oxt_db_row_str(row, 1, hp);
    rec->name = rec->name ? rec->name : "";
    rec->owner_id = oxt_db_row_int(row, 2, 0);
    chain_of(rec, rec->owner_id, row->vals[3], oxt_db_row_int(row, 4, 0),
             row->vals[5]);
    /* Sorted by what it says: "Active" before "Deactivated". */
    rec->v[N_MAIL] = !oxt_db_row_bool(row, 6);
    rec->alt = oxt_db_row_str(row, 7, hp);
}

static void psa_mailboxes_fn(void *baton, const oxt_db_row_t *row,
                             apr_pool_t *p)
{
    dir_rec_t *rec = oxt_util_id_get(baton, oxt_db_row_int(row, 0, 0));

    (void)p;
    if (rec != NULL) {
        rec->v[N_TOTAL] = oxt_db_row_int(row, 1, 0);
    }
}

static void state_fn(void *baton, const oxt_db_row_t *row, apr_pool_t *p)
{
    dir_rec_t *rec = oxt_util_id_get(baton, oxt_db_row_int(row, 0, 0));
    int service = oxt_db_row_enum(row, 1, oxt_service_codes(), 0);
    long long n = oxt_db_row_int(row, 2, 0), at = oxt_db_row_int(row, 3, 0);

    (void)p;
    if (rec == NULL) {
        return;
    }
    rec->v[N_OX] += n;
    rec->v[N_WEBMAIL + service] += n;
    if (at > rec->v[N_SYNC]) {
        rec->v[N_SYNC] = at;
    }
}

/* The domains of ids as psa and mailbox_state say now; ids psa does not
 * have are absent. */
static apr_status_t psa_domains_load(apr_hash_t **ph, dir_sync_t *s,
                                     const apr_array_header_t *ids)
{
    int v9 = oxt_psa_caps(s->psa)->has_client_type;
    apr_status_t rv;

    *ph = apr_hash_make(s->p);
    rv = ids_select(s->db, oxt_psa_sql(s->psa, v9 ? sql_psa_domains9
                                       : sql_psa_domains8, s->p),
                    ids, psa_domain_fn, *ph, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = ids_select(s->db, oxt_psa_sql(s->psa, sql_psa_mailboxes, s->p),
                        ids, psa_mailboxes_fn, *ph, s->res, s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = ids_select(s->db, sql_state_replicated, ids, state_fn, *ph,
                        s->res, s->p);
    }
    return rv;
}

/* Resellers and clients as psa says now. */
static const char sql_psa_accounts9[] =
    "SELECT c.id, c.type, c.pname, COALESCE(o.id, 0), COALESCE(o.type, '')"
    " FROM psa.clients c LEFT JOIN psa.clients o ON o.id = c.parent_id"
    " WHERE c.type IN ('reseller', 'client')";
static const char sql_psa_accounts8[] =
    "SELECT c.id, 'client', c.pname, 0, '' FROM psa.clients c"
    " WHERE 1 = 1";

static void psa_account_fn(void *baton, const oxt_db_row_t *row,
                           apr_pool_t *p)
{
    apr_hash_t *h = baton;
    apr_pool_t *hp = apr_hash_pool_get(h);
    const char *type = row->vals[1];
    dir_rec_t *rec = rec_get(h, oxt_db_row_int(row, 0, 0), hp);

    (void)p;
    rec->kind = type != NULL && strcmp(type, "reseller") == 0 ? 0 : 1;
    rec->name = oxt_db_row_str(row, 2, hp);
    rec->name = rec->name ? rec->name : "";
    if (rec->kind == 0) {
        rec->reseller_id = rec->id;
    }
    else {
        chain_of(rec, rec->id, "client", oxt_db_row_int(row, 3, 0),
                 row->vals[4]);
    }
}

static apr_status_t psa_accounts_load(apr_hash_t **ph, dir_sync_t *s,
                                      const apr_array_header_t *ids)
{
    const char *sql = oxt_psa_caps(s->psa)->has_client_type
                      ? sql_psa_accounts9 : sql_psa_accounts8;

    *ph = apr_hash_make(s->p);
    if (ids != NULL && ids->nelts == 0) {
        return APR_SUCCESS;
    }
    if (ids != NULL) {
        sql = apr_pstrcat(s->p, sql, " AND c.id IN (%s)", NULL);
    }
    return ids_select(s->db, oxt_psa_sql(s->psa, sql, s->p), ids,
                      psa_account_fn, *ph, s->res, s->p);
}

/* ---- the aggregates of accounts --------------------------------------------------------------- */

/* Sums over an owner's domains (by client_id or reseller_id), and a
 * reseller's clients. */
static const char sql_agg_client[] =
    "SELECT client_id, COUNT(*), SUM(mbox_total), SUM(mbox_ox),"
    " SUM(ox_webmail), SUM(ox_standard), SUM(ox_premium), MAX(sync_key)"
    " FROM dir_domain WHERE client_id IN (%s) GROUP BY client_id";
static const char sql_agg_reseller[] =
    "SELECT reseller_id, COUNT(*), SUM(mbox_total), SUM(mbox_ox),"
    " SUM(ox_webmail), SUM(ox_standard), SUM(ox_premium), MAX(sync_key)"
    " FROM dir_domain WHERE reseller_id IN (%s) GROUP BY reseller_id";
static const char sql_agg_clients[] =
    "SELECT reseller_id, COUNT(*) FROM dir_account WHERE kind = 'client'"
    " AND reseller_id IN (%s) GROUP BY reseller_id";
static const char sql_agg_client_all[] =
    "SELECT client_id, COUNT(*), SUM(mbox_total), SUM(mbox_ox),"
    " SUM(ox_webmail), SUM(ox_standard), SUM(ox_premium), MAX(sync_key)"
    " FROM dir_domain WHERE client_id > 0 GROUP BY client_id";
static const char sql_agg_reseller_all[] =
    "SELECT reseller_id, COUNT(*), SUM(mbox_total), SUM(mbox_ox),"
    " SUM(ox_webmail), SUM(ox_standard), SUM(ox_premium), MAX(sync_key)"
    " FROM dir_domain WHERE reseller_id > 0 GROUP BY reseller_id";
static const char sql_agg_clients_all[] =
    "SELECT reseller_id, COUNT(*) FROM dir_account WHERE kind = 'client'"
    " AND reseller_id > 0 GROUP BY reseller_id";

typedef struct agg_baton_t {
    apr_hash_t *recs;
    int kind;                      /* only rows of this kind take it */
} agg_baton_t;

static void agg_domains_fn(void *baton, const oxt_db_row_t *row,
                           apr_pool_t *p)
{
    agg_baton_t *b = baton;
    dir_rec_t *rec = oxt_util_id_get(b->recs, oxt_db_row_int(row, 0, 0));
    int i;

    (void)p;
    if (rec == NULL || rec->kind != b->kind) {
        return;
    }
    rec->v[N_DOMAINS] = oxt_db_row_int(row, 1, 0);
    for (i = 0; i < 6; i++) {
        rec->v[N_TOTAL + i] = oxt_db_row_int(row, 2 + i, 0);
    }
}

static void agg_clients_fn(void *baton, const oxt_db_row_t *row,
                           apr_pool_t *p)
{
    agg_baton_t *b = baton;
    dir_rec_t *rec = oxt_util_id_get(b->recs, oxt_db_row_int(row, 0, 0));

    (void)p;
    if (rec != NULL && rec->kind == 0) {
        rec->v[N_CLIENTS] = oxt_db_row_int(row, 1, 0);
    }
}

/* Fills the aggregates of every account of recs (ids: their ids, or
 * NULL for every account) from the directory as it is now. */
static apr_status_t agg_fill(dir_sync_t *s, apr_hash_t *recs,
                             const apr_array_header_t *ids)
{
    agg_baton_t clients = { recs, 1 }, resellers = { recs, 0 };
    apr_hash_index_t *hi;
    dir_rec_t *rec;
    apr_status_t rv;

    for (hi = apr_hash_first(s->p, recs); hi; hi = apr_hash_next(hi)) {
        rec = apr_hash_this_val(hi);
        memset(&rec->v[N_CLIENTS], 0, sizeof(rec->v[0]) * (N_SYNC + 1
                                                        - N_CLIENTS));
    }
    rv = ids_select(s->db, ids ? sql_agg_client : sql_agg_client_all, ids,
                    agg_domains_fn, &clients, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = ids_select(s->db, ids ? sql_agg_reseller : sql_agg_reseller_all,
                        ids, agg_domains_fn, &resellers, s->res, s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = ids_select(s->db, ids ? sql_agg_clients : sql_agg_clients_all,
                        ids, agg_clients_fn, &resellers, s->res, s->p);
    }
    return rv;
}

/* ---- writing rows ---------------------------------------------------------------------------- */

static const char sql_put_domains[] =
    "INSERT INTO dir_domain (id, owner_id, client_id, reseller_id, name,"
    " mail_off, mbox_total, mbox_ox, ox_webmail, ox_standard, ox_premium,"
    " sync_key) VALUES";
static const char sql_put_domains_tail[] =
    " ON DUPLICATE KEY UPDATE owner_id = VALUES(owner_id),"
    " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id),"
    " name = VALUES(name), mail_off = VALUES(mail_off),"
    " mbox_total = VALUES(mbox_total), mbox_ox = VALUES(mbox_ox),"
    " ox_webmail = VALUES(ox_webmail), ox_standard = VALUES(ox_standard),"
    " ox_premium = VALUES(ox_premium), sync_key = VALUES(sync_key)";
static const char sql_put_accounts[] =
    "INSERT INTO dir_account (id, kind, reseller_id, name, clients, domains,"
    " mbox_total, mbox_ox, ox_webmail, ox_standard, ox_premium, sync_key)"
    " VALUES";
static const char sql_put_accounts_tail[] =
    " ON DUPLICATE KEY UPDATE kind = VALUES(kind),"
    " reseller_id = VALUES(reseller_id), name = VALUES(name),"
    " clients = VALUES(clients), domains = VALUES(domains),"
    " mbox_total = VALUES(mbox_total), mbox_ox = VALUES(mbox_ox),"
    " ox_webmail = VALUES(ox_webmail), ox_standard = VALUES(ox_standard),"
    " ox_premium = VALUES(ox_premium), sync_key = VALUES(sync_key)";

#define PUT_COLS 12

static void put_args(oxt_db_arg_t *a, const dir_rec_t *rec)
{
    int i, n = 0;

    a[n++] = OXT_DB_INT(rec->id);
    if (rec->kind == KIND_DOMAIN) {
        a[n++] = OXT_DB_INT(rec->owner_id);
        a[n++] = OXT_DB_INT(rec->client_id);
        a[n++] = OXT_DB_INT(rec->reseller_id);
        a[n++] = OXT_DB_STR(rec->name);
        a[n++] = OXT_DB_INT(rec->v[N_MAIL]);
    }
    else {
        a[n++] = OXT_DB_STR(rec->kind == 0 ? "reseller" : "client");
        a[n++] = OXT_DB_INT(rec->reseller_id);
        a[n++] = OXT_DB_STR(rec->name);
        a[n++] = OXT_DB_INT(rec->v[N_CLIENTS]);
        a[n++] = OXT_DB_INT(rec->v[N_DOMAINS]);
    }
    for (i = N_TOTAL; i <= N_SYNC; i++) {
        a[n++] = OXT_DB_INT(rec->v[i]);
    }
}

/* The new rows of diffs written, the gone ones deleted (with their
 * terms). */
static apr_status_t recs_write(dir_sync_t *s, const apr_array_header_t *diffs,
                               int domains)
{
    oxt_db_arg_t *args = apr_palloc(s->p, sizeof(*args) * PUT_COLS
                                    * (apr_size_t)(diffs->nelts + 1));
    apr_array_header_t *gone = apr_array_make(s->p, 8, sizeof(long long));
    const dir_diff_t *d;
    int i, n = 0;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (d->new != NULL) {
            put_args(args + n++ * PUT_COLS, d->new);
        }
        else {
            APR_ARRAY_PUSH(gone, long long) = d->old->id;
        }
    }
    if (n > 0) {
        rv = rows_exec(s, domains ? sql_put_domains : sql_put_accounts,
                       domains ? sql_put_domains_tail : sql_put_accounts_tail,
                       PUT_COLS, args, n);
    }
    if (rv == APR_SUCCESS && gone->nelts > 0) {
        rv = ids_exec(s, domains ? "DELETE FROM dir_domain WHERE id IN (%s)"
                                 : "DELETE FROM dir_account WHERE id IN (%s)",
                      NULL, 0, gone);
    }
    return rv;
}

/* ---- search terms ------------------------------------------------------------------------------ */

static int terms_changed(const dir_diff_t *d)
{
    return d->old == NULL || d->new == NULL
        || strcmp(d->old->name, d->new->name) != 0
        || d->old->kind != d->new->kind
        || d->old->reseller_id != d->new->reseller_id
        || d->old->client_id != d->new->client_id;
}

/* The terms of rec, as rows (list, id, term, reseller_id, client_id):
 * a domain's are those of its display name and of its ASCII name. */
static int terms_args(oxt_db_arg_t *a, const dir_rec_t *rec, apr_pool_t *p)
{
    apr_array_header_t *terms = oxt_dir_terms(rec->name,
                                              rec->kind == KIND_DOMAIN, p);
    apr_array_header_t *alt;
    int k;

    if (rec->alt != NULL && strcmp(rec->alt, rec->name) != 0) {
        alt = oxt_dir_terms(rec->alt, 1, p);
        for (k = 0; k < alt->nelts && terms->nelts < 2 * OXT_DIR_TERMS_MAX;
             k++) {
            APR_ARRAY_PUSH(terms, const char *) = APR_ARRAY_IDX(alt, k,
                                                                const char *);
        }
    }
    const char *list = dir_defs[rec_list(rec)].name;
    int i;

    for (i = 0; i < terms->nelts; i++) {
        a[i * 5] = OXT_DB_STR(list);
        a[i * 5 + 1] = OXT_DB_INT(rec->id);
        a[i * 5 + 2] = OXT_DB_STR(APR_ARRAY_IDX(terms, i, const char *));
        a[i * 5 + 3] = OXT_DB_INT(rec->reseller_id);
        a[i * 5 + 4] = OXT_DB_INT(rec->kind == KIND_DOMAIN ? rec->client_id
                                                           : 0);
    }
    return terms->nelts;
}

/* The terms of ids replaced by those of args (n rows), with the stored
 * counts of wide searches moved by the rows that leave and join each
 * prefix's matches (oxt_dirpre.h). */
static apr_status_t terms_replace(dir_sync_t *s, const apr_array_header_t *ids,
                                  const oxt_db_arg_t *args, int n,
                                  int domains)
{
    oxt_db_arg_t list = OXT_DB_STR(domains ? "domain" : NULL);
    const char *lists = domains ? "'domain'" : "'reseller', 'client'";
    apr_hash_t *delta = NULL;
    apr_status_t rv;

    rv = oxt_dirpre_lock(s->db, ids->nelts, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_dirpre_take(&delta, -1, s->db, lists, ids, s->res, s->p);
    }
    /* An account may have changed from reseller to client: both lists. */
    if (rv == APR_SUCCESS) {
        rv = domains
            ? ids_exec(s, "DELETE FROM dir_term WHERE list = ? AND id IN (%s)",
                       &list, 1, ids)
            : ids_exec(s, "DELETE FROM dir_term WHERE list IN ('reseller',"
                       " 'client') AND id IN (%s)", NULL, 0, ids);
    }
    if (rv == APR_SUCCESS && n > 0) {
        rv = rows_exec(s, "INSERT IGNORE INTO dir_term (list, id, term,"
                       " reseller_id, client_id) VALUES", "", 5, args, n);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_dirpre_take(&delta, 1, s->db, lists, ids, s->res, s->p);
    }
    return rv == APR_SUCCESS ? oxt_dirpre_apply(delta, s->db, s->res, s->p)
                             : rv;
}

/* The terms of every row of diffs whose name or scope changed. */
static apr_status_t terms_write(dir_sync_t *s, const apr_array_header_t *diffs,
                                int domains)
{
    oxt_db_arg_t *args = apr_palloc(s->p, sizeof(*args) * 5
                                    * 2 * OXT_DIR_TERMS_MAX
                                    * (apr_size_t)(diffs->nelts + 1));
    apr_array_header_t *ids = apr_array_make(s->p, 8, sizeof(long long));
    const dir_diff_t *d;
    int i, n = 0;

    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (terms_changed(d)) {
            APR_ARRAY_PUSH(ids, long long) = (d->new ? d->new : d->old)->id;
            if (d->new != NULL) {
                n += terms_args(args + n * 5, d->new, s->p);
            }
        }
    }
    return ids->nelts == 0 ? APR_SUCCESS
                           : terms_replace(s, ids, args, n, domains);
}

/* ---- totals ------------------------------------------------------------------------------------- */

/* dir_total moved by the rows diffs added and removed. */
static apr_status_t totals_move(dir_sync_t *s, const apr_array_header_t *diffs)
{
    long long delta[OXT_DIR_LISTS] = { 0, 0, 0 };
    const dir_diff_t *d;
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (d->old != NULL) {
            delta[rec_list(d->old)]--;
        }
        if (d->new != NULL) {
            delta[rec_list(d->new)]++;
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < OXT_DIR_LISTS; i++) {
        if (delta[i] != 0) {
            rv = oxt_db_exec(NULL, s->db, "UPDATE dir_total SET n ="
                             " GREATEST(CAST(n AS SIGNED) + ?, 0)"
                             " WHERE list = ?", OXT_DB_ARGS(
                             OXT_DB_INT(delta[i]),
                             OXT_DB_STR(dir_defs[i].name)), s->res, s->p);
        }
    }
    return rv;
}

/* ---- the page index ------------------------------------------------------------------------------ */

/* A group: one scope of one list in one sort order. */
typedef struct dir_group_t {
    oxt_dir_list_t list;
    dir_scope_t scope;
    long long scope_id;
    const dir_sort_t *sort;
} dir_group_t;

/* Group states in dir_sync_t.groups. */
#define G_UNKNOWN 0
#define G_EMPTY   1                /* no entries: nothing to keep exact */
#define G_KEPT    2                /* entries, kept exact row by row */
#define G_STALE   3                /* to rebuild (or drop) at the end */

static const char *group_name(const dir_group_t *g, apr_pool_t *p)
{
    return apr_psprintf(p, "%d|%d|%" APR_INT64_T_FMT "|%s", (int)g->list,
                        (int)g->scope, (apr_int64_t)g->scope_id,
                        g->sort->key);
}

typedef struct dir_gstate_t {
    dir_group_t g;
    int state;
} dir_gstate_t;

static int *group_state(dir_sync_t *s, const dir_group_t *g)
{
    apr_pool_t *hp = apr_hash_pool_get(s->groups);
    const char *name = group_name(g, s->p);
    dir_gstate_t *st = apr_hash_get(s->groups, name, APR_HASH_KEY_STRING);

    if (st == NULL) {
        st = apr_pcalloc(hp, sizeof(*st));
        st->g = *g;
        apr_hash_set(s->groups, apr_pstrdup(hp, name), APR_HASH_KEY_STRING,
                     st);
    }
    return &st->state;
}

/* list = ? AND scope = ? AND scope_id = ? AND sort_key = ?, bound. */
#define GROUP_WHERE \
    " list = ? AND scope = ? AND scope_id = ? AND sort_key = ?"

static int group_args(oxt_db_arg_t *a, const dir_group_t *g)
{
    a[0] = OXT_DB_STR(dir_defs[g->list].name);
    a[1] = OXT_DB_STR(scope_names[g->scope]);
    a[2] = OXT_DB_INT(g->scope_id);
    a[3] = OXT_DB_STR(g->sort->key);
    return 4;
}

static apr_status_t group_probe(int *pstate, dir_sync_t *s,
                                const dir_group_t *g)
{
    oxt_db_arg_t a[4];
    long long n = 0;
    apr_status_t rv;

    group_args(a, g);
    rv = oxt_db_select_int(&n, s->db, "SELECT COUNT(*) FROM dir_page WHERE"
                           GROUP_WHERE, a, 4, s->res, s->p);
    *pstate = n > 0 ? G_KEPT : G_EMPTY;
    return rv;
}

/* Positions after (k, id) move by delta; with remove, the row's own
 * entry goes first. */
static apr_status_t group_shift(dir_sync_t *s, const dir_group_t *g,
                                oxt_db_arg_t k, long long id, int delta)
{
    const char *c = g->sort->is_str ? "k_str" : "k_int";
    oxt_db_arg_t a[8];
    int n = group_args(a, g);
    apr_status_t rv = APR_SUCCESS;

    if (delta < 0) {
        a[n] = OXT_DB_INT(id);
        rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_page WHERE"
                         GROUP_WHERE " AND id = ?", a, n + 1, s->res, s->p);
    }
    a[n++] = k;
    a[n++] = k;
    a[n++] = OXT_DB_INT(id);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, s->db, apr_pstrcat(s->p, "UPDATE dir_page SET"
                         " pos = pos ", delta < 0 ? "- 1" : "+ 1", " WHERE"
                         GROUP_WHERE " AND (", c, " > ? OR (", c, " = ? AND"
                         " id > ?))", NULL), a, n, s->res, s->p);
    }
    return rv;
}

/* ---- the wide searches' points: kept true (migration 0132) ---- */

/* Whether dir_prefix_page holds any point to keep (probed once a call). */
static apr_status_t points_probe(int *pany, dir_sync_t *s)
{
    long long n = 0;
    apr_status_t rv = APR_SUCCESS;

    if (s->points == 0) {
        rv = oxt_db_select_int(&n, s->db, "SELECT COUNT(*) FROM (SELECT 1"
                               " FROM dir_prefix_page LIMIT 1) x",
                               OXT_DB_NOARGS, s->res, s->p);
        s->points = n > 0 ? 2 : 1;
    }
    *pany = s->points == 2;
    return rv;
}

/* The stored prefixes the terms of diffs' rows match as they are now
 * (*pm NULL: no points to keep row by row: none stored, a deferred call,
 * or a bulk one, whose groups are rebuilt whole); s->keep_points says
 * whether there are points the call must keep (row by row or by the
 * rebuild of the groups it touches). */
static apr_status_t points_matches(apr_hash_t **pm, dir_sync_t *s,
                                   const apr_array_header_t *diffs,
                                   int domains, int bulk)
{
    apr_array_header_t *ids;
    const dir_diff_t *d;
    int any = 0, i;
    apr_status_t rv;

    *pm = NULL;
    if ((s->flags & OXT_DIR_DEFER) || diffs->nelts == 0) {
        return APR_SUCCESS;
    }
    rv = points_probe(&any, s);
    s->keep_points = any;
    if (rv != APR_SUCCESS || !any || bulk) {
        return rv;
    }
    ids = apr_array_make(s->p, diffs->nelts, sizeof(long long));
    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        APR_ARRAY_PUSH(ids, long long) = (d->new ? d->new : d->old)->id;
    }
    /* The lock keeps a choice of the prefixes (which drops every point)
     * from running between the reads and the moves. */
    rv = oxt_dirpre_lock(s->db, 0, s->res, s->p);
    return rv == APR_SUCCESS
        ? oxt_dirpre_matches(pm, s->db, domains ? "'domain'"
                             : "'reseller', 'client'", ids, s->res, s->p)
        : rv;
}

/* The prefixes of g's scope that rec's terms match (pm: the matches of
 * its call), as bound values into a (n of them). */
static int points_prefixes(oxt_db_arg_t *a, const dir_group_t *g,
                           const dir_rec_t *rec, apr_hash_t *pm)
{
    const apr_array_header_t *ms = oxt_util_id_get(pm, rec->id);
    const oxt_dirpre_match_t *m;
    int i, n = 0;

    for (i = 0; ms != NULL && i < ms->nelts; i++) {
        m = &APR_ARRAY_IDX(ms, i, oxt_dirpre_match_t);
        if (strcmp(m->list, dir_defs[g->list].name) == 0
            && strcmp(m->scope, scope_names[g->scope]) == 0
            && m->scope_id == g->scope_id) {
            a[n++] = OXT_DB_STR(m->prefix);
        }
    }
    return n;
}

/* The points of g after rec's entry count one match more (delta +1) or
 * fewer (-1) of every prefix rec matches (pm). */
static apr_status_t points_shift(dir_sync_t *s, const dir_group_t *g,
                                 const dir_rec_t *rec, apr_hash_t *pm,
                                 int delta)
{
    const apr_array_header_t *ms = oxt_util_id_get(pm, rec->id);
    const char *c = g->sort->is_str ? "pg.k_str" : "pg.k_int";
    oxt_db_arg_t *a, k;
    int n = 0, np;

    if (ms == NULL) {
        return APR_SUCCESS;
    }
    a = apr_palloc(s->p, sizeof(*a) * (apr_size_t)(8 + ms->nelts));
    a[n++] = OXT_DB_INT(delta);
    n += group_args(a + n, g);
    np = points_prefixes(a + n, g, rec, pm);
    if (np == 0) {
        return APR_SUCCESS;
    }
    n += np;
    k = rec_key(rec, g->sort);
    a[n++] = k;
    a[n++] = k;
    a[n++] = OXT_DB_INT(rec->id);
    return oxt_db_exec(NULL, s->db, apr_pstrcat(s->p, "UPDATE dir_prefix_page"
                       " pp JOIN dir_page pg ON pg.list = pp.list AND"
                       " pg.scope = pp.scope AND pg.scope_id = pp.scope_id"
                       " AND pg.sort_key = pp.sort_key AND pg.id = pp.id"
                       " SET pp.n = pp.n + ? WHERE pp.list = ? AND"
                       " pp.scope = ? AND pp.scope_id = ? AND"
                       " pp.sort_key = ? AND pp.prefix IN (",
                       oxt_util_marks(np, s->p), ") AND (", c, " > ? OR (",
                       c, " = ? AND pg.id > ?))", NULL), a, n, s->res, s->p);
}

/* The points' part of one row's change in a kept group: a point that
 * moved (its entry of dir_page went with group_shift) loses its counts;
 * the points after the old entry lose the row from the prefixes it
 * matched, those after the new one gain it for the prefixes it matches. */
static apr_status_t points_change(dir_sync_t *s, const dir_group_t *g,
                                  const dir_rec_t *old, const dir_rec_t *new,
                                  int move)
{
    oxt_db_arg_t a[5];
    int n;
    apr_status_t rv = APR_SUCCESS;

    if (s->pm_old == NULL) {
        return APR_SUCCESS;
    }
    if (move && old != NULL) {
        n = group_args(a, g);
        a[n++] = OXT_DB_INT(old->id);
        rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_prefix_page WHERE"
                         GROUP_WHERE " AND id = ?", a, n, s->res, s->p);
    }
    if (rv == APR_SUCCESS && old != NULL) {
        rv = points_shift(s, g, old, s->pm_old, -1);
    }
    if (rv == APR_SUCCESS && new != NULL) {
        rv = points_shift(s, g, new, s->pm_new, +1);
    }
    return rv;
}

/* The rows of a scope a stored prefix finds, read once per build for
 * every sort of the scope. */
static apr_status_t points_matching(apr_array_header_t **pids, dir_sync_t *s,
                                    const dir_req_t *r, const char *prefix,
                                    const char *pat)
{
    const char *key = apr_psprintf(s->p, "%s|%d|%" APR_INT64_T_FMT "|%s",
                                   r->def->name, (int)r->scope,
                                   (apr_int64_t)r->scope_id, prefix);
    oxt_db_arg_t a[3];
    int n = 0, m;
    apr_status_t rv;

    if (s->prefix_ids == NULL) {
        s->prefix_ids = apr_hash_make(s->p);
    }
    *pids = apr_hash_get(s->prefix_ids, key, APR_HASH_KEY_STRING);
    if (*pids != NULL) {
        return APR_SUCCESS;
    }
    a[n++] = OXT_DB_STR(r->def->name);
    scope_args(a, &n, r);
    a[n++] = OXT_DB_STR(pat);
    rv = oxt_db_select_ids(pids, s->db, apr_pstrcat(s->p, "SELECT DISTINCT"
                           " t.id FROM dir_term t", scope_where_terms(r, &m),
                           " AND t.term LIKE ? ESCAPE '!'", NULL), a, n,
                           s->res, s->p);
    if (rv == APR_SUCCESS) {
        apr_hash_set(s->prefix_ids, key, APR_HASH_KEY_STRING, *pids);
    }
    return rv;
}

/* One group's order as read from its index (ids), where each id stands
 * (id -> its position + 1), and which positions are points. */
typedef struct points_order_t {
    apr_array_header_t *ids;
    apr_hash_t *at;
    long long *pos;
    unsigned char *point;
} points_order_t;

static apr_status_t points_order(points_order_t *o, dir_sync_t *s,
                                 const dir_group_t *g, const dir_req_t *r,
                                 apr_pool_t *bp)
{
    apr_array_header_t *pts;
    oxt_db_arg_t a[4];
    const long long *ix;
    int n = 0, m, i;
    apr_status_t rv;

    scope_args(a, &n, r);
    rv = oxt_db_select_ids(&o->ids, s->db, apr_pstrcat(bp, "SELECT x.id FROM ",
                           r->def->table, " x", order_index(r, bp),
                           scope_where(r, &m, bp), order_by(r, bp), NULL), a,
                           n, s->res, bp);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_ids(&pts, s->db, "SELECT id FROM dir_page WHERE"
                               GROUP_WHERE, a, group_args(a, g), s->res, bp);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    o->at = apr_hash_make(bp);
    o->pos = apr_palloc(bp, sizeof(long long) * (apr_size_t)(o->ids->nelts
                                                             + 1));
    o->point = apr_pcalloc(bp, (apr_size_t)o->ids->nelts + 1);
    for (i = 0; i < o->ids->nelts; i++) {
        o->pos[i] = i;
        oxt_util_id_set(o->at, APR_ARRAY_IDX(o->ids, i, long long),
                        &o->pos[i]);
    }
    for (i = 0; i < pts->nelts; i++) {
        ix = oxt_util_id_get(o->at, APR_ARRAY_IDX(pts, i, long long));
        if (ix != NULL) {
            o->point[*ix] = 1;
        }
    }
    return APR_SUCCESS;
}

/* The rows of dir_prefix_page a points build writes in one statement. */
#define POINTS_ROWS_MAX 1000

/* The counts of one prefix at every point of the order, as rows of
 * dir_prefix_page (7 values each) pushed to out; in: a zeroed byte per
 * row of the order, zeroed again on return. */
static void points_count(apr_array_header_t *out, const points_order_t *o,
                         const dir_group_t *g, const char *prefix,
                         const apr_array_header_t *matches,
                         unsigned char *in)
{
    const long long *ix;
    long long before = 0;
    int i;

    for (i = 0; i < matches->nelts; i++) {
        ix = oxt_util_id_get(o->at, APR_ARRAY_IDX(matches, i, long long));
        if (ix != NULL) {
            in[*ix] = 1;
        }
    }
    for (i = 0; i < o->ids->nelts; i++) {
        if (o->point[i]) {
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_STR(
                dir_defs[g->list].name);
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_STR(
                scope_names[g->scope]);
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_INT(g->scope_id);
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_STR(prefix);
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_STR(g->sort->key);
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_INT(
                APR_ARRAY_IDX(o->ids, i, long long));
            APR_ARRAY_PUSH(out, oxt_db_arg_t) = OXT_DB_INT(before);
        }
        before += in[i];
    }
    /* in (one per build, not one per prefix: a server's hundreds of
     * prefixes would hold as many copies of the order) left all zero */
    for (i = 0; i < matches->nelts; i++) {
        ix = oxt_util_id_get(o->at, APR_ARRAY_IDX(matches, i, long long));
        if (ix != NULL) {
            in[*ix] = 0;
        }
    }
}

/* The rows points_count pushed to out written, and out emptied. */
static apr_status_t points_write(dir_sync_t *s, apr_array_header_t *out)
{
    apr_status_t rv = rows_exec(s, "INSERT IGNORE INTO dir_prefix_page"
                                " (list, scope, scope_id, prefix, sort_key,"
                                " id, n) VALUES", "", 7,
                                (const oxt_db_arg_t *)out->elts,
                                out->nelts / 7);

    out->nelts = 0;
    return rv;
}

/* g's points made again for every stored prefix of its scope, from the
 * order as it is: one read of the order, of the group's page index and
 * of each prefix's matches (shared by the sorts of a scope), counted
 * here rather than by a window function per prefix and sort, which
 * scanned the scope once for each. */
static apr_status_t points_build(dir_sync_t *s, const dir_group_t *g)
{
    apr_array_header_t *pre, *matches, *out;
    const oxt_db_row_t *row;
    points_order_t o;
    oxt_db_arg_t a[4];
    dir_req_t r;
    apr_pool_t *bp;
    unsigned char *in = NULL;
    int i;
    apr_status_t rv;

    rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_prefix_page WHERE"
                     GROUP_WHERE, a, group_args(a, g), s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&pre, s->db, "SELECT prefix, pat FROM dir_prefix"
                           " WHERE list = ? AND scope = ? AND scope_id = ?",
                           a, 3, s->res, s->p);
    }
    if (rv != APR_SUCCESS || pre->nelts == 0) {
        return rv;
    }
    rv = oxt_dirpre_lock(s->db, 0, s->res, s->p);
    memset(&r, 0, sizeof(r));
    r.def = &dir_defs[g->list];
    r.sort = g->sort;
    r.scope = g->scope;
    r.scope_id = g->scope_id;
    apr_pool_create(&bp, s->p);
    if (rv == APR_SUCCESS) {
        rv = points_order(&o, s, g, &r, bp);
    }
    out = apr_array_make(bp, 64, sizeof(oxt_db_arg_t));
    if (rv == APR_SUCCESS) {
        in = apr_pcalloc(bp, (apr_size_t)o.ids->nelts + 1);
    }
    for (i = 0; rv == APR_SUCCESS && i < pre->nelts; i++) {
        row = APR_ARRAY_IDX(pre, i, const oxt_db_row_t *);
        rv = points_matching(&matches, s, &r, row->vals[0], row->vals[1]);
        if (rv == APR_SUCCESS) {
            points_count(out, &o, g, row->vals[0], matches, in);
        }
        /* written a thousand rows at a time, not all prefixes' at once */
        if (rv == APR_SUCCESS && out->nelts >= 7 * POINTS_ROWS_MAX) {
            rv = points_write(s, out);
        }
    }
    if (rv == APR_SUCCESS && out->nelts > 0) {
        rv = points_write(s, out);
    }
    apr_pool_destroy(bp);
    return rv;
}

/* The scopes a row is in (at most 3). */
static int rec_scopes(const dir_rec_t *rec, dir_scope_t *scopes,
                      long long *sids)
{
    oxt_dir_list_t list = rec_list(rec);
    int n = 0;

    scopes[n] = SCOPE_ALL;
    sids[n++] = 0;
    if (list != OXT_DIR_RESELLERS && rec->reseller_id > 0) {
        scopes[n] = SCOPE_RESELLER;
        sids[n++] = rec->reseller_id;
    }
    if (list == OXT_DIR_DOMAINS && rec->client_id > 0) {
        scopes[n] = SCOPE_CLIENT;
        sids[n++] = rec->client_id;
    }
    return n;
}

static int scope_has(const dir_scope_t *scopes, const long long *sids,
                     int n, dir_scope_t scope, long long sid)
{
    int i;

    for (i = 0; i < n; i++) {
        if (scopes[i] == scope && sids[i] == sid) {
            return 1;
        }
    }
    return 0;
}

/* One group's part of a row's change: its entries kept exact, or the
 * group marked stale (a bulk change, or a deferred pass). move 0: the
 * row kept its place in the order, only its terms changed (the points
 * of the wide searches move, the page index does not). */
static apr_status_t group_change(dir_sync_t *s, const dir_group_t *g,
                                 const dir_rec_t *old, const dir_rec_t *new,
                                 int bulk, int move)
{
    int *st;
    apr_status_t rv = APR_SUCCESS;

    /* Deferred (a refresh that rebuilds everything at its end): no group
     * is probed; the whole index goes at once, so that no read seeks
     * with a stale point meanwhile. */
    if (s->flags & OXT_DIR_DEFER) {
        s->drop_all = 1;
        return APR_SUCCESS;
    }
    st = group_state(s, g);
    if (*st == G_UNKNOWN) {
        rv = group_probe(st, s, g);
    }
    /* An empty group stays empty, but for a whole list changed in bulk:
     * that one is rebuilt (the parts of resellers and clients get their
     * groups at the next oxt_dir_sync_finish; until then a page of them
     * is read without a seek). */
    if (rv != APR_SUCCESS || *st == G_STALE
        || (*st == G_EMPTY && (!bulk || g->scope != SCOPE_ALL))) {
        return rv;
    }
    if (bulk) {
        *st = G_STALE;
        return APR_SUCCESS;
    }
    if (move && old != NULL) {
        rv = group_shift(s, g, rec_key(old, g->sort), old->id, -1);
    }
    if (rv == APR_SUCCESS && move && new != NULL) {
        rv = group_shift(s, g, rec_key(new, g->sort), new->id, +1);
    }
    return rv == APR_SUCCESS ? points_change(s, g, old, new, move) : rv;
}

/* The page index's part of one row's change. */
static apr_status_t page_change(dir_sync_t *s, const dir_diff_t *d, int bulk)
{
    dir_scope_t so[3], sn[3], all[6];
    long long io[3], in[3], ia[6];
    const dir_rec_t *any = d->new ? d->new : d->old;
    const dir_def_t *def = &dir_defs[rec_list(any)];
    int no = d->old ? rec_scopes(d->old, so, io) : 0;
    int nn = d->new ? rec_scopes(d->new, sn, in) : 0;
    int na = 0, i, k, was, is, same;
    dir_group_t g;
    apr_status_t rv = APR_SUCCESS;

    memcpy(all, so, sizeof(so[0]) * (apr_size_t)no);
    memcpy(ia, io, sizeof(io[0]) * (apr_size_t)no);
    na = no;
    for (i = 0; i < nn; i++) {
        if (!scope_has(so, io, no, sn[i], in[i])) {
            all[na] = sn[i];
            ia[na++] = in[i];
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < na; i++) {
        was = d->old && scope_has(so, io, no, all[i], ia[i]);
        is = d->new && scope_has(sn, in, nn, all[i], ia[i]);
        for (k = 0; rv == APR_SUCCESS && k < def->nsorts; k++) {
            same = was && is && rec_same_key(d->old, d->new, &def->sorts[k]);
            /* In place, but with other terms: the wide searches' points
             * after it may gain or lose it. */
            if (same && !(s->keep_points && terms_changed(d))) {
                continue;
            }
            g.list = rec_list(any);
            g.scope = all[i];
            g.scope_id = ia[i];
            g.sort = &def->sorts[k];
            rv = group_change(s, &g, was ? d->old : NULL, is ? d->new : NULL,
                              bulk, !same);
        }
    }
    return rv;
}

/* A group rebuilt from its scope: about every DIR_SPACING-th row with
 * its position, when the scope has more than 2 x DIR_SPACING rows. */
static apr_status_t group_rebuild(dir_sync_t *s, const dir_group_t *g)
{
    dir_req_t r;
    oxt_db_arg_t a[8];
    const char *where, *c = g->sort->col;
    int n, m;
    apr_status_t rv;

    n = group_args(a, g);
    rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_page WHERE" GROUP_WHERE,
                     a, n, s->res, s->p);
    memset(&r, 0, sizeof(r));
    r.def = &dir_defs[g->list];
    r.scope = g->scope;
    r.scope_id = g->scope_id;
    where = scope_where(&r, &m, s->p);
    scope_args(a, &n, &r);
    a[n++] = OXT_DB_INT(2 * DIR_SPACING);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, s->db, apr_pstrcat(s->p,
            "INSERT INTO dir_page (list, scope, scope_id, sort_key, id, pos,"
            " k_int, k_str) SELECT ?, ?, ?, ?, y.id, y.rn, ",
            g->sort->is_str ? "NULL, y.k" : "y.k, NULL",
            " FROM (SELECT x.id, x.", c, " AS k, ROW_NUMBER() OVER (ORDER BY"
            " x.", c, ", x.id) - 1 AS rn, COUNT(*) OVER () AS total FROM ",
            r.def->table, " x", where, ") y WHERE y.total > ?"
            " AND y.rn MOD " APR_STRINGIFY(DIR_SPACING) " = 0", NULL),
            a, n, s->res, s->p);
    }
    return rv == APR_SUCCESS ? points_build(s, g) : rv;
}

static apr_status_t group_drop(dir_sync_t *s, const dir_group_t *g)
{
    oxt_db_arg_t a[4];
    apr_status_t rv;

    rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_page WHERE" GROUP_WHERE,
                     a, group_args(a, g), s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_prefix_page WHERE"
                         GROUP_WHERE, a, group_args(a, g), s->res, s->p);
    }
    return rv;
}

/* The whole page index, and the wide searches' points with it. */
static apr_status_t page_drop_all(dir_sync_t *s)
{
    apr_status_t rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_page",
                                  OXT_DB_NOARGS, s->res, s->p);

    return rv == APR_SUCCESS ? oxt_db_exec(NULL, s->db, "DELETE FROM"
                                           " dir_prefix_page", OXT_DB_NOARGS,
                                           s->res, s->p) : rv;
}

/* The end of a sync call: stale groups rebuilt, or in a deferred pass
 * the whole index dropped (reads then skip rows until
 * oxt_dir_sync_finish rebuilds it). */
static apr_status_t groups_settle(dir_sync_t *s)
{
    apr_hash_index_t *hi;
    const dir_gstate_t *st;
    apr_status_t rv = APR_SUCCESS;

    if (s->drop_all) {
        return page_drop_all(s);
    }
    for (hi = apr_hash_first(s->p, s->groups); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        st = apr_hash_this_val(hi);
        if (st->state == G_STALE) {
            rv = (s->flags & OXT_DIR_DEFER) ? group_drop(s, &st->g)
                                            : group_rebuild(s, &st->g);
        }
    }
    return rv;
}

/* ---- applying a set of changes ------------------------------------------------------------------ */

/* The changes between old and new rows of ids (a row in neither is
 * nothing); an account that changed its kind is a removal from one list
 * and an addition to the other. */
static apr_array_header_t *diffs_of(apr_hash_t *old, apr_hash_t *new,
                                    const apr_array_header_t *ids,
                                    apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(dir_diff_t));
    apr_hash_t *seen = apr_hash_make(p);
    const dir_rec_t *o, *n;
    dir_diff_t *d;
    long long id;
    int i;

    for (i = 0; i < ids->nelts; i++) {
        id = APR_ARRAY_IDX(ids, i, long long);
        o = oxt_util_id_get(old, id);
        n = oxt_util_id_get(new, id);
        if (oxt_util_id_get(seen, id) || (o == NULL && n == NULL)
            || (o != NULL && n != NULL && rec_equal(o, n))) {
            continue;
        }
        oxt_util_id_set(seen, id, "");
        d = apr_array_push(out);
        d->old = o;
        d->new = n;
        if (o != NULL && n != NULL && o->kind != n->kind) {
            d->new = NULL;
            d = apr_array_push(out);
            d->old = NULL;
            d->new = n;
        }
    }
    return out;
}

/* How many changed rows make a call rebuild the groups it touched
 * instead of keeping them exact row by row. */
#define BULK_ROWS 32

/* Writes diffs (of one table) with their terms, totals and page index. */
static apr_status_t diffs_apply(dir_sync_t *s, const apr_array_header_t *diffs,
                                int domains)
{
    int bulk = diffs->nelts > BULK_ROWS, i;
    apr_status_t rv;

    s->wrote |= diffs->nelts > 0;
    rv = points_matches(&s->pm_old, s, diffs, domains, bulk);
    if (rv == APR_SUCCESS) {
        rv = recs_write(s, diffs, domains);
    }
    if (rv == APR_SUCCESS) {
        rv = terms_write(s, diffs, domains);
    }
    if (rv == APR_SUCCESS && s->pm_old != NULL) {
        rv = points_matches(&s->pm_new, s, diffs, domains, bulk);
    }
    if (rv == APR_SUCCESS) {
        rv = totals_move(s, diffs);
    }
    for (i = 0; rv == APR_SUCCESS && i < diffs->nelts; i++) {
        rv = page_change(s, &APR_ARRAY_IDX(diffs, i, dir_diff_t), bulk);
    }
    s->pm_old = s->pm_new = NULL;
    s->keep_points = 0;
    if (s->stats != NULL) {
        for (i = 0; i < diffs->nelts; i++) {
            const dir_diff_t *d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);

            s->stats->added += d->old == NULL;
            s->stats->removed += d->new == NULL;
            s->stats->changed += d->old != NULL && d->new != NULL;
        }
    }
    return rv;
}

static void ids_add(apr_array_header_t *ids, apr_hash_t *seen, long long id)
{
    if (id > 0 && oxt_util_id_get(seen, id) == NULL) {
        oxt_util_id_set(seen, id, "");
        APR_ARRAY_PUSH(ids, long long) = id;
    }
}

/* The accounts whose aggregates diffs of domains (or of clients) move:
 * the clients and resellers of the old and the new rows. */
static apr_array_header_t *owners_of(const apr_array_header_t *diffs,
                                     apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 8, sizeof(long long));
    apr_hash_t *seen = apr_hash_make(p);
    const dir_diff_t *d;
    int i;

    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (d->old != NULL) {
            ids_add(ids, seen, d->old->kind == 1 ? 0 : d->old->client_id);
            ids_add(ids, seen, d->old->reseller_id);
        }
        if (d->new != NULL) {
            ids_add(ids, seen, d->new->kind == 1 ? 0 : d->new->client_id);
            ids_add(ids, seen, d->new->reseller_id);
        }
    }
    return ids;
}

/* The aggregates of accounts ids (and nothing else of them) brought in
 * line with the directory's domains and clients. */
static apr_status_t accounts_aggregate(dir_sync_t *s,
                                       const apr_array_header_t *ids)
{
    apr_hash_t *old, *new = apr_hash_make(s->p);
    apr_hash_index_t *hi;
    dir_rec_t *n;
    apr_status_t rv;

    rv = dir_load(&old, s->db, 1, ids, s->res, s->p);
    for (hi = apr_hash_first(s->p, old); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        n = apr_pmemdup(s->p, apr_hash_this_val(hi), sizeof(*n));
        oxt_util_id_set(new, n->id, n);
    }
    if (rv == APR_SUCCESS) {
        rv = agg_fill(s, new, ids);
    }
    if (rv == APR_SUCCESS) {
        rv = diffs_apply(s, diffs_of(old, new, ids ? ids
                                     : oxt_util_id_keys(old, s->p), s->p), 0);
    }
    return rv;
}

/* ---- the sync functions ------------------------------------------------------------------------- */

static void sync_init(dir_sync_t *s, oxt_db_t *db, const oxt_psa_t *psa,
                      unsigned flags, oxt_dir_stats_t *stats,
                      oxt_result_t *res, apr_pool_t *p)
{
    memset(s, 0, sizeof(*s));
    s->db = db;
    s->psa = psa;
    s->flags = flags;
    s->stats = stats;
    s->res = res;
    s->p = p;
    s->groups = apr_hash_make(p);
}

static apr_status_t sync_accounts(dir_sync_t *s,
                                  const apr_array_header_t *ids);

/* The owners of the new rows that the directory does not have yet (a
 * client created with its first domain), added first. */
static apr_status_t domains_new_owners(dir_sync_t *s, apr_hash_t *new)
{
    apr_array_header_t *owners = apr_array_make(s->p, 8, sizeof(long long));
    apr_array_header_t *missing = apr_array_make(s->p, 4, sizeof(long long));
    apr_hash_t *seen = apr_hash_make(s->p), *have;
    apr_hash_index_t *hi;
    const dir_rec_t *rec;
    long long id;
    int i;
    apr_status_t rv;

    for (hi = apr_hash_first(s->p, new); hi; hi = apr_hash_next(hi)) {
        rec = apr_hash_this_val(hi);
        ids_add(owners, seen, rec->client_id);
        ids_add(owners, seen, rec->reseller_id);
    }
    rv = dir_load(&have, s->db, 1, owners, s->res, s->p);
    for (i = 0; rv == APR_SUCCESS && i < owners->nelts; i++) {
        id = APR_ARRAY_IDX(owners, i, long long);
        if (oxt_util_id_get(have, id) == NULL) {
            APR_ARRAY_PUSH(missing, long long) = id;
        }
    }
    return rv == APR_SUCCESS && missing->nelts > 0
        ? sync_accounts(s, missing) : rv;
}

/* The domains of diffs that moved to another owner (client, or reseller
 * through their client): their log rows are queued to follow, in the
 * transaction that records the move (oxt_replog_move_queue). This is the
 * one place that sees a move whenever psa made it: the pass's engine
 * loads only the domains it has work for. */
static apr_status_t logs_follow_moves(dir_sync_t *s,
                                      const apr_array_header_t *diffs)
{
    const dir_diff_t *d;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; rv == APR_SUCCESS && i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (d->old != NULL && d->new != NULL
            && (d->old->client_id != d->new->client_id
                || d->old->reseller_id != d->new->reseller_id)) {
            rv = oxt_replog_move_queue(s->db, d->new->id, d->new->client_id,
                                       d->new->reseller_id, s->res, s->p);
        }
    }
    return rv;
}

/* Domains ids brought in line, inside the caller's transaction. */
static apr_status_t sync_domains(dir_sync_t *s, const apr_array_header_t *ids)
{
    apr_array_header_t *diffs;
    apr_hash_t *old, *new;
    apr_status_t rv;

    if (ids->nelts == 0) {
        return APR_SUCCESS;
    }
    rv = dir_load(&old, s->db, 0, ids, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = psa_domains_load(&new, s, ids);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (s->stats != NULL) {
        s->stats->seen += ids->nelts;
    }
    diffs = diffs_of(old, new, ids, s->p);
    if (diffs->nelts == 0) {
        return APR_SUCCESS;
    }
    rv = domains_new_owners(s, new);
    if (rv == APR_SUCCESS) {
        rv = diffs_apply(s, diffs, 1);
    }
    if (rv == APR_SUCCESS) {
        rv = logs_follow_moves(s, diffs);
    }
    /* Deferred: oxt_dir_sync_finish sums every owner once at the end
     * (per batch, the same owners' domains were summed again and
     * again). */
    return rv == APR_SUCCESS && !(s->flags & OXT_DIR_DEFER)
           ? accounts_aggregate(s, owners_of(diffs, s->p)) : rv;
}

/* The domains of the clients whose reseller changed. */
static apr_status_t accounts_moved_domains(dir_sync_t *s,
                                           const apr_array_header_t *diffs)
{
    apr_array_header_t *moved = apr_array_make(s->p, 4, sizeof(long long));
    apr_array_header_t *doms = apr_array_make(s->p, 8, sizeof(long long));
    const dir_diff_t *d;
    apr_array_header_t *found;
    int i, k;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < diffs->nelts; i++) {
        d = &APR_ARRAY_IDX(diffs, i, dir_diff_t);
        if (d->old && d->new && d->new->kind == 1
            && d->old->reseller_id != d->new->reseller_id) {
            APR_ARRAY_PUSH(moved, long long) = d->new->id;
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < moved->nelts; i++) {
        rv = oxt_db_select_ids(&found, s->db, "SELECT id FROM dir_domain"
                               " WHERE client_id = ?", OXT_DB_ARGS(OXT_DB_INT(
                               APR_ARRAY_IDX(moved, i, long long))), s->res,
                               s->p);
        for (k = 0; rv == APR_SUCCESS && k < found->nelts; k++) {
            APR_ARRAY_PUSH(doms, long long) = APR_ARRAY_IDX(found, k,
                                                            long long);
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < doms->nelts; i += DIR_CHUNK) {
        apr_array_header_t part = *doms;

        part.elts = doms->elts + (apr_size_t)i * sizeof(long long);
        part.nelts = doms->nelts - i < DIR_CHUNK ? doms->nelts - i
                                                 : DIR_CHUNK;
        rv = sync_domains(s, &part);
    }
    return rv;
}

/* Accounts ids (NULL: all) brought in line, inside the caller's
 * transaction: what psa says of them, then their aggregates. */
static apr_status_t sync_accounts(dir_sync_t *s, const apr_array_header_t *ids)
{
    apr_array_header_t *diffs, *all;
    apr_hash_t *old, *new;
    apr_hash_index_t *hi;
    dir_rec_t *n;
    const dir_rec_t *o;
    apr_status_t rv;

    rv = dir_load(&old, s->db, 1, ids, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = psa_accounts_load(&new, s, ids);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Aggregates are the directory's: keep them, agg_fill moves them. */
    for (hi = apr_hash_first(s->p, new); hi; hi = apr_hash_next(hi)) {
        n = apr_hash_this_val(hi);
        o = oxt_util_id_get(old, n->id);
        if (o != NULL) {
            memcpy(&n->v[N_CLIENTS], &o->v[N_CLIENTS],
                   sizeof(n->v[0]) * (N_SYNC + 1 - N_CLIENTS));
        }
    }
    all = ids ? (apr_array_header_t *)ids
              : oxt_util_id_keys(apr_hash_overlay(s->p, old, new), s->p);
    diffs = diffs_of(old, new, all, s->p);
    if (s->stats != NULL) {
        s->stats->seen += all->nelts;
    }
    rv = diffs_apply(s, diffs, 0);
    if (rv == APR_SUCCESS) {
        rv = accounts_moved_domains(s, diffs);
    }
    if (rv == APR_SUCCESS && diffs->nelts > 0
        && !(s->flags & OXT_DIR_DEFER)) {
        apr_array_header_t *agg = owners_of(diffs, s->p);

        for (hi = apr_hash_first(s->p, new); hi; hi = apr_hash_next(hi)) {
            n = apr_hash_this_val(hi);
            if (oxt_util_id_get(old, n->id) == NULL) {
                APR_ARRAY_PUSH(agg, long long) = n->id;
            }
        }
        rv = accounts_aggregate(s, agg);
    }
    return rv;
}

/* A deferred batch that wrote leaves the owners' aggregates, the exact
 * totals and the page index to oxt_dir_sync_finish: it says so in its
 * own transaction (dir_unfinished, migration 0136), and only the
 * finish's transaction takes that back. A refresh cut short (a crash, an
 * error between batches) so leaves a mark that makes the next refresh
 * finish, even when that one finds every row in line and writes nothing. */
static apr_status_t sync_mark(dir_sync_t *s)
{
    if (s->finished) {
        return oxt_db_exec(NULL, s->db, "DELETE FROM dir_unfinished",
                           OXT_DB_NOARGS, s->res, s->p);
    }
    if (!(s->flags & OXT_DIR_DEFER) || !s->wrote) {
        return APR_SUCCESS;
    }
    return oxt_db_exec(NULL, s->db, "INSERT INTO dir_unfinished (id, since)"
                       " VALUES (1, NOW()) ON DUPLICATE KEY UPDATE id = id",
                       OXT_DB_NOARGS, s->res, s->p);
}

/* Runs fn in a transaction of its own, then settles the page index. */
typedef apr_status_t dir_txn_fn(dir_sync_t *s, const apr_array_header_t *ids);

static apr_status_t sync_txn(dir_sync_t *s, dir_txn_fn *fn,
                             const apr_array_header_t *ids)
{
    apr_status_t rv = oxt_db_begin(s->db, s->res);

    if (rv == APR_SUCCESS) {
        rv = fn(s, ids);
    }
    if (rv == APR_SUCCESS) {
        rv = groups_settle(s);
    }
    if (rv == APR_SUCCESS) {
        rv = sync_mark(s);
    }
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(s->db, s->res);
    }
    oxt_db_rollback(s->db);
    return rv;
}

apr_status_t oxt_dir_sync_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                  const apr_array_header_t *ids,
                                  unsigned flags, oxt_dir_stats_t *stats,
                                  oxt_result_t *res, apr_pool_t *p)
{
    dir_sync_t s;
    apr_pool_t *sp;
    int from, n;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&sp, p);
    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        apr_array_header_t part = *ids;

        n = ids->nelts - from < OXT_DIR_BATCH ? ids->nelts - from
                                              : OXT_DIR_BATCH;
        part.elts = ids->elts + (apr_size_t)from * sizeof(long long);
        part.nelts = n;
        sync_init(&s, db, psa, flags, stats, res, sp);
        rv = sync_txn(&s, sync_domains, &part);
        apr_pool_clear(sp);
    }
    apr_pool_destroy(sp);
    return rv;
}

/* fn over ids in one sync of its own (sync_txn), its memory in a pool of
 * its own. */
static apr_status_t sync_once(oxt_db_t *db, const oxt_psa_t *psa,
                              unsigned flags, oxt_dir_stats_t *stats,
                              dir_txn_fn *fn, const apr_array_header_t *ids,
                              oxt_result_t *res, apr_pool_t *p)
{
    dir_sync_t s;
    apr_pool_t *sp;
    apr_status_t rv;

    apr_pool_create(&sp, p);
    sync_init(&s, db, psa, flags, stats, res, sp);
    rv = sync_txn(&s, fn, ids);
    apr_pool_destroy(sp);
    return rv;
}

apr_status_t oxt_dir_sync_accounts(oxt_db_t *db, const oxt_psa_t *psa,
                                   const apr_array_header_t *ids,
                                   unsigned flags, oxt_dir_stats_t *stats,
                                   oxt_result_t *res, apr_pool_t *p)
{
    return sync_once(db, psa, flags, stats, sync_accounts, ids, res, p);
}

/* ---- the end of a pass ------------------------------------------------------------------------------ */

/* Every total counted again. */
static apr_status_t totals_exact(dir_sync_t *s)
{
    apr_status_t rv;

    rv = oxt_db_exec(NULL, s->db, "UPDATE dir_total SET n = (SELECT COUNT(*)"
                     " FROM dir_account WHERE kind = 'reseller')"
                     " WHERE list = 'reseller'", OXT_DB_NOARGS, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, s->db, "UPDATE dir_total SET n = (SELECT"
                         " COUNT(*) FROM dir_account WHERE kind = 'client')"
                         " WHERE list = 'client'", OXT_DB_NOARGS, s->res,
                         s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, s->db, "UPDATE dir_total SET n = (SELECT"
                         " COUNT(*) FROM dir_domain) WHERE list = 'domain'",
                         OXT_DB_NOARGS, s->res, s->p);
    }
    return rv;
}

/* The groups of one list in one scope, rebuilt. */
static apr_status_t groups_rebuild(dir_sync_t *s, oxt_dir_list_t list,
                                   dir_scope_t scope, long long sid)
{
    const dir_def_t *def = &dir_defs[list];
    dir_group_t g;
    int k;
    apr_status_t rv = APR_SUCCESS;

    for (k = 0; rv == APR_SUCCESS && k < def->nsorts; k++) {
        g.list = list;
        g.scope = scope;
        g.scope_id = sid;
        g.sort = &def->sorts[k];
        rv = group_rebuild(s, &g);
    }
    return rv;
}

/* The scopes of list big enough for a page index: their ids, in p. */
static apr_status_t big_scopes(apr_array_header_t **pids, dir_sync_t *s,
                               const char *col, const char *kind)
{
    return oxt_db_select_ids(pids, s->db, apr_pstrcat(s->p,
                             "SELECT id FROM dir_account WHERE kind = ?"
                             " AND ", col, " > ?", NULL),
                             OXT_DB_ARGS(OXT_DB_STR(kind),
                                         OXT_DB_INT(2 * DIR_SPACING)),
                             s->res, s->p);
}

/* The whole page index made again. */
static apr_status_t page_rebuild_all(dir_sync_t *s)
{
    static const struct {
        oxt_dir_list_t list;
        dir_scope_t scope;
        const char *col, *kind;
    } parts[] = {
        { OXT_DIR_CLIENTS, SCOPE_RESELLER, "clients", "reseller" },
        { OXT_DIR_DOMAINS, SCOPE_RESELLER, "domains", "reseller" },
        { OXT_DIR_DOMAINS, SCOPE_CLIENT, "domains", "client" },
    };
    apr_array_header_t *ids;
    size_t i;
    int k, l;
    apr_status_t rv;

    rv = page_drop_all(s);
    for (l = 0; rv == APR_SUCCESS && l < OXT_DIR_LISTS; l++) {
        rv = groups_rebuild(s, (oxt_dir_list_t)l, SCOPE_ALL, 0);
    }
    for (i = 0; rv == APR_SUCCESS && i < sizeof(parts) / sizeof(parts[0]);
         i++) {
        rv = big_scopes(&ids, s, parts[i].col, parts[i].kind);
        for (k = 0; rv == APR_SUCCESS && k < ids->nelts; k++) {
            rv = groups_rebuild(s, parts[i].list, parts[i].scope,
                                APR_ARRAY_IDX(ids, k, long long));
        }
    }
    return rv;
}

static apr_status_t sync_finish(dir_sync_t *s, const apr_array_header_t *ids)
{
    apr_status_t rv;

    (void)ids;
    s->flags |= OXT_DIR_DEFER;
    rv = accounts_aggregate(s, NULL);
    if (rv == APR_SUCCESS) {
        rv = totals_exact(s);
    }
    if (rv == APR_SUCCESS) {
        rv = page_rebuild_all(s);
    }
    /* Nothing is left to settle: everything was rebuilt. */
    apr_hash_clear(s->groups);
    s->drop_all = 0;
    s->finished = 1;
    return rv;
}

apr_status_t oxt_dir_sync_finish(oxt_db_t *db, const oxt_psa_t *psa,
                                 oxt_result_t *res, apr_pool_t *p)
{
    return sync_once(db, psa, OXT_DIR_DEFER, NULL, sync_finish, NULL, res,
                     p);
}

/* Every stored prefix's scope, in every sort: its points made again. */
static apr_status_t points_all(dir_sync_t *s, const apr_array_header_t *ids)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    dir_group_t g;
    int i, l, k, sc;
    apr_status_t rv;

    (void)ids;
    rv = oxt_db_exec(NULL, s->db, "DELETE FROM dir_prefix_page",
                     OXT_DB_NOARGS, s->res, s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rows, s->db, "SELECT DISTINCT list, scope,"
                           " scope_id FROM dir_prefix", OXT_DB_NOARGS,
                           s->res, s->p);
    }
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        for (l = 0; l < OXT_DIR_LISTS
             && strcmp(dir_defs[l].name, row->vals[0]) != 0; l++) {
        }
        for (sc = 0; sc < 3 && strcmp(scope_names[sc], row->vals[1]) != 0;
             sc++) {
        }
        if (l == OXT_DIR_LISTS || sc == 3) {
            continue;
        }
        g.list = (oxt_dir_list_t)l;
        g.scope = (dir_scope_t)sc;
        g.scope_id = oxt_db_row_int(row, 2, 0);
        for (k = 0; rv == APR_SUCCESS && k < dir_defs[l].nsorts; k++) {
            g.sort = &dir_defs[l].sorts[k];
            rv = points_build(s, &g);
        }
    }
    return rv;
}

apr_status_t oxt_dir_points_rebuild(long long *ppoints, oxt_db_t *db,
                                    const oxt_psa_t *psa, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_status_t rv = sync_once(db, psa, 0, NULL, points_all, NULL, res, p);

    return rv == APR_SUCCESS && ppoints != NULL
           ? oxt_db_select_int(ppoints, db, "SELECT COUNT(*) FROM"
                               " dir_prefix_page", OXT_DB_NOARGS, res, p)
           : rv;
}

/* ---- the whole directory ------------------------------------------------------------------------------ */

/* The next batch of a refresh: psa's domain ids after *pafter, and the
 * directory's in the same range that psa lost; *pafter moves on, *pdone
 * once psa and the directory have no more. */
#define REFRESH_HALF (OXT_DIR_BATCH / 2)

static apr_status_t refresh_batch(apr_array_header_t **pids, long long *pafter,
                                  int *pdone, oxt_db_t *db,
                                  const oxt_psa_t *psa, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_array_header_t *ids, *lost;
    long long upto;
    int i;
    apr_status_t rv;

    rv = oxt_db_select_ids(&ids, db, oxt_psa_sql(psa, "SELECT id FROM"
                           " psa.domains WHERE id > ? ORDER BY id LIMIT ?", p),
                           OXT_DB_ARGS(OXT_DB_INT(*pafter),
                                       OXT_DB_INT(REFRESH_HALF)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pdone = ids->nelts < REFRESH_HALF;
    upto = *pdone ? 0x7fffffffLL : APR_ARRAY_IDX(ids, ids->nelts - 1,
                                                 long long);
    rv = oxt_db_select_ids(&lost, db, oxt_psa_sql(psa, "SELECT x.id FROM"
                           " dir_domain x LEFT JOIN psa.domains d"
                           " ON d.id = x.id WHERE x.id > ? AND x.id <= ?"
                           " AND d.id IS NULL ORDER BY x.id LIMIT ?", p),
                           OXT_DB_ARGS(OXT_DB_INT(*pafter), OXT_DB_INT(upto),
                                       OXT_DB_INT(REFRESH_HALF)), res, p);
    if (rv == APR_SUCCESS && lost->nelts == REFRESH_HALF) {
        /* More lost rows than fit: this batch ends at the last one. */
        upto = APR_ARRAY_IDX(lost, lost->nelts - 1, long long);
        *pdone = 0;
        while (ids->nelts > 0
               && APR_ARRAY_IDX(ids, ids->nelts - 1, long long) > upto) {
            ids->nelts--;
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < lost->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) = APR_ARRAY_IDX(lost, i, long long);
    }
    *pafter = upto;
    *pids = ids;
    return rv;
}

/* The domain ids of (after, upto] in psa or in the directory. */
static apr_status_t range_ids(apr_array_header_t **pids, long long after,
                              long long upto, oxt_db_t *db,
                              const oxt_psa_t *psa, oxt_result_t *res,
                              apr_pool_t *p)
{
    return oxt_db_select_ids(pids, db, oxt_psa_sql(psa, "SELECT id FROM"
                             " psa.domains WHERE id > ? AND id <= ? UNION"
                             " SELECT id FROM dir_domain WHERE id > ?"
                             " AND id <= ? ORDER BY 1", p), OXT_DB_ARGS(
                             OXT_DB_INT(after), OXT_DB_INT(upto),
                             OXT_DB_INT(after), OXT_DB_INT(upto)), res, p);
}

/* Every domain (buckets NULL) or those of the buckets, synced deferred. */
static apr_status_t refresh_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                    const apr_array_header_t *buckets,
                                    oxt_dir_stats_t *stats,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids;
    apr_pool_t *bp;
    long long after = 0, upto = 0;
    int done = 0, at = 0;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    while (rv == APR_SUCCESS && !done) {
        if (buckets == NULL) {
            rv = refresh_batch(&ids, &after, &done, db, psa, res, bp);
        }
        else if (!(done = !oxt_dirsum_range(buckets, &at, 4 * OXT_DIR_BATCH,
                                            &after, &upto))) {
            rv = range_ids(&ids, after, upto, db, psa, res, bp);
        }
        if (rv == APR_SUCCESS && !(buckets != NULL && done)) {
            rv = oxt_dir_sync_domains(db, psa, ids, OXT_DIR_DEFER, stats,
                                      res, bp);
        }
        apr_pool_clear(bp);
    }
    apr_pool_destroy(bp);
    return rv;
}

/* Do the stored totals disagree with the rows, or did a refresh stop
 * between a batch that wrote and its finish (dir_unfinished)? And are
 * the wide searches due (oxt_dirpre_due, as things stand before any
 * rewrite of the totals)? One statement for both: a steady pass asks
 * both and writes nothing. */
static apr_status_t totals_drifted(int *pdrift, int *pdue, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    *pdrift = 1;
    *pdue = 0;
    rv = oxt_db_select_row(&row, db, "SELECT (SELECT COUNT(*) FROM"
                           " dir_total t LEFT JOIN (SELECT kind AS list,"
                           " COUNT(*) AS n"
                           " FROM dir_account GROUP BY kind UNION ALL"
                           " SELECT 'domain', COUNT(*) FROM dir_domain) c"
                           " ON c.list = t.list WHERE t.n <> COALESCE(c.n,"
                           " 0)) + (SELECT COUNT(*) FROM dir_unfinished), "
                           OXT_DIRPRE_DUE_SQL, OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        *pdrift = oxt_db_row_int(row, 0, 1) > 0;
        *pdue = oxt_db_row_int(row, 1, 0) > 0;
    }
    return rv;
}

apr_status_t oxt_dir_refresh_changed(oxt_db_t *db, const oxt_psa_t *psa,
                                     const apr_array_header_t *buckets,
                                     oxt_dir_stats_t *stats,
                                     oxt_result_t *res, apr_pool_t *p)
{
    oxt_dir_stats_t st = { 0, 0, 0, 0 };
    int drift = 1, due = 0, asked = 0;
    apr_status_t rv;

    rv = oxt_dir_sync_accounts(db, psa, NULL, OXT_DIR_DEFER, &st, res, p);
    if (rv == APR_SUCCESS) {
        rv = refresh_domains(db, psa, buckets, &st, res, p);
    }
    if (stats != NULL) {
        oxt_dir_stats_add(stats, &st);
    }
    /* Nothing written: the aggregates, totals and page index are as
     * exact as the last sync left them, unless the totals drifted or a
     * refresh before this one stopped short of its finish. */
    if (rv == APR_SUCCESS && st.added + st.changed + st.removed == 0) {
        rv = totals_drifted(&drift, &due, db, res, p);
        asked = !drift;         /* the answer stands: no total rewritten */
    }
    if (rv == APR_SUCCESS && drift) {
        rv = oxt_dir_sync_finish(db, psa, res, p);
    }
    /* The wide searches chosen again (the syncs kept the counts, not
     * the choice): by every refresh that compared every domain, by a
     * pass once enough rows changed their terms (two statements per
     * stored prefix, one otherwise). */
    drift = buckets == NULL || (asked && due);
    if (rv == APR_SUCCESS && buckets != NULL && !asked) {
        rv = oxt_dirpre_due(&drift, db, res, p);
    }
    if (rv == APR_SUCCESS && drift) {
        rv = oxt_dirpre_rebuild(NULL, db, res, p);
    }
    /* The new prefixes' points (the choice dropped every point). */
    return rv == APR_SUCCESS && drift
        ? oxt_dir_points_rebuild(NULL, db, psa, res, p) : rv;
}

void oxt_dir_stats_add(oxt_dir_stats_t *dst, const oxt_dir_stats_t *src)
{
    dst->seen += src->seen;
    dst->added += src->added;
    dst->changed += src->changed;
    dst->removed += src->removed;
}

apr_status_t oxt_dir_analyze_if_moved(oxt_db_t *db,
                                      const oxt_dir_stats_t *st,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;        /* one status row per table */
    long long moved = st->added + st->removed, total = 0;
    apr_status_t rv;

    /* Against the lists' rows, not the rows the pass looked at: a
     * daemon's pass looks at the changed buckets only, where one new
     * domain can be a tenth. */
    if (moved <= 0) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select_int(&total, db, "SELECT COALESCE(SUM(n), 0) FROM"
                           " dir_total", OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS || moved * 10 <= total) {
        return rv;
    }
    return oxt_db_select(&rows, db, "ANALYZE TABLE dir_account, dir_domain,"
                         " dir_term, dir_page, dir_prefix, dir_mailbox,"
                         " dir_mailbox_term, dir_mailbox_page,"
                         " dir_mailbox_wide, dir_mailbox_wide_page,"
                         " dir_mailbox_count", OXT_DB_NOARGS, res, p);
}

apr_status_t oxt_dir_refresh(oxt_db_t *db, const oxt_psa_t *psa,
                             oxt_dir_stats_t *stats, oxt_result_t *res,
                             apr_pool_t *p)
{
    return oxt_dir_refresh_changed(db, psa, NULL, stats, res, p);
}
