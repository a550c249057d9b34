/*
 * oxt_event_db.c — see oxt_event.h: an event resolved to ids and queued,
 * and the spool replayed into the queue (the database's side of events).
 *
 * Apart from oxt_event.c (an event made, spooled, the hand-off lock) so
 * that the event front, which hands events to the daemon, links neither
 * the database client nor what it loads (docs/architecture.md, "The event
 * front").
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_lib.h>

#include "oxt_event.h"
#include "oxt_event_int.h"
#include "oxt_queue.h"
#include "oxt_plesk.h"
#include "oxt_state.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* ---- resolving names to ids --------------------------------------------------- */

/* The first column of the first row, or 0 when there is none. */
static apr_status_t event_lookup(long long *pid, oxt_db_t *db,
                                 const char *sql, const oxt_db_arg_t *args,
                                 int nargs, oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_db_select_int(pid, db, sql, args, nargs, res, p);

    if (rv == APR_ENOENT) {
        *pid = 0;
        return APR_SUCCESS;
    }
    return rv;
}

static apr_status_t event_push(int *pqueued, oxt_db_t *db,
                               oxt_obj_type_t type, long long id,
                               const oxt_event_t *ev, const char *detail,
                               oxt_result_t *res, apr_pool_t *p)
{
    if (id <= 0) {
        return APR_SUCCESS;
    }
    (*pqueued)++;
    return oxt_queue_push(db, type, id, ev->name, detail, "Automatic", res,
                          p);
}

static apr_status_t event_domain_id(long long *pid, const oxt_psa_t *psa,
                                    oxt_db_t *db, const char *name,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    /* Plesk passes IDN names in their Unicode form
     * (docs/reference/plesk-events.md §4). */
    rv = oxt_plesk_domain_named(pid, psa, db, name, res, p);
    if (rv == APR_ENOENT) {
        /* Gone from psa (a delete): what we replicated knows it. */
        rv = oxt_state_domain_named(pid, db, name, res, p);
    }
    if (rv == APR_ENOENT) {
        *pid = 0;
        rv = APR_SUCCESS;
    }
    return rv;
}

static apr_status_t event_mailbox(int *pq, const oxt_event_t *ev,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *address, oxt_result_t *res,
                                  apr_pool_t *p)
{
    const char *at = strrchr(address, '@');
    const char *local, *domain;
    long long id = 0;
    apr_status_t rv;

    if (at == NULL) {
        return APR_SUCCESS;
    }
    local = apr_pstrndup(p, address, (apr_size_t)(at - address));
    domain = at + 1;
    /* mail_name is ASCII in Plesk: a non-ASCII local part is no mailbox. */
    rv = !oxt_util_is_ascii(local) ? APR_SUCCESS
       : event_lookup(&id, db, oxt_psa_sql(psa, oxt_util_is_ascii(domain)
             ? "SELECT m.id FROM psa.mail m JOIN psa.domains d"
               " ON d.id = m.dom_id WHERE m.mail_name = ? AND d.name = ?"
             : "SELECT m.id FROM psa.mail m JOIN psa.domains d"
               " ON d.id = m.dom_id WHERE m.mail_name = ?"
               " AND d.displayName = ?", p),
             OXT_DB_ARGS(OXT_DB_STR(local), OXT_DB_STR(domain)), res, p);
    if (rv == APR_SUCCESS && id == 0) {
        rv = event_lookup(&id, db,
                 "SELECT mail_id FROM mailbox_state WHERE applied_address = ?",
                 OXT_DB_ARGS(OXT_DB_STR(address)), res, p);
    }
    if (rv == APR_SUCCESS && id > 0) {
        return event_push(pq, db, OXT_OBJ_MAILBOX, id, ev, address, res, p);
    }
    /* Not known as a mailbox: let the domain pass decide. */
    if (rv == APR_SUCCESS) {
        rv = event_domain_id(&id, psa, db, domain, res, p);
    }
    return rv ? rv : event_push(pq, db, OXT_OBJ_DOMAIN, id, ev, address,
                                res, p);
}

