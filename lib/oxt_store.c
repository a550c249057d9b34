/*
 * oxt_store.c — see oxt_store.h: the store on the oxtender database, which
 * turns what the engine learned into rows of domain_state, mailbox_state,
 * replication_log, run_summary and queue.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "oxt_store.h"
#include "oxt_state.h"
#include "oxt_plesk.h"
#include "oxt_metrics.h"
#include "oxt_log.h"
#include "oxt_util.h"
#include "oxt_batch.h"
#include "oxt_rows.h"

/* Pages of a full pass, in psa domains: a page costs six statements
 * whatever its size, so big pages make a pass cheap; but a page holds its
 * rows in memory, and its rows age while its domains are worked, so a
 * page is made smaller when it held many rows or took long (OX work).
 * At a million mailboxes (bench/full_pass.py), pages of 7,000 domains
 * keep a steady run at one statement per 532 domains in 44 MB; 5,000 gave
 * one per 446 (over the one per 500 we hold a pass to), and 10,000 one
 * per 610 in 52 MB but a slower pass (a bigger last page to wait for). */
#define PAGE_FIRST     500
#define PAGE_MIN       100
#define PAGE_MAX       7000
/* A page's rows, in bytes (oxt_batch_bytes): a pass holds two pages
 * (the one worked, the one read ahead), so this bounds most of its
 * memory whatever the rows are. It used to be a number of rows (100,000
 * mail and mailbox_state rows); on a replicated server, where every
 * mailbox has a state row and a password, that made pages of about
 * 5,000 domains that still took 88 to 94 MB with read-ahead. */
#define PAGE_MAX_BYTES (14 * 1024 * 1024)
#define PAGE_TIME      apr_time_from_sec(2)
#define PAGE_GROW      8
/* A pass holds psa's mailbox aliases when there are at most this many
 * (about 8 MB); with more, each page reads its own (oxt_batch.h). */
#define PASS_ALIASES_MAX 250000

typedef struct store_db_t store_db_t;

/* The users a turn's changes make unknown in what (OXT_DOUBT_*): one
 * statement for all of them at its commit. */
typedef struct {
    unsigned what;
    apr_array_header_t *mail_ids;   /* long long */
} store_doubt_t;

/* The next page is read on a second connection by a thread of its own
 * while the engine plans and works the current one: the server's work
 * for the next page overlaps ours for this one. The thread owns its
 * connection, its pool and the fields below from its start to its join;
 * everything else it reads (psa, the pass's aliases) nobody changes
 * meanwhile. */
struct store_ahead_t {
    store_db_t *s;
    apr_pool_t *tpool;              /* the thread's, destroyed at join */
    apr_thread_t *thread;
    apr_pool_t *p;                  /* holds batch */
    long long after;
    int limit;
    int passwords;
    oxt_batch_t *batch;
    oxt_result_t *res;
    apr_status_t rv;
};

struct store_db_t {
    oxt_store_t *store;             /* whose pump is called */
    oxt_db_t *db;
    const oxt_psa_t *psa;
    const oxt_desired_env_t *env;
    int in_turn;                    /* inside a turn of the engine */
    int began;                      /* ... whose transaction is open */
    oxt_rows_t *creating;           /* the turn's rows, written at its */
    oxt_rows_t *applied;            /* commit or before any other */
    oxt_rows_t *contexts;           /* ... */
    oxt_replog_batch_t *logs;       /* statement (store_now) */
    apr_array_header_t *doubts;     /* store_doubt_t, in kept_pool */
    apr_array_header_t *done;       /* queue items done (by value), in
                                       kept_pool, under ... */
    const char *owner;              /* ... this owner's lease */
    apr_pool_t *kept_pool;          /* holds kept, and their scratch */
    apr_hash_t *kept;               /* mail ids (domains: -dom_id) with a
                                       row waiting */
    oxt_metrics_tally_t *tally;     /* counted since it was written */
    apr_time_t tally_at;            /* when a commit last wrote the
                                       contact with OX */
    apr_pool_t *scratch;            /* of writing the tally */
    int page_limit;                 /* domains in the next page */
    apr_time_t page_at;             /* when the last page was loaded */
    apr_size_t page_bytes;          /* the bytes its rows took */
    int page_doms;                  /* its domains */
    int page_passwords;             /* the next page reads the passwords
                                       with its mailboxes: most of the
                                       last one's needed theirs (kept
                                       from pass to pass) */
    apr_pool_t *alias_pool;         /* holds aliases, for one pass */
    oxt_batch_aliases_t *aliases;   /* the pass's, or NULL: per page */
    apr_pool_t *alias_pool_parent;  /* the store's pool */
    apr_pool_t *pages[2];           /* the current page's, the next's */
    int page_flip;                  /* pages[!page_flip]: the current */
    int ahead_on;                   /* pages are read ahead ... */
    oxt_db_params_t ahead_params;   /* ... on a connection made with these */
    oxt_db_t *db2;                  /* ... once it is made */
    struct store_ahead_t ahead;
};

