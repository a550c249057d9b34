/*
 * oxt_batch.c — see oxt_batch.h.
 *
 * Every table's rows go into a hash keyed by the id they are looked up
 * by, so the queries may come in any order and their rows in any order;
 * a domain's work is put together from those hashes when it is asked
 * for, copying what it uses into the work's pool.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_batch.h"
#include "oxt_plesk.h"
#include "oxt_prefs.h"
#include "oxt_state.h"
#include "oxt_status.h"
#include "oxt_util.h"
#include "oxt_desired.h"

/* A mail row without its domain (the batch has that once). */
typedef struct batch_mbox_t {
    long long id;
    const char *mail_name;
    const char *password_type;
    const char *password;
    long long quota_bytes;
    int postbox;
    int redirect;
    apr_array_header_t *aliases;      /* local parts; NULL: none */
} batch_mbox_t;

/* The columns of a state row that nearly every row shares (batch_same). */
enum {
    BATCH_SAME_LANGUAGE, BATCH_SAME_TIMEZONE, BATCH_SAME_IMAP,
    BATCH_SAME_SMTP, BATCH_SAME_STATUS, BATCH_SAME_REASON, BATCH_SAME_PWTYPE,
    BATCH_SAME_COUNT
};

/* A mailbox_state row as a page holds it (a replicated server has one
 * per mailbox, so a page holds tens of thousands): its own strings in one
 * allocation, one after the other (those present, by the bits of
 * present), the columns nearly every row shares as batch_same's copies,
 * and neither its domain (the batch_dom_t's) nor exists (always 1).
 * batch_user_unpack makes the oxt_applied_user_t of it. */
enum {
    BATCH_STR_MAIL_NAME, BATCH_STR_ADDRESS, BATCH_STR_OX_PRIMARY,
    BATCH_STR_DISPLAY_NAME, BATCH_STR_ALIASES, BATCH_STR_COUNT
};

typedef struct batch_user_t {
    long long mail_id, ox_context_id, ox_user_id;
    const char *strs;                 /* BATCH_STR_*, those present */
    const char *language, *timezone, *imap_server, *smtp_server;
    const char *status, *status_reason;
    unsigned char password_fp[OXT_FP_LEN];
    signed char service, pending_service;
    unsigned char has_fp, has_pending;
    unsigned char present;            /* bit k: BATCH_STR k is not NULL */
} batch_user_t;

/* Everything the batch holds about one domain. */
typedef struct batch_dom_t {
    long long id;
    oxt_plesk_domain_t *dom;          /* psa's row; NULL: psa lost it */
    apr_array_header_t *mboxes;       /* batch_mbox_t *, as they came */
    apr_array_header_t *aliases;      /* its mail-enabled alias names */
    oxt_applied_context_t *ctx;       /* domain_state, or NULL */
    apr_array_header_t *users;        /* batch_user_t * */
    int pw_next;                      /* where the next password goes */
} batch_dom_t;

struct oxt_batch_t {
    apr_pool_t *p;
    long long after, upto;
    int last;                         /* no batch after this one */
    apr_array_header_t *doms;         /* batch_dom_t * of psa, by id */
    int unsorted;                     /* doms came out of order */
    apr_hash_t *others;               /* dom id -> batch_dom_t *: not psa's */
    batch_dom_t *prev;                /* the last row's domain */
    batch_mbox_t *prev_mbox;          /* the last mail row's mailbox */
    apr_hash_t *prefs[OXT_LEVEL_COUNT];   /* Plesk id -> oxt_prefs_t * */
    oxt_batch_aliases_t *aliases;     /* the pass's, or NULL: in the rows */
    apr_array_header_t *ids;          /* made by oxt_batch_ids */
    long long nmail, nusers;
    apr_size_t bytes;                 /* what its rows took (about) */
    long long pw_mail;                /* mail rows of domains that need
                                         their passwords */
    const char *same[BATCH_SAME_COUNT];   /* batch_same's last values */
    int aliases_cut;                  /* a domain row's alias list was cut:
                                         the page reads them again */
    const apr_array_header_t *chosen_ids; /* the list chosen (ascending),
                                         or NULL: the range */
    apr_hash_t *chosen;               /* its ids, to check rows against */
    oxt_batch_took_t took;
};

/* ---- copies --------------------------------------------------------------- */

static const char *sdup(const char *s, apr_pool_t *p)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static oxt_plesk_domain_t *domain_copy(const oxt_plesk_domain_t *src,
                                       apr_pool_t *p)
{
    oxt_plesk_domain_t *d = apr_pmemdup(p, src, sizeof(*src));

    d->name = sdup(src->name, p);
    d->display_name = sdup(src->display_name, p);
    d->owner.client_login = sdup(src->owner.client_login, p);
    d->owner.reseller_login = sdup(src->owner.reseller_login, p);
    d->owner.locale = sdup(src->owner.locale, p);
    return d;
}

static oxt_prefs_t *prefs_copy(const oxt_prefs_t *src, apr_pool_t *p)
{
    oxt_prefs_t *c = apr_pmemdup(p, src, sizeof(*src));

    c->language = sdup(src->language, p);
    c->timezone = sdup(src->timezone, p);
    return c;
}

static apr_array_header_t *strings_copy(const apr_array_header_t *src,
                                        apr_pool_t *p)
{
    apr_array_header_t *out;
    int i;

    if (src == NULL) {
        return NULL;
    }
    out = apr_array_make(p, src->nelts, sizeof(const char *));
    for (i = 0; i < src->nelts; i++) {
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrdup(p, APR_ARRAY_IDX(src, i, const char *));
    }
    return out;
}

/* Appends v to *plist (made on first use). */
static void list_add(apr_array_header_t **plist, const void *v, apr_pool_t *p)
{
    if (*plist == NULL) {
        *plist = apr_array_make(p, 4, sizeof(const void *));
    }
    APR_ARRAY_PUSH(*plist, const void *) = v;
}

/* s, as the last value of column k when it is the same: a page of a
 * replicated server holds a state row per mailbox, and their language,
 * time zone, servers and status are nearly always those of the row
 * before, so one copy serves them all. */
static const char *batch_same(oxt_batch_t *b, int k, const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    if (b->same[k] == NULL || strcmp(b->same[k], s) != 0) {
        b->same[k] = apr_pstrdup(b->p, s);
    }
    return b->same[k];
}