static apr_status_t event_domain(int *pq, const oxt_event_t *ev,
                                 const oxt_psa_t *psa, oxt_db_t *db,
                                 const char *name, oxt_result_t *res,
                                 apr_pool_t *p)
{
    long long id = 0;
    apr_status_t rv = event_domain_id(&id, psa, db, name, res, p);

    return rv ? rv : event_push(pq, db, OXT_OBJ_DOMAIN, id, ev, name, res, p);
}

static apr_status_t event_domain_alias(int *pq, const oxt_event_t *ev,
                                       const oxt_psa_t *psa, oxt_db_t *db,
                                       const char *name, oxt_result_t *res,
                                       apr_pool_t *p)
{
    long long id = 0;
    apr_status_t rv;

    rv = event_lookup(&id, db, oxt_psa_sql(psa, oxt_util_is_ascii(name)
             ? "SELECT dom_id FROM psa.domainaliases WHERE name = ?"
             : "SELECT dom_id FROM psa.domainaliases WHERE displayName = ?",
             p), OXT_DB_ARGS(OXT_DB_STR(name)), res, p);
    if (rv == APR_SUCCESS && id == 0) {
        /* A deleted alias: the context whose mappings hold it. Rare, so
         * a scan of domain_state is fine. */
        rv = event_lookup(&id, db,
                 "SELECT dom_id FROM domain_state WHERE FIND_IN_SET(?,"
                 " REPLACE(applied_login_mappings, '\\n', ',')) > 0",
                 OXT_DB_ARGS(OXT_DB_STR(name)), res, p);
    }
    return rv ? rv : event_push(pq, db, OXT_OBJ_DOMAIN, id, ev, name, res, p);
}

static apr_status_t event_account(int *pq, const oxt_event_t *ev,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *login, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_obj_type_t type = OXT_OBJ_CLIENT;
    apr_status_t rv;

    if (oxt_psa_caps(psa)->version == 0) {
        return oxt_result_set(res, APR_EINVAL, "Internal error",
                              "psa's schema was not probed");
    }
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa,
             oxt_psa_caps(psa)->has_client_type
                 ? "SELECT id, type FROM psa.clients WHERE login = ?"
                 : "SELECT id, 'client' FROM psa.clients WHERE login = ?", p),
             OXT_DB_ARGS(OXT_DB_STR(login)), res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    if (strcmp(row->vals[1], "admin") == 0) {
        return APR_SUCCESS;    /* the admin's own settings are not prefs */
    }
    if (strcmp(row->vals[1], "reseller") == 0) {
        type = OXT_OBJ_RESELLER;
    }
    return event_push(pq, db, type, oxt_db_row_int(row, 0, 0), ev,
                      login, res, p);
}

typedef apr_status_t event_fn(int *pq, const oxt_event_t *ev,
                              const oxt_psa_t *psa, oxt_db_t *db,
                              const char *name, oxt_result_t *res,
                              apr_pool_t *p);

/* Runs fn for the new name and, when it differs (a rename) or there is
 * none (a delete), for the old one. */
static apr_status_t event_both(int *pq, const oxt_event_t *ev,
                               const oxt_psa_t *psa, oxt_db_t *db,
                               const char *key, event_fn *fn,
                               oxt_result_t *res, apr_pool_t *p)
{
    const char *nv = apr_table_get(ev->vars, apr_pstrcat(p, "NEW_", key,
                                                         NULL));
    const char *ov = apr_table_get(ev->vars, apr_pstrcat(p, "OLD_", key,
                                                         NULL));
    apr_status_t rv = APR_SUCCESS;

    if (nv != NULL) {
        rv = fn(pq, ev, psa, db, nv, res, p);
    }
    if (rv == APR_SUCCESS && ov != NULL && (nv == NULL || strcmp(nv, ov))) {
        rv = fn(pq, ev, psa, db, ov, res, p);
    }
    return rv;
}