/* The counts go into the transaction that is about to commit; the last
 * contact with OX too unless counts_only. */
static apr_status_t store_tally_write(store_db_t *s, int counts_only,
                                      oxt_result_t *res)
{
    apr_status_t rv;

    if (counts_only && oxt_metrics_tally_empty(s->tally)) {
        return APR_SUCCESS;
    }
    rv = counts_only
       ? oxt_metrics_tally_flush_counts(s->tally, s->db, res, s->scratch)
       : oxt_metrics_tally_flush(s->tally, s->db, res, s->scratch);
    apr_pool_clear(s->scratch);
    return rv;
}

static apr_status_t store_tally_flush(store_db_t *s, oxt_result_t *res)
{
    return store_tally_write(s, 0, res);
}

/* ---- the rows of a turn ---------------------------------------------------
 *
 * A user create costs three rows (its intent, its outcome, its log row)
 * and the log's counts. Inside a turn they are kept in memory and written
 * together, one multi-row statement per table, at the turn's commit:
 * a handful of round trips a turn instead of four per operation. Any
 * other statement (a read, a write of another shape) writes the kept rows
 * first (store_now), so the server sees every statement in the order the
 * engine made it; and a second row of one mailbox in a turn does the same
 * (store_keep), because the tables are written one after the other. A
 * turn that writes nothing sends nothing: its transaction is opened at
 * its first statement (store_open). */

/* Between the statements of a commit the SOAP client keeps its
 * connections busy (oxt_store_t.pump). */
static void store_pump(const store_db_t *s)
{
    if (s->store->pump != NULL) {
        s->store->pump(s->store->pump_baton);
    }
}

static apr_status_t store_open(store_db_t *s, oxt_result_t *res)
{
    apr_status_t rv;

    if (!s->in_turn || s->began) {
        return APR_SUCCESS;
    }
    rv = oxt_db_begin(s->db, res);
    s->began = rv == APR_SUCCESS;
    store_pump(s);
    return rv;
}

static int store_waiting(const store_db_t *s)
{
    return oxt_rows_count(s->creating) > 0 || oxt_rows_count(s->applied) > 0
        || oxt_rows_count(s->contexts) > 0
        || !oxt_replog_batch_empty(s->logs) || s->done->nelts > 0
        || s->doubts->nelts > 0;
}

static apr_status_t store_write_doubts(store_db_t *s, oxt_result_t *res)
{
    const store_doubt_t *d;
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < s->doubts->nelts; i++) {
        d = &APR_ARRAY_IDX(s->doubts, i, const store_doubt_t);
        rv = oxt_state_user_doubt_many(s->db, d->mail_ids, d->what, res,
                                       s->kept_pool);
    }
    return rv;
}

/* Writes the kept rows (on a failure drops them: the turn rolls back). */
static apr_status_t store_write_kept(store_db_t *s, oxt_result_t *res)
{
    apr_status_t rv;

    if (!store_waiting(s)) {
        return APR_SUCCESS;
    }
    rv = store_open(s, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(s->creating, s->db, res, s->kept_pool);
        store_pump(s);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(s->contexts, s->db, res, s->kept_pool);
        store_pump(s);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(s->applied, s->db, res, s->kept_pool);
        store_pump(s);
    }
    if (rv == APR_SUCCESS && s->doubts->nelts > 0) {
        rv = store_write_doubts(s, res);
        store_pump(s);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_batch_write(s->logs, s->db, res, s->kept_pool);
        store_pump(s);
    }
    if (rv == APR_SUCCESS && s->done->nelts > 0) {
        rv = oxt_queue_done_many(s->db, s->done, s->owner, res,
                                 s->kept_pool);
        store_pump(s);
    }
    if (rv != APR_SUCCESS) {
        oxt_rows_clear(s->creating);
        oxt_rows_clear(s->applied);
        oxt_rows_clear(s->contexts);
        oxt_replog_batch_clear(s->logs);
    }
    apr_pool_clear(s->kept_pool);
    s->kept = apr_hash_make(s->kept_pool);
    s->done = apr_array_make(s->kept_pool, 16, sizeof(oxt_queue_item_t));
    s->doubts = apr_array_make(s->kept_pool, 2, sizeof(store_doubt_t));
    return rv;
}

/* Before a statement that is not a kept row. */
static apr_status_t store_now(store_db_t *s, oxt_result_t *res)
{
    apr_status_t rv = store_write_kept(s, res);

    return rv == APR_SUCCESS ? store_open(s, res) : rv;
}

/* A row of mailbox mail_id (of domain -mail_id when negative, none when
 * 0) is about to be kept. */
static apr_status_t store_keep(store_db_t *s, long long mail_id,
                               oxt_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;

    if (mail_id != 0 && oxt_util_id_get(s->kept, mail_id) != NULL) {
        rv = store_write_kept(s, res);
    }
    if (mail_id != 0) {
        oxt_util_id_set(s->kept, mail_id, "");
    }
    return rv;
}

/* A row was added (rv): outside a turn it is written at once, as every
 * record there is. */