/* ---- the aliases of a pass ------------------------------------------------ */

typedef struct batch_alias_t {
    long long mail_id;
    const char *name;
} batch_alias_t;

struct oxt_batch_aliases_t {
    apr_pool_t *p;
    apr_array_header_t *v;            /* batch_alias_t, by mail id */
    int unsorted;                     /* a row came out of order */
};

oxt_batch_aliases_t *oxt_batch_aliases_make(apr_pool_t *p)
{
    oxt_batch_aliases_t *a = apr_pcalloc(p, sizeof(*a));

    a->p = p;
    a->v = apr_array_make(p, 1024, sizeof(batch_alias_t));
    return a;
}

apr_status_t oxt_batch_aliases_feed(oxt_batch_aliases_t *a,
                                    const oxt_db_row_t *row)
{
    batch_alias_t *e;
    long long mail_id;
    const char *name;
    apr_status_t rv = oxt_plesk_mail_alias_from_row(&mail_id, &name, row);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (a->v->nelts > 0
        && APR_ARRAY_IDX(a->v, a->v->nelts - 1, batch_alias_t).mail_id
           > mail_id) {
        a->unsorted = 1;
    }
    e = apr_array_push(a->v);
    e->mail_id = mail_id;
    e->name = apr_pstrmemdup(a->p, name, row->lens ? row->lens[1]
                                                   : strlen(name));
    return APR_SUCCESS;
}

long long oxt_batch_aliases_count(const oxt_batch_aliases_t *a)
{
    return a->v->nelts;
}