int oxt_event_needs_caps(const oxt_event_t *ev)
{
    oxt_event_kind_t kind;

    return oxt_event_kind(&kind, ev->name) && kind == EV_ACCOUNT;
}

apr_status_t oxt_event_queue(int *pqueued, const oxt_event_t *ev,
                             const oxt_psa_t *psa, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_event_kind_t kind;
    int queued = 0;
    apr_status_t rv = APR_SUCCESS;

    if (!oxt_event_kind(&kind, ev->name)) {
        return APR_ENOTIMPL;
    }
    switch (kind) {
    case EV_MAILBOX:
        rv = event_both(&queued, ev, psa, db, "MAILNAME", event_mailbox,
                        res, p);
        break;
    case EV_DOMAIN:
        rv = event_both(&queued, ev, psa, db, "DOMAIN_NAME", event_domain,
                        res, p);
        break;
    case EV_DOMAIN_ALIAS:
        rv = event_both(&queued, ev, psa, db, "DOMAIN_ALIAS_NAME",
                        event_domain_alias, res, p);
        if (rv == APR_SUCCESS) {
            rv = event_both(&queued, ev, psa, db, "DOMAIN_NAME",
                            event_domain, res, p);
        }
        break;
    case EV_ACCOUNT:
        rv = event_both(&queued, ev, psa, db, "LOGIN_NAME", event_account,
                        res, p);
        break;
    }
    if (pqueued != NULL) {
        *pqueued = queued;
    }
    return rv;
}

/* ---- replaying many at once ------------------------------------------------- */

/* A spool file read back, and for a mailbox event that one psa lookup
 * of the chunk can answer, its address split. */
typedef struct {
    const char *path;
    const oxt_event_t *ev;
    const char *address;         /* NULL: replayed alone (oxt_event_queue) */
    char *local;                 /* lower case, for the lookup's match */
    char *domain;
} spool_ev_t;

/* A mailbox event naming one ASCII address (an update, not a rename):
 * the bulk of a bulk change, resolved for the whole chunk at once. */
static const char *spool_bulk_address(const oxt_event_t *ev)
{
    oxt_event_kind_t kind;
    const char *nv = apr_table_get(ev->vars, "NEW_MAILNAME");
    const char *ov = apr_table_get(ev->vars, "OLD_MAILNAME");
    const char *at = nv != NULL ? strrchr(nv, '@') : NULL;

    if (!oxt_event_kind(&kind, ev->name) || kind != EV_MAILBOX
        || at == NULL || at == nv || at[1] == '\0'
        || (ov != NULL && strcmp(nv, ov) != 0) || !oxt_util_is_ascii(nv)) {
        return NULL;
    }
    return nv;
}