static apr_status_t store_kept(store_db_t *s, apr_status_t rv,
                               oxt_result_t *res)
{
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot keep a row", NULL);
    }
    return s->in_turn ? APR_SUCCESS : store_write_kept(s, res);
}

static apr_status_t store_load(void *baton, oxt_work_t **pwork,
                               long long dom_id, oxt_result_t *res,
                               apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    return rv != APR_SUCCESS ? rv
         : oxt_work_load(pwork, dom_id, s->env, s->psa, s->db, res, p);
}

static apr_status_t store_blocked(void *baton, apr_hash_t **pblocked,
                                  oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    return rv != APR_SUCCESS ? rv
         : oxt_queue_blocked(pblocked, s->db, res, p);
}

/* The size of the next page from the last one's rows and duration. */
static int store_page_limit(store_db_t *s, long long after)
{
    apr_interval_time_t took = apr_time_now() - s->page_at;
    long long limit = s->page_limit;

    if (after == 0 || s->page_limit == 0) {
        return PAGE_FIRST;
    }
    /* toward a page of PAGE_TIME, growing at most PAGE_GROW times: the
     * doubling this replaced spent three pages (500, 1,000, 2,000
     * domains, six statements each) reaching the bytes' cap when a page
     * was fast, as a steady pass's are */
    if (took > PAGE_TIME) {
        limit = limit * PAGE_TIME / took;
    }
    else {
        limit = took * PAGE_GROW <= PAGE_TIME ? limit * PAGE_GROW
              : limit * PAGE_TIME / (took > 0 ? took : 1);
    }
    /* as many domains as fit, at the last page's bytes per domain */
    if (s->page_doms > 0 && s->page_bytes > 0
        && limit > (long long)s->page_doms * PAGE_MAX_BYTES
                   / (long long)s->page_bytes) {
        limit = (long long)s->page_doms * PAGE_MAX_BYTES
                / (long long)s->page_bytes;
    }
    return (int)(limit < PAGE_MIN ? PAGE_MIN
                                  : limit > PAGE_MAX ? PAGE_MAX : limit);
}

typedef struct {
    oxt_store_page_t page;
    oxt_batch_t *batch;
    const oxt_desired_env_t *env;
} store_page_t;

static apr_status_t store_page_work(void *baton, oxt_work_t **pwork,
                                    long long dom_id, oxt_result_t *res,
                                    apr_pool_t *p)
{
    store_page_t *sp = baton;
    apr_status_t rv = oxt_batch_work(pwork, sp->batch, dom_id, sp->env, p);

    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "No such domain in this page", NULL);
    }
    return APR_SUCCESS;
}

/* A pass starts at the first page: it reads the aliases afresh (a page
 * asked for without a first one reads its own). */
static apr_status_t store_pass_aliases(store_db_t *s, long long after,
                                       oxt_result_t *res)
{
    apr_status_t rv;

    if (after != 0) {
        return APR_SUCCESS;
    }
    apr_pool_clear(s->alias_pool);
    s->aliases = NULL;
    rv = oxt_batch_aliases_load(&s->aliases, s->psa, s->db, PASS_ALIASES_MAX,
                                res, s->alias_pool);
    if (rv != APR_SUCCESS) {
        s->aliases = NULL;
    }
    return rv;
}

/* ---- reading the next page ahead ----------------------------------------- */

typedef struct store_ahead_t store_ahead_t;

static void *APR_THREAD_FUNC store_ahead_main(apr_thread_t *thread,
                                              void *baton)
{
    store_ahead_t *a = baton;

    oxt_db_thread_begin();
    a->rv = oxt_batch_load(&a->batch, a->s->psa, a->s->db2, a->after,
                           a->limit, a->passwords, a->s->aliases, a->res,
                           a->p);
    oxt_db_thread_end();
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/* Waits for the page being read ahead, if any. */
static void store_ahead_join(store_db_t *s)
{
    apr_status_t trv;

    if (s->ahead.thread == NULL) {
        return;
    }
    apr_thread_join(&trv, s->ahead.thread);
    s->ahead.thread = NULL;
    apr_pool_destroy(s->ahead.tpool);
    s->ahead.tpool = NULL;
}

static apr_status_t store_ahead_cleanup(void *baton)
{
    store_ahead_join(baton);
    return APR_SUCCESS;
}

/* The second connection, made when it is first needed (a pass); without
 * it every page is read when it is asked for. */
static int store_ahead_open(store_db_t *s)
{
    apr_pool_t *p;
    oxt_result_t *res;

    apr_pool_create(&p, s->alias_pool_parent);
    res = oxt_result_make(p);
    if (oxt_db_open(&s->db2, &s->ahead_params, res, p) == APR_SUCCESS) {
        return 1;
    }
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, res->status,
                   OXTLOGNO(04352) "pages of a full pass are not read ahead:"
                   " %s", oxt_result_text(res, p));
    s->db2 = NULL;
    s->ahead_on = 0;
    apr_pool_destroy(p);
    return 0;
}

/* Starts reading the page after after into the pool the engine is done
 * with; on any failure the page is read when it is asked for. */
