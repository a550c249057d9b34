/*
 * oxt_event.c — see oxt_event.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_time.h>

#include "oxt_event.h"
#include "oxt_queue.h"
#include "oxt_plesk.h"
#include "oxt_state.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

typedef enum { EV_MAILBOX, EV_DOMAIN, EV_DOMAIN_ALIAS, EV_ACCOUNT } ev_kind_t;

static const struct {
    const char *name;
    ev_kind_t kind;
} known_events[] = {
    { "mailname_create", EV_MAILBOX },
    { "mailname_update", EV_MAILBOX },
    { "mailname_delete", EV_MAILBOX },
    { "domain_create", EV_DOMAIN },
    { "domain_update", EV_DOMAIN },
    { "domain_delete", EV_DOMAIN },
    { "domain_status_update", EV_DOMAIN },
    { "site_create", EV_DOMAIN },
    { "site_update", EV_DOMAIN },
    { "site_delete", EV_DOMAIN },
    { "domain_alias_create", EV_DOMAIN_ALIAS },
    { "domain_alias_update", EV_DOMAIN_ALIAS },
    { "domain_alias_delete", EV_DOMAIN_ALIAS },
    { "client_update", EV_ACCOUNT },
    { "client_status_update", EV_ACCOUNT },
    { "reseller_update", EV_ACCOUNT },
    { "reseller_status_update", EV_ACCOUNT },
};

/* Only these names identify objects; NEW_PASSWORD and the rest are never
 * kept, written to a spool file or logged. */
static const char *const kept_vars[] = {
    "NEW_MAILNAME", "OLD_MAILNAME", "NEW_DOMAIN_NAME", "OLD_DOMAIN_NAME",
    "NEW_DOMAIN_ALIAS_NAME", "OLD_DOMAIN_ALIAS_NAME", "NEW_LOGIN_NAME",
    "OLD_LOGIN_NAME",
};

#define SPOOL_SUFFIX ".hint"
#define SPOOL_MAX_BYTES 8192

static int event_kind(ev_kind_t *pkind, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(known_events) / sizeof(known_events[0]); i++) {
        if (strcmp(known_events[i].name, name) == 0) {
            *pkind = known_events[i].kind;
            return 1;
        }
    }
    return 0;
}

int oxt_event_is_known(const char *name)
{
    ev_kind_t kind;

    return event_kind(&kind, name);
}

static int event_var_kept(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof(kept_vars) / sizeof(kept_vars[0]); i++) {
        if (strcmp(kept_vars[i], key) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Values with line breaks could forge spool lines; names never have them. */
static void event_var_set(oxt_event_t *ev, const char *key,
                          const char *value, apr_pool_t *p)
{
    char *k = apr_pstrdup(p, key), *c;

    for (c = k; *c; c++) {
        *c = (char)apr_toupper(*c);
    }
    if (!event_var_kept(k) || value == NULL || *value == '\0'
        || strpbrk(value, "\r\n") != NULL || strlen(value) > 1024) {
        return;
    }
    apr_table_set(ev->vars, k, value);
}

/* getenv over an environment block: the first "key=" entry wins. */
static const char *event_env_get(const char *const *envp, const char *key)
{
    size_t n = strlen(key);

    for (; envp != NULL && *envp != NULL; envp++) {
        if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=') {
            return *envp + n + 1;
        }
    }
    return NULL;
}

apr_status_t oxt_event_make_env(oxt_event_t **pev, const char *name,
                                int argc, const char *const *argv,
                                const char *const *envp, apr_pool_t *p)
{
    oxt_event_t *ev = apr_pcalloc(p, sizeof(*ev));
    const char *eq;
    size_t i;
    int a;

    if (!oxt_event_is_known(name)) {
        return APR_ENOTIMPL;
    }
    ev->name = apr_pstrdup(p, name);
    ev->vars = apr_table_make(p, 4);
    for (i = 0; i < sizeof(kept_vars) / sizeof(kept_vars[0]); i++) {
        event_var_set(ev, kept_vars[i], event_env_get(envp, kept_vars[i]),
                      p);
    }
    /* The older template form passes "key=value" words; they win. */
    for (a = 0; a < argc; a++) {
        eq = strchr(argv[a], '=');
        if (eq != NULL) {
            event_var_set(ev, apr_pstrndup(p, argv[a],
                                           (apr_size_t)(eq - argv[a])),
                          eq + 1, p);
        }
    }
    *pev = ev;
    return APR_SUCCESS;
}

apr_status_t oxt_event_make(oxt_event_t **pev, const char *name, int argc,
                            const char *const *argv, apr_pool_t *p)
{
    return oxt_event_make_env(pev, name, argc, argv,
                              (const char *const *)environ, p);
}

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
    ev_kind_t kind;

    return event_kind(&kind, ev->name) && kind == EV_ACCOUNT;
}