static char *spool_lower(const char *s, apr_size_t n, apr_pool_t *p)
{
    char *c, *out = apr_pstrndup(p, s, n);

    for (c = out; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return out;
}

static void spool_split(spool_ev_t *e, apr_pool_t *p)
{
    const char *at;

    e->address = spool_bulk_address(e->ev);
    if (e->address != NULL) {
        at = strrchr(e->address, '@');
        e->local = spool_lower(e->address, (apr_size_t)(at - e->address), p);
        e->domain = spool_lower(at + 1, strlen(at + 1), p);
    }
}

/* "?, ?, ..." of the keys of h, padded to a fixed length with the last,
 * bound into args; returns how many. */
static int spool_bind_keys(const char **pmarks, oxt_db_arg_t *args,
                           apr_hash_t *h, apr_pool_t *p)
{
    apr_hash_index_t *hi;
    int n = 0, size = oxt_db_in_size((int)apr_hash_count(h)), i;
    char *marks = apr_palloc(p, (apr_size_t)size * 3 + 1);

    for (hi = apr_hash_first(p, h); hi; hi = apr_hash_next(hi)) {
        args[n++] = OXT_DB_STR((const char *)apr_hash_this_key(hi));
    }
    marks[0] = '?';
    for (i = 1; i < size; i++) {
        args[i] = args[i < n ? i : n - 1];
        memcpy(marks + 3 * i - 2, ", ?", 3);
    }
    marks[3 * size - 2] = '\0';
    *pmarks = marks;
    return size;
}

typedef struct {
    apr_hash_t *ids;             /* "local@domain" (lower case) -> id */
    apr_pool_t *p;
} spool_found_t;

static apr_status_t spool_found_row(void *baton, const oxt_db_row_t *row,
                                    apr_pool_t *ptemp)
{
    spool_found_t *f = baton;
    long long *id = apr_palloc(f->p, sizeof(*id));
    const char *key = apr_pstrcat(ptemp, row->vals[1] ? row->vals[1] : "",
                                  "@", row->vals[2] ? row->vals[2] : "",
                                  NULL);

    *id = oxt_db_row_int(row, 0, 0);
    key = spool_lower(key, strlen(key), f->p);
    apr_hash_set(f->ids, key, APR_HASH_KEY_STRING, id);
    return APR_SUCCESS;
}

/* The mail ids of the chunk's bulk addresses, in one statement: the
 * mailboxes of those domains with those names, matched in memory. */
static apr_status_t spool_lookup(apr_hash_t **pids,
                                 const apr_array_header_t *evs,
                                 const oxt_psa_t *psa, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *locals = apr_hash_make(p), *domains = apr_hash_make(p);
    oxt_db_arg_t *args = apr_palloc(p, 2 * OXT_DB_IN_MAX * sizeof(*args));
    const spool_ev_t *e;
    const char *dmarks, *lmarks;
    spool_found_t f;
    int i, nd, nl;

    f.ids = *pids = apr_hash_make(p);
    f.p = p;
    for (i = 0; i < evs->nelts; i++) {
        e = &APR_ARRAY_IDX(evs, i, const spool_ev_t);
        if (e->address != NULL) {
            apr_hash_set(locals, e->local, APR_HASH_KEY_STRING, "");
            apr_hash_set(domains, e->domain, APR_HASH_KEY_STRING, "");
        }
    }
    if (apr_hash_count(locals) == 0) {
        return APR_SUCCESS;
    }
    nd = spool_bind_keys(&dmarks, args, domains, p);
    nl = spool_bind_keys(&lmarks, args + nd, locals, p);
    return oxt_db_each(db, oxt_psa_sql(psa, apr_psprintf(p,
        "SELECT m.id, m.mail_name, d.name FROM psa.mail m JOIN psa.domains d"
        " ON d.id = m.dom_id WHERE d.name IN (%s) AND m.mail_name IN (%s)",
        dmarks, lmarks), p), args, nd + nl, spool_found_row, &f, res, p);
}

/* Queues the chunk's events: those the lookup found in one upsert per
 * 100, the rest one by one as the handler would. */
static apr_status_t spool_queue_all(const apr_array_header_t *evs,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *hints = apr_array_make(p, evs->nelts,
                                               sizeof(oxt_queue_hint_t));
    apr_hash_t *ids;
    const spool_ev_t *e;
    const long long *id;
    oxt_queue_hint_t *h;
    int i;
    apr_status_t rv = spool_lookup(&ids, evs, psa, db, res, p);

    for (i = 0; rv == APR_SUCCESS && i < evs->nelts; i++) {
        e = &APR_ARRAY_IDX(evs, i, const spool_ev_t);
        id = e->address == NULL ? NULL
           : apr_hash_get(ids, apr_pstrcat(p, e->local, "@", e->domain,
                                           NULL), APR_HASH_KEY_STRING);
        if (id == NULL) {
            /* Not found by name: what we replicated, or the domain. */
            rv = oxt_event_queue(NULL, e->ev, psa, db, res, p);
            continue;
        }
        h = &APR_ARRAY_PUSH(hints, oxt_queue_hint_t);
        h->type = OXT_OBJ_MAILBOX;
        h->object_id = *id;
        h->reason = e->ev->name;
        h->detail = e->address;
    }
    return rv == APR_SUCCESS ? oxt_queue_push_many(db, hints, res, p) : rv;
}

apr_status_t oxt_event_queue_many(const apr_array_header_t *evs,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *all = apr_array_make(p, evs->nelts,
                                             sizeof(spool_ev_t));
    spool_ev_t *e;
    int i;

    for (i = 0; i < evs->nelts; i++) {
        e = &APR_ARRAY_PUSH(all, spool_ev_t);
        memset(e, 0, sizeof(*e));
        e->ev = APR_ARRAY_IDX(evs, i, const oxt_event_t *);
        spool_split(e, p);
    }
    return all->nelts > 0 ? spool_queue_all(all, psa, db, res, p)
                          : APR_SUCCESS;
}

/* Reads one spool file into evs; one that is no spool file is set aside
 * at once (that needs no commit). */
static apr_status_t spool_take(apr_array_header_t *evs, const char *path,
                               apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    oxt_event_t *ev;
    spool_ev_t *e;

    if (oxt_event_spool_read_why(&ev, path, why, p) != APR_SUCCESS) {
        /* Renaming moves the entry itself, never what a symlink names. */
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS,
                       OXTLOGNO(03001) "unreadable event spool file %s (%s),"
                       " kept as .bad", path, oxt_result_text(why, p));
        return apr_file_rename(path, apr_pstrcat(p, path, ".bad", NULL), p);
    }
    e = &APR_ARRAY_PUSH(evs, spool_ev_t);
    memset(e, 0, sizeof(*e));
    e->path = path;
    e->ev = ev;
    spool_split(e, p);
    return APR_SUCCESS;
}