static void store_ahead_start(store_db_t *s, long long after, int limit)
{
    store_ahead_t *a = &s->ahead;

    if (!s->ahead_on || (s->db2 == NULL && !store_ahead_open(s))) {
        return;
    }
    a->p = s->pages[s->page_flip];
    apr_pool_clear(a->p);
    a->s = s;
    a->after = after;
    a->limit = limit;
    a->passwords = s->page_passwords;
    a->batch = NULL;
    a->res = oxt_result_make(a->p);
    a->rv = APR_EINIT;
    apr_pool_create(&a->tpool, s->alias_pool_parent);
    if (apr_thread_create(&a->thread, NULL, store_ahead_main, a, a->tpool)
        != APR_SUCCESS) {
        a->thread = NULL;
        apr_pool_destroy(a->tpool);
        a->tpool = NULL;
        a->rv = APR_EINIT;
    }
}

/* The page after after: the one read ahead if it is that one, else read
 * now (on the main connection) into the next of the two page pools. */
static apr_status_t store_page_batch(store_db_t *s, oxt_batch_t **pbatch,
                                     long long after, oxt_result_t *res)
{
    apr_pool_t *p;

    store_ahead_join(s);
    s->page_flip = !s->page_flip;
    if (s->ahead.rv == APR_SUCCESS && s->ahead.after == after
        && s->ahead.p == s->pages[!s->page_flip]) {
        s->ahead.rv = APR_EINIT;
        *pbatch = s->ahead.batch;
        return APR_SUCCESS;
    }
    s->ahead.rv = APR_EINIT;
    p = s->pages[!s->page_flip];
    apr_pool_clear(p);
    s->page_limit = store_page_limit(s, after);
    return oxt_batch_load(pbatch, s->psa, s->db, after, s->page_limit,
                          s->page_passwords, s->aliases, res, p);
}

/* What the next page is sized and read by: this one's bytes, domains and
 * passwords. */
static void store_page_took(store_db_t *s, oxt_batch_t *batch,
                            long long after)
{
    s->page_bytes = oxt_batch_bytes(batch);
    s->page_doms = oxt_batch_ids(batch)->nelts;
    s->page_passwords = oxt_batch_password_mailboxes(batch) * 2
                        > oxt_batch_mailboxes(batch);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                   OXTLOGNO(04660) "page after domain %" APR_INT64_T_FMT
                   ": %d domains, %" APR_INT64_T_FMT " mail rows, %"
                   APR_INT64_T_FMT " state rows, %" APR_SIZE_T_FMT
                   " kB, asked for %d%s",
                   (apr_int64_t)after, s->page_doms,
                   (apr_int64_t)oxt_batch_mailboxes(batch),
                   (apr_int64_t)oxt_batch_users(batch),
                   s->page_bytes / 1024, s->page_limit,
                   s->page_passwords ? "; the next reads the passwords"
                                       " with its mailboxes" : "");
}

/* The page's part that comes from its batch. */
static void store_page_fill(store_page_t *sp, const store_db_t *s)
{
    const oxt_batch_took_t *took = oxt_batch_took(sp->batch);

    sp->page.took_psa = took->psa;
    sp->page.took_prefs = took->prefs;
    sp->page.took_state = took->state;
    sp->env = s->env;
    sp->page.ids = oxt_batch_ids(sp->batch);
    sp->page.last = oxt_batch_upto(sp->batch);
    sp->page.more = !oxt_batch_last(sp->batch);
    sp->page.work = store_page_work;
    sp->page.page_baton = sp;
}

/* A batch of hints' domains (oxt_store_t.range): on the main connection,
 * their mailboxes' aliases read with them (the pass's table, if any, is
 * as old as the pass). */