apr_status_t oxt_event_queue(int *pqueued, const oxt_event_t *ev,
                             const oxt_psa_t *psa, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    ev_kind_t kind;
    int queued = 0;
    apr_status_t rv = APR_SUCCESS;

    if (!event_kind(&kind, ev->name)) {
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

/* ---- spool ------------------------------------------------------------------ */

static int spool_write_var(void *baton, const char *key, const char *value)
{
    apr_file_t *f = baton;

    apr_file_printf(f, "%s=%s\n", key, value);
    return 1;
}

static apr_status_t spool_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv;
}

apr_status_t oxt_event_spool_write(const oxt_event_t *ev, const char *dir,
                                   apr_pool_t *p)
{
    unsigned char rnd[6];
    const char *name, *tmp, *path;
    apr_file_t *f;
    apr_status_t rv;

    /* Not oxt_crypto_random: OpenSSL's start (its configuration file)
     * cost more than the rest of an event handed to the daemon, and a
     * name needs no more than the kernel's random bytes. */
    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        memset(rnd, 0, sizeof(rnd));
    }
    /* Zero-padded microseconds first, so names sort in arrival order. */
    name = apr_psprintf(p, "%020" APR_INT64_T_FMT "-%ld-%02x%02x%02x%02x%02x"
                        "%02x", (apr_int64_t)apr_time_now(), (long)getpid(),
                        rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    tmp = apr_pstrcat(p, dir, "/.", name, ".tmp", NULL);
    path = apr_pstrcat(p, dir, "/", name, SPOOL_SUFFIX, NULL);
    rv = apr_file_open(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_EXCL
                       | APR_FOPEN_WRITE | APR_FOPEN_BUFFERED,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_file_printf(f, "event=%s\n", ev->name);
    apr_table_do(spool_write_var, f, ev->vars, NULL);
    rv = apr_file_flush(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        return rv;
    }
    /* The rename itself reaches the disk before the event counts as
     * recorded (Plesk forgets it once the handler exits). */
    return spool_sync_dir(dir);
}

apr_status_t oxt_event_spool_parse(oxt_event_t **pev, const char *buf,
                                   apr_size_t len, apr_pool_t *p)
{
    oxt_event_t *ev;
    char *text, *line, *next, *eq;
    const char *name = NULL;
    apr_status_t rv;

    if (len > SPOOL_MAX_BYTES) {
        return APR_EINVAL;
    }
    text = apr_pstrmemdup(p, buf, len);
    if (strncmp(text, "event=", 6) != 0) {
        return APR_EINVAL;
    }
    next = strchr(text, '\n');
    name = apr_pstrndup(p, text + 6, next ? (apr_size_t)(next - text - 6)
                                          : strlen(text + 6));
    /* The environment of the replaying process is not the event's. */
    rv = oxt_event_make_env(&ev, name, 0, NULL, NULL, p);
    if (rv != APR_SUCCESS) {
        return APR_EINVAL;
    }
    for (line = next ? next + 1 : NULL; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        eq = strchr(line, '=');
        if (eq != NULL) {
            *eq = '\0';
            event_var_set(ev, line, eq + 1, p);
        }
    }
    *pev = ev;
    return APR_SUCCESS;
}

/* Whoever can write the spool directory decides what is in it: a symlink
 * is never followed (a root run would read any file as a hint), a FIFO
 * never opened for blocking reads (it would hang every run), and only a
 * regular file of at most SPOOL_MAX_BYTES is read. */
static apr_status_t spool_read(oxt_event_t **pev, const char *path,
                               oxt_result_t *why, apr_pool_t *p)
{
    char *text;
    apr_size_t len;
    apr_status_t rv;

    rv = oxt_util_file_read_checked(&text, &len, path, SPOOL_MAX_BYTES, 0,
                                    why, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_event_spool_parse(pev, text, len, p);
        if (rv != APR_SUCCESS) {
            oxt_result_set(why, rv, "Not a spool file", "%s", path);
        }
    }
    return rv;
}

apr_status_t oxt_event_spool_read(oxt_event_t **pev, const char *path,
                                  apr_pool_t *p)
{
    return spool_read(pev, path, NULL, p);
}

static int spool_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static apr_status_t spool_list(apr_array_header_t **pnames, const char *dir,
                               apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(const char *));
    apr_size_t slen = strlen(SPOOL_SUFFIX), n;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = apr_dir_open(&d, dir, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Every *.hint, whatever its type: the reader refuses what is no
     * regular file, and the replay sets it aside where people see it. */
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        n = strlen(fi.name);
        if (fi.name[0] != '.' && n > slen
            && strcmp(fi.name + n - slen, SPOOL_SUFFIX) == 0) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
        }
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *),
          spool_name_cmp);
    *pnames = names;
    return APR_SUCCESS;
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
    ev_kind_t kind;
    const char *nv = apr_table_get(ev->vars, "NEW_MAILNAME");
    const char *ov = apr_table_get(ev->vars, "OLD_MAILNAME");
    const char *at = nv != NULL ? strrchr(nv, '@') : NULL;

    if (!event_kind(&kind, ev->name) || kind != EV_MAILBOX || at == NULL
        || at == nv || at[1] == '\0' || (ov != NULL && strcmp(nv, ov) != 0)
        || !oxt_util_is_ascii(nv)) {
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

/* Reads one spool file into evs; one that is no spool file is set aside
 * at once (that needs no commit). */
static apr_status_t spool_take(apr_array_header_t *evs, const char *path,
                               apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    oxt_event_t *ev;
    spool_ev_t *e;

    if (spool_read(&ev, path, why, p) != APR_SUCCESS) {
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
    rv = spool_list(&names, dir, p);
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

/* ---- the daemon's hand-off ------------------------------------------------ */

static apr_status_t spool_lock_close(void *baton)
{
    close(*(const int *)baton);
    return APR_SUCCESS;
}

/* How many times the daemon tries for the hand-off lock, 1 ms apart. */
#define SPOOL_OWN_TRIES 200

apr_status_t oxt_event_spool_own(const char *dir, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/" OXT_EVENT_SPOOL_LOCK, NULL);
    int *pfd = apr_palloc(p, sizeof(*pfd));
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int tries = 0;
    apr_status_t rv;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    /* Every handler holds a shared lock for the moment it looks, so in a
     * burst one try often meets one; a handler's look is microseconds,
     * while failing here would leave the hand-off off for the session.
     * A few tries, never a blocking wait (a stream of shared locks could
     * starve it). Another daemon's lock stays held: EBUSY at the end. */
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || ++tries >= SPOOL_OWN_TRIES) {
            rv = errno == EWOULDBLOCK ? APR_EBUSY : APR_FROM_OS_ERROR(errno);
            close(fd);
            return rv;
        }
        apr_sleep(apr_time_from_msec(1));
    }
    /* Closing the descriptor (the pool's end, or the process's) lets the
     * handlers go back to the database. */
    *pfd = fd;
    apr_pool_cleanup_register(p, pfd, spool_lock_close,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

int oxt_event_spool_owned(const char *dir, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/" OXT_EVENT_SPOOL_LOCK, NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    int owned;

    if (fd < 0) {
        return 0;
    }
    owned = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return owned;
}