/* The files names[from, to) of dir: queued in one transaction (one
 * commit, one disk flush, a few statements for up to
 * OXT_EVENT_SPOOL_CHUNK hints), then removed. On a failure nothing of
 * the chunk is removed. */
static apr_status_t spool_replay_chunk(int *pcount, const char *dir,
                                       const apr_array_header_t *names,
                                       int from, int to, const oxt_psa_t *psa,
                                       oxt_db_t *db, oxt_result_t *res,
                                       apr_pool_t *p)
{
    apr_array_header_t *evs = apr_array_make(p, to - from,
                                             sizeof(spool_ev_t));
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = from; rv == APR_SUCCESS && i < to; i++) {
        rv = spool_take(evs, apr_pstrcat(p, dir, "/", APR_ARRAY_IDX(names, i,
                                         const char *), NULL), p);
    }
    rv = rv == APR_SUCCESS && evs->nelts > 0 ? oxt_db_begin(db, res) : rv;
    if (rv == APR_SUCCESS && evs->nelts > 0) {
        rv = spool_queue_all(evs, psa, db, res, p);
        rv = rv == APR_SUCCESS ? oxt_db_commit(db, res) : rv;
        if (rv != APR_SUCCESS) {
            oxt_db_rollback(db);
        }
    }
    for (i = 0; rv == APR_SUCCESS && i < evs->nelts; i++) {
        rv = apr_file_remove(APR_ARRAY_IDX(evs, i, const spool_ev_t).path, p);
        *pcount += rv == APR_SUCCESS;
    }
    return rv;
}

apr_status_t oxt_event_spool_replay(int *pcount, const char *dir,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *names;
    apr_pool_t *ptemp;
    int i, n;
    apr_status_t rv;

    *pcount = 0;
    rv = oxt_event_spool_list(&names, dir, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        return APR_SUCCESS;           /* no spool yet: nothing to replay */
    }
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot read the event spool", "%s",
                              dir);
    }
    apr_pool_create(&ptemp, p);
    for (i = 0; rv == APR_SUCCESS && i < names->nelts; i += n) {
        apr_pool_clear(ptemp);
        n = names->nelts - i < OXT_EVENT_SPOOL_CHUNK ? names->nelts - i
                                                     : OXT_EVENT_SPOOL_CHUNK;
        rv = spool_replay_chunk(pcount, dir, names, i, i + n, psa, db, res,
                                ptemp);
    }
    apr_pool_destroy(ptemp);
    return rv;
}