static apr_status_t store_range(void *baton, oxt_store_page_t **ppage,
                                const apr_array_header_t *ids,
                                oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;
    store_page_t *sp = apr_pcalloc(p, sizeof(*sp));
    apr_status_t rv = store_now(s, res);

    if (rv == APR_SUCCESS) {
        rv = oxt_batch_load_ids(&sp->batch, s->psa, s->db, ids, 0, NULL,
                                res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    store_page_fill(sp, s);
    *ppage = &sp->page;
    return APR_SUCCESS;
}

static apr_status_t store_page(void *baton, oxt_store_page_t **ppage,
                               long long after, oxt_result_t *res,
                               apr_pool_t *p)
{
    store_db_t *s = baton;
    store_page_t *sp = apr_pcalloc(p, sizeof(*sp));
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    rv = store_now(s, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (after == 0) {
        store_ahead_join(s);
        s->ahead.rv = APR_EINIT;
        s->page_limit = 0;
        s->page_at = t0;
    }
    rv = store_pass_aliases(s, after, res);
    sp->page.took_aliases = apr_time_now() - t0;
    if (rv == APR_SUCCESS) {
        rv = store_page_batch(s, &sp->batch, after, res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    store_page_took(s, sp->batch, after);
    if (!oxt_batch_last(sp->batch)) {
        /* sized by this page's rows and the time since the last one came
         * (the work of the page before), as when it is asked for */
        s->page_limit = store_page_limit(s, oxt_batch_upto(sp->batch));
    }
    s->page_at = apr_time_now();
    store_page_fill(sp, s);
    if (sp->page.more) {
        store_ahead_start(s, sp->page.last, s->page_limit);
    }
    *ppage = &sp->page;
    return APR_SUCCESS;
}

/* Inside a turn the metrics' counts wait for its commit (store_count_op,
 * store_count_call): three statements a turn, not three per operation;
 * so do the turn's rows (store_now). The transaction opens with the
 * turn's first statement. */
static apr_status_t store_begin(void *baton, oxt_result_t *res)
{
    store_db_t *s = baton;

    (void)res;
    s->in_turn = 1;
    s->began = 0;
    return APR_SUCCESS;
}

/* A turn's commit writes the counts it counts (exact across a crash:
 * docs/architecture.md, decision 9), but the last contact with OX (an
 * UPDATE of one hot row in every commit of a burst's turns) at most this
 * often; the engine has it written once it has nothing in progress
 * (store_flush). A crash loses at most this long of the contact's age. */
#define STORE_CONTACT_EVERY apr_time_from_msec(1000)

static apr_status_t store_commit(void *baton, oxt_result_t *res)
{
    store_db_t *s = baton;
    apr_status_t rv = store_write_kept(s, res);
    apr_time_t now = apr_time_now();
    int counts_only = now - s->tally_at < STORE_CONTACT_EVERY;

    if (rv == APR_SUCCESS && !oxt_metrics_tally_empty(s->tally)) {
        rv = store_open(s, res);
        if (rv == APR_SUCCESS) {
            rv = store_tally_write(s, counts_only, res);
            s->tally_at = counts_only ? s->tally_at : now;
            store_pump(s);
        }
    }
    if (rv == APR_SUCCESS && s->began) {
        rv = oxt_db_commit(s->db, res);
    }
    if (rv != APR_SUCCESS && s->began) {
        oxt_db_rollback(s->db);
    }
    s->in_turn = 0;
    s->began = 0;
    return rv;
}

/* Outside a turn: the contact a commit left (on its own, as a count
 * outside a turn is written). */
static apr_status_t store_flush(void *baton, oxt_result_t *res)
{
    store_db_t *s = baton;

    if (s->in_turn) {
        return APR_SUCCESS;
    }
    return store_tally_flush(s, res);
}

static apr_status_t store_reserve(void *baton, oxt_work_t *work,
                                  const char *login, const char *sealed,
                                  oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_reserve(s->db, work->dom, login, sealed, res,
                                       p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_load(&work->have_ctx, s->db, work->dom_id, res,
                                    p);
    }
    return rv;
}

/* ---- before an operation is sent ----------------------------------------- */

/* What a user change makes unknown: the columns of its changes. */
static unsigned store_change_doubt(unsigned changes)
{
    static const struct {
        unsigned chg, doubt;
    } map[] = {
        { OXT_CHG_NAME, OXT_DOUBT_NAME },
        { OXT_CHG_EMAIL, OXT_DOUBT_ADDRESS | OXT_DOUBT_ALIASES },
        { OXT_CHG_IMAP_LOGIN, OXT_DOUBT_ADDRESS },
        { OXT_CHG_PASSWORD, OXT_DOUBT_PASSWORD },
        { OXT_CHG_DISPLAY, OXT_DOUBT_DISPLAY },
        { OXT_CHG_LANGUAGE, OXT_DOUBT_LANGUAGE },
        { OXT_CHG_TIMEZONE, OXT_DOUBT_TIMEZONE },
        { OXT_CHG_SERVERS, OXT_DOUBT_SERVERS },
    };
    unsigned what = 0;
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        what |= changes & map[i].chg ? map[i].doubt : 0;
    }
    return what;
}

/* A change's doubt inside a turn: kept, and written at its commit (before
 * the change goes out, which is in the next turn), with the doubts of the
 * same kind in one statement. */
static apr_status_t store_keep_doubt(store_db_t *s, long long mail_id,
                                     unsigned what, oxt_result_t *res)
{
    store_doubt_t *d = NULL;
    int i;
    apr_status_t rv = store_keep(s, mail_id, res);

    for (i = 0; i < s->doubts->nelts && d == NULL; i++) {
        d = &APR_ARRAY_IDX(s->doubts, i, store_doubt_t);
        d = d->what == what ? d : NULL;
    }
    if (d == NULL) {
        d = &APR_ARRAY_PUSH(s->doubts, store_doubt_t);
        d->what = what;
        d->mail_ids = apr_array_make(s->kept_pool, 16, sizeof(long long));
    }
    APR_ARRAY_PUSH(d->mail_ids, long long) = mail_id;
    return rv;
}

static apr_status_t store_user_intent(store_db_t *s, const oxt_op_t *op,
                                      oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plan_user_t *u = op->user;
    long long mail_id = u->mbox ? u->mbox->id : u->have->mail_id;

    apr_status_t rv;

    if (op->kind == OXT_OP_USER_CREATE) {
        rv = store_keep(s, mail_id, res);
        return rv != APR_SUCCESS ? rv : store_kept(s,
                   oxt_state_user_creating(s->creating, u->mbox,
                                           u->want->name), res);
    }
    if (s->in_turn && (op->kind == OXT_OP_USER_CHANGE
                       || op->kind == OXT_OP_USER_ACCESS)) {
        return store_keep_doubt(s, mail_id, op->kind == OXT_OP_USER_CHANGE
                                ? store_change_doubt(op->changes)
                                : OXT_DOUBT_SERVICE, res);
    }
    rv = store_now(s, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    switch (op->kind) {
    case OXT_OP_USER_CHANGE:
        return oxt_state_user_doubt(s->db, mail_id,
                                    store_change_doubt(op->changes), res, p);
    case OXT_OP_USER_ACCESS:
        return oxt_state_user_doubt(s->db, mail_id, OXT_DOUBT_SERVICE, res,
                                    p);
    case OXT_OP_USER_DELETE:
        /* Should the mailbox come back before the answer is known, every
         * attribute goes again (and a user that is gone is created). */
        return oxt_state_user_doubt(s->db, mail_id, OXT_DOUBT_USER_ALL, res,
                                    p);
    default:
        return APR_SUCCESS;
    }
}

static apr_status_t store_intent(void *baton, const oxt_work_t *work,
                                 const oxt_op_t *op, oxt_result_t *res,
                                 apr_pool_t *p)
{
    store_db_t *s = baton;
    unsigned what = 0;
    apr_status_t rv;

    if (op->user != NULL) {
        return store_user_intent(s, op, res, p);
    }
    rv = store_now(s, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    switch (op->kind) {
    case OXT_OP_CONTEXT_CHANGE:
        what |= op->changes & OXT_CHG_MAPPINGS ? OXT_DOUBT_MAPPINGS : 0;
        what |= op->changes & OXT_CHG_QUOTA ? OXT_DOUBT_QUOTA : 0;
        break;
    case OXT_OP_ADMIN_CHANGE:
        what = OXT_DOUBT_ADMIN;
        break;
    case OXT_OP_CONTEXT_DELETE:
        what = OXT_DOUBT_DELETE;
        break;
    default:
        return APR_SUCCESS;       /* a create: reserve said it all */
    }
    return oxt_state_context_doubt(s->db, work->dom_id, what, res, p);
}

/* ---- what became of an operation ----------------------------------------- */

static apr_status_t store_context_applied(store_db_t *s,
                                          const oxt_work_t *work,
                                          const oxt_op_t *op,
                                          const oxt_rec_t *rec,
                                          oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    switch (op->kind) {
    case OXT_OP_CONTEXT_DELETE:
    case OXT_OP_ADMIN_CHANGE:
        rv = store_now(s, res);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        return op->kind == OXT_OP_CONTEXT_DELETE
            ? oxt_state_context_deleted(s->db, work->dom_id, res, p)
            : oxt_state_context_admin(s->db, work->dom_id, 0,
                  oxt_plan_admin_address(&work->have_ctx, &work->want_ctx,
                                         p), res, p);
    default:
        break;
    }
    /* A create made the admin with its address; an adopted context's
     * holdings are unknown until the changes sent next are done (the
     * doubt is not a kept row: the context's row is written first, or
     * its upsert at the commit would put the wanted values back over the
     * doubt). */
    rv = store_keep(s, -work->dom_id, res);
    if (rv == APR_SUCCESS) {
        rv = store_kept(s, oxt_state_context_applied(s->contexts, work->dom,
                 rec->ox_id, &work->want_ctx,
                 op->kind == OXT_OP_CONTEXT_CREATE
                 && rec->kind == OXT_REC_APPLIED
                 ? oxt_plan_admin_address(&work->have_ctx, &work->want_ctx, p)
                 : NULL, p), res);
    }
    if (rv == APR_SUCCESS && rec->kind == OXT_REC_ADOPTED) {
        rv = store_now(s, res);
    }
    if (rv == APR_SUCCESS && rec->kind == OXT_REC_ADOPTED) {
        rv = oxt_state_context_doubt(s->db, work->dom_id, OXT_DOUBT_MAPPINGS
                                     | OXT_DOUBT_QUOTA | OXT_DOUBT_ADMIN,
                                     res, p);
    }
    return rv;
}

/* A change keeps the access combination OX has; a create or an access
 * change applies the wanted one. */
static apr_status_t store_user_applied(store_db_t *s, const oxt_work_t *work,
                                       const oxt_op_t *op,
                                       const oxt_rec_t *rec,
                                       oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plan_user_t *u = op->user;
    long long mail_id = u->mbox ? u->mbox->id : u->have->mail_id;
    apr_status_t rv;

    if (op->kind == OXT_OP_USER_DELETE) {
        rv = store_now(s, res);
        return rv != APR_SUCCESS ? rv
             : oxt_state_user_deleted(s->db, mail_id, res, p);
    }
    rv = store_keep(s, mail_id, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return store_kept(s, oxt_state_user_applied(s->applied, u->mbox,
                             work->have_ctx.ox_context_id, rec->ox_id,
                             u->want, op->kind == OXT_OP_USER_CHANGE
                             ? u->have->service : (int)u->want->service,
                             rec->ox_primary, p), res);
}

/* A mailbox the license refused is logged once, when that is news (the
 * plan records a status only then); a restriction, which stops them all,
 * is said once per pass instead (oxt_seats.c). */
static void store_license_log(const store_db_t *s, const oxt_plan_user_t *u,
                              apr_pool_t *p)
{
    const char *why = s->env->seats && u->want->reason != NULL
        && strcmp(u->want->reason, OXT_WHY_LICENSE_RESTRICTED) != 0
        ? oxt_seats_reason_text(s->env->seats, u->want->reason, p) : NULL;

    if (why != NULL) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                       OXTLOGNO(04103) "mailbox %s (id %s) not replicated"
                       " (%s): %s", u->mbox->address,
                       oxt_util_lld(u->mbox->id, p), u->want->reason, why);
    }
}

/* The status row of a mailbox that is not (or not yet) in OX. */
static apr_status_t store_user_status(store_db_t *s, const oxt_op_t *op,
                                      oxt_rec_kind_t kind, const char *error,
                                      oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plan_user_t *u = op->user;
    oxt_service_t service = u->want ? u->want->service : OXT_SERVICE_WEBMAIL;

    if (u->mbox == NULL) {
        return APR_SUCCESS;             /* gone from Plesk: no row to keep */
    }
    switch (kind) {
    case OXT_REC_FAILED:
        return oxt_state_user_status(s->db, u->mbox, service, "error",
                                     "ox_error", error, 0, res, p);
    case OXT_REC_NO_CONTEXT:
        return oxt_state_user_status(s->db, u->mbox, service, "error",
                                     "context_failed", error, 0, res, p);
    case OXT_REC_REFUSED:
        return oxt_state_user_status(s->db, u->mbox, service,
                                     "unreplicable", OXT_WHY_ADMIN_NAME,
                                     error, 1, res, p);
    default:
        store_license_log(s, u, p);
        return oxt_state_user_status(s->db, u->mbox, service,
                                     oxt_plan_status(u->want->reason),
                                     u->want->reason, NULL, !u->want->hold,
                                     res, p);
    }
}

static apr_status_t store_record(void *baton, const oxt_work_t *work,
                                 const oxt_op_t *op, const oxt_rec_t *rec,
                                 oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;
    const oxt_plan_user_t *u = op->user;
    apr_status_t rv;

    if (u == NULL) {
        /* A context that failed leaves no row: its users say why. */
        return rec->kind == OXT_REC_APPLIED || rec->kind == OXT_REC_ADOPTED
            ? store_context_applied(s, work, op, rec, res, p)
            : APR_SUCCESS;
    }
    if (rec->kind == OXT_REC_APPLIED) {
        return store_user_applied(s, work, op, rec, res, p);
    }
    rv = store_now(s, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    switch (rec->kind) {
    case OXT_REC_ADOPTED:
        return oxt_state_user_adopted(s->db, u->mbox,
                                      work->have_ctx.ox_context_id,
                                      rec->ox_id, res, p);
    case OXT_REC_GONE:
        return oxt_state_user_forget(s->db, u->mbox ? u->mbox->id
                                                    : u->have->mail_id, 1,
                                     res, p);
    default:
        return store_user_status(s, op, rec->kind, rec->error, res, p);
    }
}

static apr_status_t store_admin(void *baton, const oxt_work_t *work,
                                long long admin_user_id, oxt_result_t *res,
                                apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    return rv != APR_SUCCESS ? rv
         : oxt_state_context_admin(s->db, work->dom_id, admin_user_id, NULL,
                                   res, p);
}

/* ---- log, queue, runs ---------------------------------------------------- */

static apr_status_t store_log(void *baton, const oxt_replog_entry_t *entry,
                              oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;

    return store_kept(s, oxt_replog_batch_add(s->logs, entry, p), res);
}

/* A hint answered inside a turn is removed with the turn's rows, many
 * in one statement (oxt_queue_done_many), in the transaction of its
 * domain's last record. */
static apr_status_t store_keep_done(store_db_t *s,
                                    const oxt_queue_item_t *item,
                                    const char *owner, oxt_result_t *res)
{
    oxt_queue_item_t *kept;
    apr_status_t rv = APR_SUCCESS;

    /* One owner per statement (a store serves one worker: rarely more). */
    if (s->owner == NULL || strcmp(s->owner, owner) != 0) {
        rv = store_write_kept(s, res);
        s->owner = apr_pstrdup(s->alias_pool_parent, owner);
    }
    kept = &APR_ARRAY_PUSH(s->done, oxt_queue_item_t);
    memset(kept, 0, sizeof(*kept));
    kept->id = item->id;
    kept->enqueued_at = apr_pstrdup(s->kept_pool, item->enqueued_at);
    return rv;
}

static apr_status_t store_settle(void *baton, const oxt_queue_item_t *item,
                                 oxt_obj_t obj, const char *owner,
                                 const char *error, int max_attempts,
                                 oxt_result_t *res, apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv;

    if (item != NULL && error == NULL && s->in_turn) {
        return store_keep_done(s, item, owner, res);
    }
    rv = store_now(s, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (item == NULL) {
        return oxt_queue_failed(NULL, s->db, obj.type, obj.id, error,
                                max_attempts, res, p);
    }
    return error != NULL
        ? oxt_queue_fail(NULL, s->db, item, owner, error, max_attempts, res,
                         p)
        : oxt_queue_done(s->db, item, owner, res, p);
}

static apr_status_t store_run_start(void *baton, long long *prun_id,
                                    int automatic, oxt_result_t *res,
                                    apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    return rv != APR_SUCCESS ? rv
         : oxt_replog_run_start(prun_id, s->db, automatic, res, p);
}

static apr_status_t store_run_update(void *baton, long long run_id,
                                     const oxt_run_counts_t *counts,
                                     const oxt_run_owners_t *owners,
                                     int finished, int ok, oxt_result_t *res,
                                     apr_pool_t *p)
{
    store_db_t *s = baton;
    apr_status_t rv = store_now(s, res);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    return finished
         ? oxt_replog_run_end(s->db, run_id, counts, owners, ok, res, p)
         : oxt_replog_run_update(s->db, run_id, counts, 0, ok, res, p);
}

/* ---- the metrics' counters -------------------------------------------- */

/* Outside a turn every record commits on its own: so does its count. */
static apr_status_t store_count_op(void *baton, oxt_op_kind_t kind, int ok,
                                   oxt_result_t *res)
{
    store_db_t *s = baton;

    oxt_metrics_tally_op(s->tally, kind, ok);
    return s->in_turn ? APR_SUCCESS : store_tally_flush(s, res);
}

/* SOAP calls finish inside the engine's turns; another user of the
 * client (reconcile's reads) has its counts written at once, and a
 * failure to write them costs the counts only. */
static void store_count_call(void *baton, const oxt_soap_call_t *call,
                             apr_interval_time_t elapsed)
{
    store_db_t *s = baton;
    oxt_result_t *res;

    oxt_metrics_tally_call(s->tally, call, elapsed);
    if (s->in_turn) {
        return;
    }
    res = oxt_result_make(s->scratch);
    if (store_tally_flush(s, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, res->status,
                       OXTLOGNO(03900) "metrics not counted: %s",
                       oxt_result_text(res, s->scratch));
    }
}

oxt_store_t *oxt_store_db(oxt_db_t *db, const oxt_psa_t *psa,
                          const oxt_desired_env_t *env, apr_pool_t *p)
{
    oxt_store_t *store = apr_pcalloc(p, sizeof(*store));
    store_db_t *s = apr_pcalloc(p, sizeof(*s));

    s->db = db;
    s->psa = psa;
    s->env = env;
    s->tally = oxt_metrics_tally_make(p);
    s->creating = oxt_state_rows(OXT_STATE_ROWS_CREATING, p);
    s->applied = oxt_state_rows(OXT_STATE_ROWS_APPLIED, p);
    s->contexts = oxt_state_rows(OXT_STATE_ROWS_CONTEXT, p);
    s->logs = oxt_replog_batch_make(p);
    apr_pool_create(&s->kept_pool, p);
    s->done = apr_array_make(s->kept_pool, 16, sizeof(oxt_queue_item_t));
    s->doubts = apr_array_make(s->kept_pool, 2, sizeof(store_doubt_t));
    s->kept = apr_hash_make(s->kept_pool);
    apr_pool_create(&s->scratch, p);
    apr_pool_create(&s->alias_pool, p);
    apr_pool_create(&s->pages[0], p);
    apr_pool_create(&s->pages[1], p);
    s->alias_pool_parent = p;
    s->ahead.rv = APR_EINIT;
    /* joined before the pools it uses go */
    apr_pool_pre_cleanup_register(p, s, store_ahead_cleanup);
    s->store = store;
    store->baton = s;
    store->load = store_load;
    store->blocked = store_blocked;
    store->page = store_page;
    store->range = store_range;
    store->begin = store_begin;
    store->commit = store_commit;
    store->flush = store_flush;
    store->reserve = store_reserve;
    store->intent = store_intent;
    store->record = store_record;
    store->admin = store_admin;
    store->log = store_log;
    store->settle = store_settle;
    store->run_start = store_run_start;
    store->run_update = store_run_update;
    store->count_op = store_count_op;
    store->count_call = store_count_call;
    store->thread_begin = oxt_db_thread_begin;
    store->thread_end = oxt_db_thread_end;
    return store;
}

void oxt_store_db_read_ahead(oxt_store_t *store,
                             const oxt_db_params_t *params)
{
    store_db_t *s = store->baton;

    s->ahead_params = *params;
    s->ahead_on = 1;
}