static int alias_cmp(const void *x, const void *y)
{
    const batch_alias_t *a = x, *b = y;

    if (a->mail_id != b->mail_id) {
        return a->mail_id < b->mail_id ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* The aliases of mailbox mail_id appended to *plist (in p). */
static void aliases_of(apr_array_header_t **plist, oxt_batch_aliases_t *a,
                       long long mail_id, apr_pool_t *p)
{
    const batch_alias_t *v;
    int lo = 0, hi, mid;

    if (a->unsorted) {
        qsort(a->v->elts, (size_t)a->v->nelts, sizeof(batch_alias_t),
              alias_cmp);
        a->unsorted = 0;
    }
    v = (const batch_alias_t *)a->v->elts;
    hi = a->v->nelts;
    while (lo < hi) {                 /* the first at or above mail_id */
        mid = lo + (hi - lo) / 2;
        if (v[mid].mail_id < mail_id) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    for (; lo < a->v->nelts && v[lo].mail_id == mail_id; lo++) {
        if (*plist == NULL) {
            *plist = apr_array_make(p, 4, sizeof(const char *));
        }
        APR_ARRAY_PUSH(*plist, const char *) = v[lo].name;
    }
}

/* ---- finding a domain ------------------------------------------------------ */

static int dom_cmp(const void *a, const void *b)
{
    const batch_dom_t *x = *(const batch_dom_t *const *)a;
    const batch_dom_t *y = *(const batch_dom_t *const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static void batch_sort(oxt_batch_t *b)
{
    if (b->unsorted) {
        qsort(b->doms->elts, (size_t)b->doms->nelts, sizeof(void *),
              dom_cmp);
        b->unsorted = 0;
    }
}

/* psa's domain dom_id. Rows mostly come domain after domain, so the last
 * one found is tried first. */
static batch_dom_t *batch_psa_dom(oxt_batch_t *b, long long dom_id)
{
    batch_dom_t key, *pkey = &key, **found;

    if (b->prev != NULL && b->prev->id == dom_id && b->prev->dom != NULL) {
        return b->prev;
    }
    batch_sort(b);
    key.id = dom_id;
    found = bsearch(&pkey, b->doms->elts, (size_t)b->doms->nelts,
                    sizeof(void *), dom_cmp);
    if (found != NULL) {
        b->prev = *found;
    }
    return found ? *found : NULL;
}

/* The domain dom_id of a state row: psa's, else one psa lost. */
static batch_dom_t *batch_any_dom(oxt_batch_t *b, long long dom_id)
{
    batch_dom_t *d = batch_psa_dom(b, dom_id);

    if (d == NULL) {
        d = oxt_util_id_get(b->others, dom_id);
    }
    if (d == NULL) {
        d = apr_pcalloc(b->p, sizeof(*d));
        d->id = dom_id;
        oxt_util_id_set(b->others, dom_id, d);
    }
    b->prev = d;
    return d;
}

/* ---- rows ----------------------------------------------------------------- */

oxt_batch_t *oxt_batch_make(long long after, apr_pool_t *p)
{
    oxt_batch_t *b = apr_pcalloc(p, sizeof(*b));
    int i;

    b->p = p;
    b->after = after;
    b->upto = OXT_PLESK_ID_MAX;
    b->doms = apr_array_make(p, 256, sizeof(batch_dom_t *));
    b->others = apr_hash_make(p);
    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        b->prefs[i] = apr_hash_make(p);
    }
    return b;
}

void oxt_batch_use_aliases(oxt_batch_t *b, oxt_batch_aliases_t *aliases)
{
    b->aliases = aliases;
}

static int in_range(const oxt_batch_t *b, long long dom_id)
{
    if (b->chosen != NULL) {
        return oxt_util_id_get(b->chosen, dom_id) != NULL;
    }
    return dom_id > b->after && dom_id <= b->upto;
}

void oxt_batch_choose(oxt_batch_t *b, const apr_array_header_t *ids)
{
    const long long *v = (const long long *)ids->elts;
    int i;

    b->chosen_ids = ids;
    b->chosen = apr_hash_make(b->p);
    for (i = 0; i < ids->nelts; i++) {
        oxt_util_id_set(b->chosen, v[i], &v[i]);
    }
    b->after = ids->nelts > 0 ? v[0] - 1 : 0;
    b->upto = ids->nelts > 0 ? v[ids->nelts - 1] : 0;
    b->last = 1;
}

/* The domains the batch's queries read: its list, or its range. */
static oxt_db_idsel_t batch_sel(const oxt_batch_t *b)
{
    oxt_db_idsel_t sel = OXT_DB_IDSEL_RANGE(b->after, b->upto);

    sel.ids = b->chosen_ids;
    return sel;
}

/* The names of a domain row's alias column (space-separated). */
static void domain_aliases(oxt_batch_t *b, batch_dom_t *d, const char *text)
{
    const char *sp;

    while (text != NULL && *text != '\0') {
        sp = strchr(text, ' ');
        list_add(&d->aliases, apr_pstrndup(b->p, text, sp ? (apr_size_t)
                                           (sp - text) : strlen(text)),
                 b->p);
        b->bytes += (sp ? (apr_size_t)(sp - text) : strlen(text)) + 1
                    + sizeof(void *);
        text = sp ? sp + 1 : NULL;
    }
}

static apr_status_t feed_domain(oxt_batch_t *b, const oxt_db_row_t *row)
{
    oxt_plesk_domain_t dom;
    batch_dom_t *d;
    const char *aliases;
    int complete;
    apr_status_t rv = oxt_plesk_range_domain_from_row(&dom, &aliases,
                                                      &complete, row);

    if (rv != APR_SUCCESS || !in_range(b, dom.id)
        || batch_psa_dom(b, dom.id) != NULL) {
        return rv;
    }
    d = apr_pcalloc(b->p, sizeof(*d));
    d->id = dom.id;
    d->dom = domain_copy(&dom, b->p);
    b->bytes += sizeof(*d) + sizeof(*d->dom) + 2 * strlen(dom.name) + 64;
    /* a cut list is not used: the page reads its aliases again */
    if (complete) {
        domain_aliases(b, d, aliases);
    }
    b->aliases_cut = b->aliases_cut || !complete;
    if (b->doms->nelts > 0
        && APR_ARRAY_IDX(b->doms, b->doms->nelts - 1, batch_dom_t *)->id
           > dom.id) {
        b->unsorted = 1;
    }
    APR_ARRAY_PUSH(b->doms, batch_dom_t *) = d;
    b->prev = d;
    return APR_SUCCESS;
}

/* The row and its name in one allocation. */
static batch_mbox_t *mbox_new(oxt_batch_t *b, const oxt_plesk_mailbox_t *m)
{
    apr_size_t n = m->mail_name ? strlen(m->mail_name) + 1 : 0;
    batch_mbox_t *bm = apr_palloc(b->p, sizeof(*bm) + n);

    memset(bm, 0, sizeof(*bm));
    bm->id = m->id;
    if (m->mail_name != NULL) {
        bm->mail_name = memcpy(bm + 1, m->mail_name, n);
    }
    b->bytes += sizeof(*bm) + n + sizeof(void *);
    bm->quota_bytes = m->quota_bytes;
    bm->postbox = m->postbox;
    bm->redirect = m->redirect;
    if (b->aliases != NULL) {
        aliases_of(&bm->aliases, b->aliases, bm->id, b->p);
    }
    b->nmail++;
    return bm;
}

/* One row per alias of a mailbox. Its rows usually come one after the
 * other; when they do not, the copies are merged when the domain's work
 * is made (batch_mailboxes). */
static apr_status_t feed_mailbox(oxt_batch_t *b, const oxt_db_row_t *row)
{
    oxt_plesk_mailbox_t m;
    batch_mbox_t *bm = b->prev_mbox;
    batch_dom_t *d;
    const char *alias;
    long long dom_id;
    apr_status_t rv;

    memset(&m, 0, sizeof(m));
    rv = oxt_plesk_range_mailbox_from_row(&m, &dom_id, &alias, row);
    if (rv != APR_SUCCESS || !in_range(b, dom_id)) {
        return rv;
    }
    d = batch_psa_dom(b, dom_id);
    if (d == NULL) {
        return APR_SUCCESS;
    }
    if (bm == NULL || bm->id != m.id) {
        bm = mbox_new(b, &m);
        list_add(&d->mboxes, bm, b->p);
        b->prev_mbox = bm;
        if (m.password_type != NULL || m.password != NULL) {
            /* read with the mailbox (oxt_batch_load's passwords) */
            bm->password_type = batch_same(b, BATCH_SAME_PWTYPE,
                                           m.password_type);
            bm->password = sdup(m.password, b->p);
            b->bytes += m.password ? strlen(m.password) + 1 : 0;
        }
    }
    if (alias != NULL) {
        list_add(&bm->aliases, apr_pstrdup(b->p, alias), b->p);
        b->bytes += strlen(alias) + 1 + sizeof(void *);
    }
    return APR_SUCCESS;
}

/* Password rows come in the order of the mailbox rows (the same index),
 * so the place after the last one is tried first. */
static batch_mbox_t *dom_mbox(batch_dom_t *d, long long mail_id)
{
    int n = d->mboxes ? d->mboxes->nelts : 0, i, k;
    batch_mbox_t *bm;

    for (k = 0; k < n; k++) {
        i = (d->pw_next + k) % n;
        bm = APR_ARRAY_IDX(d->mboxes, i, batch_mbox_t *);
        if (bm->id == mail_id) {
            d->pw_next = i + 1;
            return bm;
        }
    }
    return NULL;
}

/* Every copy of the mailbox's rows gets it (batch_mailboxes merges them,
 * keeping the first). */
static apr_status_t feed_password(oxt_batch_t *b, const oxt_db_row_t *row)
{
    const char *type, *password;
    long long mail_id, dom_id;
    batch_dom_t *d;
    batch_mbox_t *bm;
    apr_status_t rv;

    rv = oxt_plesk_range_password_from_row(&mail_id, &dom_id, &type,
                                           &password, row);
    d = rv == APR_SUCCESS && in_range(b, dom_id) ? batch_psa_dom(b, dom_id)
                                                 : NULL;
    bm = d != NULL ? dom_mbox(d, mail_id) : NULL;
    if (bm != NULL && bm->password_type == NULL && bm->password == NULL) {
        bm->password_type = batch_same(b, BATCH_SAME_PWTYPE, type);
        bm->password = sdup(password, b->p);
        b->bytes += password ? strlen(password) + 1 : 0;
    }
    return rv;
}

static apr_status_t feed_domain_alias(oxt_batch_t *b, const oxt_db_row_t *row)
{
    long long dom_id = oxt_db_row_int(row, 0, 0);
    batch_dom_t *d;

    if (row->ncols != 2 || row->vals[1] == NULL) {
        return OXT_ESCHEMA;
    }
    d = in_range(b, dom_id) ? batch_psa_dom(b, dom_id) : NULL;
    if (d != NULL) {
        list_add(&d->aliases, apr_pstrdup(b->p, row->vals[1]), b->p);
        b->bytes += strlen(row->vals[1]) + 1 + sizeof(void *);
    }
    return APR_SUCCESS;
}

static apr_status_t feed_prefs(oxt_batch_t *b, const oxt_db_row_t *row)
{
    oxt_prefs_t prefs;
    oxt_level_t level;
    long long id;
    apr_status_t rv = oxt_prefs_from_row(&level, &id, &prefs, row);

    if (rv == APR_SUCCESS && id > 0) {
        oxt_util_id_set(b->prefs[level], id, prefs_copy(&prefs, b->p));
        b->bytes += sizeof(prefs) + 64;          /* and its hash entry */
    }
    return rv;
}

static apr_status_t feed_context(oxt_batch_t *b, const oxt_db_row_t *row)
{
    oxt_applied_context_t ctx;
    batch_dom_t *d;
    apr_status_t rv = oxt_state_context_from_row(&ctx, row);

    if (rv == APR_SUCCESS && in_range(b, ctx.dom_id)) {
        d = batch_any_dom(b, ctx.dom_id);
        d->ctx = apr_palloc(b->p, sizeof(*d->ctx));
        oxt_state_context_copy(d->ctx, &ctx, b->p);
        b->bytes += sizeof(*d->ctx) + 128;       /* and its strings */
    }
    return rv;
}

/* The compact form of src (batch_user_t): one allocation for the row
 * and its strings, the shared columns shared. */
static batch_user_t *user_pack(oxt_batch_t *b, const oxt_applied_user_t *src)
{
    const char *str[BATCH_STR_COUNT];
    apr_size_t len[BATCH_STR_COUNT], total = 0;
    batch_user_t *u;
    char *at;
    int k;

    str[BATCH_STR_MAIL_NAME] = src->mail_name;
    str[BATCH_STR_ADDRESS] = src->address;
    str[BATCH_STR_OX_PRIMARY] = src->ox_primary;
    str[BATCH_STR_DISPLAY_NAME] = src->display_name;
    str[BATCH_STR_ALIASES] = src->aliases;
    for (k = 0; k < BATCH_STR_COUNT; k++) {
        len[k] = str[k] ? strlen(str[k]) + 1 : 0;
        total += len[k];
    }
    u = apr_palloc(b->p, sizeof(*u) + total);
    memset(u, 0, sizeof(*u));
    at = (char *)(u + 1);
    u->strs = at;
    for (k = 0; k < BATCH_STR_COUNT; k++) {
        if (str[k] != NULL) {
            memcpy(at, str[k], len[k]);
            at += len[k];
            u->present |= (unsigned char)(1u << k);
        }
    }
    u->mail_id = src->mail_id;
    u->ox_context_id = src->ox_context_id;
    u->ox_user_id = src->ox_user_id;
    u->service = (signed char)src->service;
    u->pending_service = (signed char)src->pending_service;
    u->has_pending = (unsigned char)src->has_pending;
    u->has_fp = (unsigned char)src->has_fp;
    memcpy(u->password_fp, src->password_fp, OXT_FP_LEN);
    u->language = batch_same(b, BATCH_SAME_LANGUAGE, src->language);
    u->timezone = batch_same(b, BATCH_SAME_TIMEZONE, src->timezone);
    u->imap_server = batch_same(b, BATCH_SAME_IMAP, src->imap_server);
    u->smtp_server = batch_same(b, BATCH_SAME_SMTP, src->smtp_server);
    u->status = batch_same(b, BATCH_SAME_STATUS, src->status);
    u->status_reason = batch_same(b, BATCH_SAME_REASON, src->status_reason);
    b->bytes += sizeof(*u) + total;
    return u;
}

/* The row of domain dom_id that bu was made of, with its strings in p
 * (the work must not point into the batch). */
static oxt_applied_user_t *user_unpack(const batch_user_t *bu,
                                       long long dom_id, apr_pool_t *p)
{
    oxt_applied_user_t *u = apr_pcalloc(p, sizeof(*u));
    const char *str[BATCH_STR_COUNT];
    const char *at = bu->strs;
    apr_size_t total = 0, n;
    char *copy;
    int k;

    for (k = 0; k < BATCH_STR_COUNT; k++) {
        if (bu->present & (1u << k)) {
            n = strlen(at + total) + 1;
            total += n;
        }
    }
    /* none present: nothing to copy (strs may hold no byte at all) */
    copy = total > 0 ? apr_pmemdup(p, at, total) : NULL;
    for (k = 0; k < BATCH_STR_COUNT; k++) {
        str[k] = NULL;
        if (bu->present & (1u << k)) {
            str[k] = copy;
            copy += strlen(copy) + 1;
        }
    }
    u->exists = 1;
    u->mail_id = bu->mail_id;
    u->dom_id = dom_id;
    u->ox_context_id = bu->ox_context_id;
    u->ox_user_id = bu->ox_user_id;
    u->mail_name = str[BATCH_STR_MAIL_NAME];
    u->address = str[BATCH_STR_ADDRESS];
    u->ox_primary = str[BATCH_STR_OX_PRIMARY];
    u->display_name = str[BATCH_STR_DISPLAY_NAME];
    u->aliases = str[BATCH_STR_ALIASES];
    u->service = bu->service;
    u->pending_service = bu->pending_service;
    u->has_pending = bu->has_pending;
    u->has_fp = bu->has_fp;
    memcpy(u->password_fp, bu->password_fp, OXT_FP_LEN);
    u->language = sdup(bu->language, p);
    u->timezone = sdup(bu->timezone, p);
    u->imap_server = sdup(bu->imap_server, p);
    u->smtp_server = sdup(bu->smtp_server, p);
    u->status = sdup(bu->status, p);
    u->status_reason = sdup(bu->status_reason, p);
    return u;
}

static apr_status_t feed_user(oxt_batch_t *b, const oxt_db_row_t *row)
{
    oxt_applied_user_t u;
    batch_dom_t *d;
    apr_status_t rv = oxt_state_user_from_row(&u, row);

    if (rv == APR_SUCCESS && in_range(b, u.dom_id)) {
        d = batch_any_dom(b, u.dom_id);
        list_add(&d->users, user_pack(b, &u), b->p);
        b->nusers++;
    }
    return rv;
}

apr_status_t oxt_batch_feed(oxt_batch_t *b, oxt_batch_rows_t kind,
                            const oxt_db_row_t *row)
{
    b->ids = NULL;
    switch (kind) {
    case OXT_BATCH_DOMAIN:
        return feed_domain(b, row);
    case OXT_BATCH_MAILBOX:
        return feed_mailbox(b, row);
    case OXT_BATCH_PASSWORD:
        return feed_password(b, row);
    case OXT_BATCH_DOMAIN_ALIAS:
        return feed_domain_alias(b, row);
    case OXT_BATCH_PREFS:
        return feed_prefs(b, row);
    case OXT_BATCH_CONTEXT:
        return feed_context(b, row);
    case OXT_BATCH_USER:
        return feed_user(b, row);
    }
    return APR_EINVAL;
}

/* The last psa domain: the highest id (they came in id order, but
 * need not). */
void oxt_batch_bound(oxt_batch_t *b, int limit)
{
    long long top = b->after;
    int i;

    for (i = 0; i < b->doms->nelts; i++) {
        if (APR_ARRAY_IDX(b->doms, i, batch_dom_t *)->id > top) {
            top = APR_ARRAY_IDX(b->doms, i, batch_dom_t *)->id;
        }
    }
    b->last = b->doms->nelts < limit;
    b->upto = b->last ? OXT_PLESK_ID_MAX : top;
}

/* ---- reading -------------------------------------------------------------- */

long long oxt_batch_after(const oxt_batch_t *b)
{
    return b->after;
}

long long oxt_batch_upto(const oxt_batch_t *b)
{
    return b->upto;
}

int oxt_batch_last(const oxt_batch_t *b)
{
    return b->last;
}

const oxt_batch_took_t *oxt_batch_took(const oxt_batch_t *b)
{
    return &b->took;
}

long long oxt_batch_mailboxes(const oxt_batch_t *b)
{
    return b->nmail;
}

long long oxt_batch_users(const oxt_batch_t *b)
{
    return b->nusers;
}

apr_size_t oxt_batch_bytes(const oxt_batch_t *b)
{
    return b->bytes;
}

static int ll_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

/* psa's domains and, in the range, the ones psa lost that we replicated
 * (a domain_state row; mailbox_state rows alone are no domain of ours). */
const apr_array_header_t *oxt_batch_ids(oxt_batch_t *b)
{
    apr_hash_index_t *hi;
    batch_dom_t *d;
    int i;

    if (b->ids != NULL) {
        return b->ids;
    }
    b->ids = apr_array_make(b->p, b->doms->nelts + 8, sizeof(long long));
    for (i = 0; i < b->doms->nelts; i++) {
        APR_ARRAY_PUSH(b->ids, long long) =
            APR_ARRAY_IDX(b->doms, i, batch_dom_t *)->id;
    }
    for (hi = apr_hash_first(b->p, b->others); hi; hi = apr_hash_next(hi)) {
        d = apr_hash_this_val(hi);
        if (d->ctx != NULL) {
            APR_ARRAY_PUSH(b->ids, long long) = d->id;
        }
    }
    qsort(b->ids->elts, (size_t)b->ids->nelts, sizeof(long long), ll_cmp);
    return b->ids;
}

/* ---- where passwords are needed ------------------------------------------ */

static const oxt_prefs_t *level_prefs(const oxt_batch_t *b, oxt_level_t level,
                                      long long id)
{
    apr_hash_t *h = b->prefs[level];

    return id > 0 && apr_hash_count(h) ? oxt_util_id_get(h, id) : NULL;
}

/* The chain of a domain's level and those above, as stored (no copy). */
static void batch_chain(oxt_prefs_chain_t *chain, const oxt_batch_t *b,
                        const batch_dom_t *d)
{
    const oxt_plesk_owner_t *o = &d->dom->owner;
    const long long ids[OXT_LEVEL_COUNT] = { o->reseller_id, o->client_id,
                                             d->id, 0 };
    const oxt_prefs_t *own;
    int i;

    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        own = level_prefs(b, (oxt_level_t)i, ids[i]);
        if (own != NULL) {
            chain->level[i] = *own;
        }
        else {
            oxt_prefs_clear(&chain->level[i]);
        }
    }
}

/* Asks oxt_desired, mailbox by mailbox, as oxt_desired_user will. */
static int dom_needs_passwords(const oxt_batch_t *b, const batch_dom_t *d)
{
    oxt_plesk_mailbox_t m;
    oxt_prefs_chain_t chain, mine;
    const batch_mbox_t *bm;
    const oxt_prefs_t *own;
    int i;

    if (d->dom == NULL || d->mboxes == NULL) {
        return 0;
    }
    batch_chain(&chain, b, d);
    memset(&m, 0, sizeof(m));
    m.domain = *d->dom;
    for (i = 0; i < d->mboxes->nelts; i++) {
        bm = APR_ARRAY_IDX(d->mboxes, i, const batch_mbox_t *);
        mine = chain;
        own = level_prefs(b, OXT_LEVEL_MAILBOX, bm->id);
        if (own != NULL) {
            mine.level[OXT_LEVEL_MAILBOX] = *own;
        }
        m.id = bm->id;
        m.postbox = bm->postbox;
        if (oxt_desired_needs_password(&m, &mine)) {
            return 1;
        }
    }
    return 0;
}

/* Joins the two runs with the fewest domains between them. */
static void runs_join_closest(apr_array_header_t *runs,
                              apr_array_header_t *gaps)
{
    oxt_batch_run_t *r = (oxt_batch_run_t *)runs->elts;
    int *g = (int *)gaps->elts;
    int i, best = 0;

    for (i = 1; i < gaps->nelts; i++) {
        if (g[i] < g[best]) {
            best = i;
        }
    }
    r[best].last = r[best + 1].last;
    memmove(&r[best + 1], &r[best + 2],
            sizeof(*r) * (size_t)(runs->nelts - best - 2));
    runs->nelts--;
    memmove(&g[best], &g[best + 1],
            sizeof(int) * (size_t)(gaps->nelts - best - 1));
    gaps->nelts--;
}

/* A password read with its mailbox that the plan will not use: zeroed
 * (a volatile write the compiler keeps; the page's pool is cleared, not
 * wiped, and reused) and dropped. */
static void mbox_password_drop(batch_mbox_t *bm)
{
    volatile char *c = (volatile char *)bm->password;

    while (c != NULL && *c != '\0') {
        *c++ = '\0';
    }
    bm->password = NULL;
    bm->password_type = NULL;
}

/* The mail rows of the domains that need their passwords. The mailbox
 * query read every postbox's password (oxt_batch_load's passwords):
 * those of the other domains (not in OX, suspended, mail off) are
 * dropped, so the page holds no more passwords than when only the
 * needing domains' were read. */
static long long batch_password_mail(oxt_batch_t *b)
{
    const batch_dom_t *d;
    long long n = 0;
    int i, j;

    for (i = 0; i < b->doms->nelts; i++) {
        d = APR_ARRAY_IDX(b->doms, i, const batch_dom_t *);
        if (dom_needs_passwords(b, d)) {
            n += d->mboxes->nelts;
            continue;
        }
        for (j = 0; d->mboxes != NULL && j < d->mboxes->nelts; j++) {
            mbox_password_drop(APR_ARRAY_IDX(d->mboxes, j, batch_mbox_t *));
        }
    }
    return n;
}

long long oxt_batch_password_mailboxes(const oxt_batch_t *b)
{
    return b->pw_mail;
}

apr_array_header_t *oxt_batch_password_runs(oxt_batch_t *b, int max,
                                            int min_gap)
{
    apr_array_header_t *runs = apr_array_make(b->p, 4,
                                              sizeof(oxt_batch_run_t));
    apr_array_header_t *gaps = apr_array_make(b->p, 4, sizeof(int));
    oxt_batch_run_t *r = NULL;
    const batch_dom_t *d;
    int i, gap = 0, gap_rows = 0;

    b->pw_mail = 0;
    batch_sort(b);
    for (i = 0; i < b->doms->nelts; i++) {
        d = APR_ARRAY_IDX(b->doms, i, const batch_dom_t *);
        if (!dom_needs_passwords(b, d)) {
            gap++;
            gap_rows += d->mboxes ? d->mboxes->nelts : 0;
            continue;
        }
        b->pw_mail += d->mboxes->nelts;
        if (r != NULL && (gap == 0 || gap_rows < min_gap)) {
            r->last = d->id;        /* read through a small gap */
            gap = gap_rows = 0;
            continue;
        }
        if (r != NULL) {
            APR_ARRAY_PUSH(gaps, int) = gap;
        }
        r = apr_array_push(runs);
        r->first = r->last = d->id;
        gap = gap_rows = 0;
    }
    while (runs->nelts > (max < 1 ? 1 : max)) {
        runs_join_closest(runs, gaps);
    }
    return runs;
}

/* ---- a domain's work ------------------------------------------------------ */

static int mbox_by_id(const void *a, const void *b)
{
    const batch_mbox_t *x = *(const batch_mbox_t *const *)a;
    const batch_mbox_t *y = *(const batch_mbox_t *const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static oxt_plesk_mailbox_t *mbox_copy(const batch_mbox_t *bm,
                                      const oxt_plesk_domain_t *dom,
                                      apr_pool_t *p)
{
    oxt_plesk_mailbox_t *m = apr_pcalloc(p, sizeof(*m));

    m->id = bm->id;
    m->mail_name = sdup(bm->mail_name, p);
    m->address = apr_pstrcat(p, m->mail_name, "@", dom->name, NULL);
    m->postbox = bm->postbox;
    m->redirect = bm->redirect;
    m->quota_bytes = bm->quota_bytes;
    m->password_type = sdup(bm->password_type, p);
    m->password = sdup(bm->password, p);
    m->domain = *dom;
    return m;
}

/* Appends the aliases of a second copy of a mailbox's rows. */
static void mbox_merge(oxt_plesk_mailbox_t *m, apr_array_header_t **paliases,
                       const batch_mbox_t *bm, apr_pool_t *p)
{
    int i;

    if (m->password_type == NULL && m->password == NULL) {
        m->password_type = sdup(bm->password_type, p);
        m->password = sdup(bm->password, p);
    }
    for (i = 0; bm->aliases && i < bm->aliases->nelts; i++) {
        list_add(paliases, apr_pstrdup(p, APR_ARRAY_IDX(bm->aliases, i,
                                                        const char *)), p);
    }
}

/* The domain's mailboxes by id (copies of one mailbox merged), their
 * aliases and their own preferences. */
static void work_mailboxes(oxt_work_input_t *in, const oxt_batch_t *b,
                           const batch_dom_t *d, apr_pool_t *p)
{
    const apr_array_header_t *list = d->mboxes;
    apr_hash_t *mine = b->prefs[OXT_LEVEL_MAILBOX];
    const batch_mbox_t **v;
    const oxt_prefs_t *own;
    apr_array_header_t *aliases = NULL;
    oxt_plesk_mailbox_t *m = NULL;
    int i, n = list ? list->nelts : 0;

    in->mboxes = apr_array_make(p, n ? n : 1, sizeof(void *));
    in->aliases = apr_hash_make(p);
    in->mprefs = apr_hash_make(p);
    v = n ? apr_pmemdup(p, list->elts, sizeof(void *) * (apr_size_t)n)
          : NULL;
    if (n > 1) {
        qsort(v, (size_t)n, sizeof(void *), mbox_by_id);
    }
    for (i = 0; i < n; i++) {
        if (m != NULL && m->id == v[i]->id) {
            mbox_merge(m, &aliases, v[i], p);
            continue;
        }
        if (aliases != NULL) {
            oxt_util_id_set(in->aliases, m->id, aliases);
        }
        m = mbox_copy(v[i], in->dom, p);
        APR_ARRAY_PUSH(in->mboxes, oxt_plesk_mailbox_t *) = m;
        aliases = strings_copy(v[i]->aliases, p);
        own = apr_hash_count(mine) ? oxt_util_id_get(mine, m->id) : NULL;
        if (own != NULL) {
            oxt_util_id_set(in->mprefs, m->id, prefs_copy(own, p));
        }
    }
    if (aliases != NULL) {
        oxt_util_id_set(in->aliases, m->id, aliases);
    }
}

/* One level of the chain: its stored preferences, if the level exists. */
static void work_level(oxt_work_input_t *in, const oxt_batch_t *b,
                       oxt_level_t level, long long id, apr_pool_t *p)
{
    apr_hash_t *h = b->prefs[level];
    const oxt_prefs_t *prefs = id > 0 && apr_hash_count(h)
                               ? oxt_util_id_get(h, id) : NULL;

    oxt_prefs_clear(&in->chain.level[level]);
    if (prefs != NULL) {
        in->chain.level[level] = *prefs_copy(prefs, p);
    }
}

static void work_psa(oxt_work_input_t *in, const oxt_batch_t *b,
                     const batch_dom_t *d, apr_pool_t *p)
{
    const oxt_plesk_owner_t *o = &in->dom->owner;

    work_mailboxes(in, b, d, p);
    in->dom_aliases = strings_copy(d->aliases, p);
    work_level(in, b, OXT_LEVEL_RESELLER, o->reseller_id, p);
    work_level(in, b, OXT_LEVEL_CLIENT, o->client_id, p);
    work_level(in, b, OXT_LEVEL_DOMAIN, d->id, p);
    work_level(in, b, OXT_LEVEL_MAILBOX, 0, p);
}

static void work_state(oxt_work_input_t *in, const batch_dom_t *d,
                       apr_pool_t *p)
{
    oxt_applied_user_t *u;
    int i;

    if (d->ctx != NULL) {
        oxt_state_context_copy(&in->have_ctx, d->ctx, p);
    }
    else {
        memset(&in->have_ctx, 0, sizeof(in->have_ctx));
        in->have_ctx.dom_id = d->id;
        in->have_ctx.quota_mb = -1;
    }
    in->state = apr_hash_make(p);
    for (i = 0; d->users && i < d->users->nelts; i++) {
        u = user_unpack(APR_ARRAY_IDX(d->users, i, const batch_user_t *),
                        d->id, p);
        oxt_util_id_set(in->state, u->mail_id, u);
    }
}

apr_status_t oxt_batch_work(oxt_work_t **pwork, oxt_batch_t *b,
                            long long dom_id, const oxt_desired_env_t *env,
                            apr_pool_t *p)
{
    batch_dom_t *d = in_range(b, dom_id) ? batch_psa_dom(b, dom_id) : NULL;
    oxt_work_input_t *in;

    if (d == NULL && in_range(b, dom_id)) {
        d = oxt_util_id_get(b->others, dom_id);
    }
    if (d == NULL || (d->dom == NULL && d->ctx == NULL)) {
        return APR_ENOENT;
    }
    in = apr_pcalloc(p, sizeof(*in));
    if (d->dom != NULL) {
        in->dom = domain_copy(d->dom, p);
        work_psa(in, b, d, p);
    }
    work_state(in, d, p);
    *pwork = oxt_work_build(dom_id, in, env, p);
    return APR_SUCCESS;
}

/* ---- loading -------------------------------------------------------------- */

typedef struct {
    oxt_batch_t *b;
    oxt_batch_rows_t kind;
} batch_feed_t;

static apr_status_t batch_row(void *baton, const oxt_db_row_t *row,
                              apr_pool_t *ptemp)
{
    batch_feed_t *f = baton;

    (void)ptemp;
    return oxt_batch_feed(f->b, f->kind, row);
}

/* A row of the wrong shape says the schema is not what we read. */
static apr_status_t batch_schema(apr_status_t rv, oxt_batch_rows_t kind,
                                 oxt_result_t *res)
{
    static const char *const what[] = {
        "psa.domains", "psa.mail", "psa.accounts", "psa.domainaliases",
        "prefs",
        "domain_state", "mailbox_state"
    };

    if (rv == OXT_ESCHEMA) {
        return oxt_result_set(res, rv, "Unexpected database schema",
                              "%s rows have another shape", what[kind]);
    }
    return rv;
}

/* At most this many password queries per batch; and a gap between two
 * runs with fewer mailbox rows than BATCH_PASSWORD_GAP is read through:
 * a statement costs more than that many rows. On a replicated server
 * nearly every domain needs its passwords, and the few that do not
 * (suspended, mail off) are scattered: without this, each page paid
 * three password queries instead of one. */
#define BATCH_PASSWORD_RUNS 3
#define BATCH_PASSWORD_GAP  1000

/* A list's domains that need their passwords (as the runs count them),
 * in one statement: a run would read the others between them too. */
static apr_status_t batch_list_passwords(batch_feed_t *f,
                                         const oxt_psa_t *psa, oxt_db_t *db,
                                         oxt_result_t *res, apr_pool_t *p)
{
    oxt_batch_t *b = f->b;
    apr_array_header_t *need = apr_array_make(p, b->doms->nelts + 1,
                                              sizeof(long long));
    oxt_db_idsel_t sel = OXT_DB_IDSEL_RANGE(0, 0);
    const batch_dom_t *d;
    int i;

    b->pw_mail = 0;
    batch_sort(b);
    for (i = 0; i < b->doms->nelts; i++) {
        d = APR_ARRAY_IDX(b->doms, i, const batch_dom_t *);
        if (dom_needs_passwords(b, d)) {
            b->pw_mail += d->mboxes->nelts;
            APR_ARRAY_PUSH(need, long long) = d->id;
        }
    }
    if (need->nelts == 0) {
        return APR_SUCCESS;
    }
    sel.ids = need;
    f->kind = OXT_BATCH_PASSWORD;
    return oxt_plesk_range_passwords(psa, db, &sel, batch_row, f, res, p);
}

static apr_status_t batch_passwords(batch_feed_t *f, const oxt_psa_t *psa,
                                    oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_array_header_t *runs;
    const oxt_batch_run_t *r;
    oxt_db_idsel_t sel;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (f->b->chosen_ids != NULL) {
        return batch_list_passwords(f, psa, db, res, p);
    }
    runs = oxt_batch_password_runs(f->b, BATCH_PASSWORD_RUNS,
                                   BATCH_PASSWORD_GAP);
    f->kind = OXT_BATCH_PASSWORD;
    for (i = 0; rv == APR_SUCCESS && i < runs->nelts; i++) {
        r = &APR_ARRAY_IDX(runs, i, const oxt_batch_run_t);
        sel = OXT_DB_IDSEL_RANGE(r->first - 1, r->last);
        rv = oxt_plesk_range_passwords(psa, db, &sel, batch_row, f, res, p);
    }
    return rv;
}

/* The domain rows' aliases dropped: the range's are read in rows of
 * their own instead. */
static void batch_aliases_again(oxt_batch_t *b)
{
    int i;

    for (i = 0; i < b->doms->nelts; i++) {
        APR_ARRAY_IDX(b->doms, i, batch_dom_t *)->aliases = NULL;
    }
}

static apr_status_t batch_psa(batch_feed_t *f, const oxt_psa_t *psa,
                              oxt_db_t *db, int passwords, oxt_result_t *res,
                              apr_pool_t *p)
{
    oxt_batch_t *b = f->b;
    oxt_db_idsel_t sel = batch_sel(b);
    apr_time_t t0 = apr_time_now(), t1;
    apr_status_t rv;

    f->kind = OXT_BATCH_MAILBOX;
    rv = oxt_plesk_range_mailboxes(psa, db, &sel, b->aliases == NULL,
                                   passwords, batch_row, f, res, p);
    if (rv == APR_SUCCESS && b->aliases_cut) {
        batch_aliases_again(b);
        f->kind = OXT_BATCH_DOMAIN_ALIAS;
        rv = oxt_plesk_range_domain_aliases(psa, db, &sel, batch_row, f,
                                            res, p);
    }
    t1 = apr_time_now();
    b->took.psa += t1 - t0;
    t0 = t1;
    if (rv == APR_SUCCESS) {
        f->kind = OXT_BATCH_PREFS;
        rv = oxt_prefs_range(db,
            oxt_plesk_range_ids_sql(psa, OXT_PLESK_RANGE_MAIL_IDS, &sel, p),
            oxt_plesk_range_ids_sql(psa, OXT_PLESK_RANGE_CLIENT_IDS, &sel,
                                    p),
            oxt_plesk_range_ids_sql(psa, OXT_PLESK_RANGE_RESELLER_IDS, &sel,
                                    p),
            &sel, batch_row, f, res, p);
    }
    t1 = apr_time_now();
    b->took.prefs += t1 - t0;
    if (rv == APR_SUCCESS && passwords) {
        b->pw_mail = batch_password_mail(b);     /* read with the mail */
    }
    else if (rv == APR_SUCCESS) {
        rv = batch_passwords(f, psa, db, res, p);
    }
    b->took.psa += apr_time_now() - t1;
    return rv;
}

static apr_status_t batch_alias_row(void *baton, const oxt_db_row_t *row,
                                    apr_pool_t *ptemp)
{
    (void)ptemp;
    return oxt_batch_aliases_feed(baton, row);
}

/* One row more than max tells that there are too many. */
apr_status_t oxt_batch_aliases_load(oxt_batch_aliases_t **paliases,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    long long max, oxt_result_t *res,
                                    apr_pool_t *p)
{
    oxt_batch_aliases_t *a = oxt_batch_aliases_make(p);
    apr_status_t rv;

    rv = oxt_plesk_all_mail_aliases(psa, db, max + 1, batch_alias_row, a,
                                    res, p);
    if (rv == OXT_ESCHEMA) {
        return oxt_result_set(res, rv, "Unexpected database schema",
                              "psa.mail_aliases rows have another shape");
    }
    if (rv == APR_SUCCESS && a->unsorted) {
        /* now, so that the batches only read it */
        qsort(a->v->elts, (size_t)a->v->nelts, sizeof(batch_alias_t),
              alias_cmp);
        a->unsorted = 0;
    }
    if (rv == APR_SUCCESS) {
        *paliases = a->v->nelts > max ? NULL : a;
    }
    return rv;
}

/* The one loader of both ways to choose the domains: the domain rows
 * are in (the range's or the list's), and the bounds set. */
static apr_status_t batch_rest(batch_feed_t *f, const oxt_psa_t *psa,
                               oxt_db_t *db, int passwords,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_idsel_t sel = batch_sel(f->b);
    apr_time_t t0;
    apr_status_t rv;

    rv = batch_psa(f, psa, db, passwords, res, p);
    t0 = apr_time_now();
    if (rv == APR_SUCCESS) {
        f->kind = OXT_BATCH_CONTEXT;
        rv = oxt_state_chosen_contexts(db, &sel, batch_row, f, res, p);
    }
    if (rv == APR_SUCCESS) {
        f->kind = OXT_BATCH_USER;
        rv = oxt_state_chosen_users(db, &sel, batch_row, f, res, p);
    }
    f->b->took.state += apr_time_now() - t0;
    if (rv != APR_SUCCESS) {
        return batch_schema(rv, f->kind, res);
    }
    (void)oxt_batch_ids(f->b);
    return APR_SUCCESS;
}

apr_status_t oxt_batch_load(oxt_batch_t **pbatch, const oxt_psa_t *psa,
                            oxt_db_t *db, long long after, int limit,
                            int passwords, oxt_batch_aliases_t *aliases,
                            oxt_result_t *res, apr_pool_t *p)
{
    batch_feed_t f = { oxt_batch_make(after, p), OXT_BATCH_DOMAIN };
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    oxt_batch_use_aliases(f.b, aliases);
    rv = oxt_plesk_range_domains(psa, db, after, limit, batch_row, &f, res,
                                 p);
    oxt_batch_bound(f.b, limit);
    f.b->took.psa += apr_time_now() - t0;
    rv = rv == APR_SUCCESS ? batch_rest(&f, psa, db, passwords, res, p)
                           : batch_schema(rv, f.kind, res);
    if (rv == APR_SUCCESS) {
        *pbatch = f.b;
    }
    return rv;
}

apr_status_t oxt_batch_load_ids(oxt_batch_t **pbatch, const oxt_psa_t *psa,
                                oxt_db_t *db, const apr_array_header_t *ids,
                                int passwords, oxt_batch_aliases_t *aliases,
                                oxt_result_t *res, apr_pool_t *p)
{
    batch_feed_t f = { oxt_batch_make(0, p), OXT_BATCH_DOMAIN };
    oxt_db_idsel_t sel = OXT_DB_IDSEL_RANGE(0, 0);
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    if (ids->nelts < 1 || ids->nelts > OXT_DB_IN_MAX) {
        return oxt_result_set(res, APR_EINVAL, "Too many domains",
                              "a batch lists 1 to %d domains, not %d",
                              OXT_DB_IN_MAX, ids->nelts);
    }
    oxt_batch_choose(f.b, ids);
    oxt_batch_use_aliases(f.b, aliases);
    sel.ids = ids;
    rv = oxt_plesk_listed_domains(psa, db, &sel, batch_row, &f, res, p);
    f.b->took.psa += apr_time_now() - t0;
    rv = rv == APR_SUCCESS ? batch_rest(&f, psa, db, passwords, res, p)
                           : batch_schema(rv, f.kind, res);
    if (rv == APR_SUCCESS) {
        *pbatch = f.b;
    }
    return rv;
}
