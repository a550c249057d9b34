/*
 * rep_state.c — the state a first replication leaves, written without OX:
 * bench/full_pass.py's replicated mode at a million mailboxes, where the
 * real replication into the emulator takes over an hour on the shared
 * machine.
 *
 *   bench/bin/rep_state CONFIG
 *
 * It reads the pass's pages (the store's own page reader, oxt_store.h)
 * and plans each domain as `run` does (the planned work of the page);
 * then it hands the store what the engine hands it when OX answers every
 * call of that plan with success: the context admin reserved with a
 * fresh sealed password, each operation's intent, and its record (a
 * created context gets the next context id, each created user the next
 * user id of its context from 3, as the emulator numbers them; status
 * rows as planned). So the rows are written by the same store code, with
 * the same values, as after a real replication; what differs is the OX
 * ids, the admin passwords' random bytes, the timestamps, and that no
 * replication log rows are written (the engine's log of each create).
 * bench/full_pass.py checks the result: a steady `run` against an
 * emulator then sends no call and changes no row.
 *
 * Any other operation (a change, a delete: the state was not empty) is an
 * error. The configuration needs plesk_timezone (the replicator falls
 * back to the system's, which a benchmark must not depend on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_base64.h>

#include "oxt_config.h"
#include "oxt_crypto.h"
#include "oxt_db.h"
#include "oxt_log.h"
#include "oxt_plan.h"
#include "oxt_psa.h"
#include "oxt_secrets.h"
#include "oxt_settings.h"
#include "oxt_store.h"
#include "oxt_work.h"

/* Domains per transaction: the store writes their kept rows together. */
#define CHUNK 200

typedef struct {
    oxt_store_t *store;
    const unsigned char *seal;
    long long contexts, users, statuses;
    long long next_ctx;
} gen_t;

static int fail(const char *what, oxt_result_t *res, apr_pool_t *p)
{
    fprintf(stderr, "rep_state: %s: %s\n", what, oxt_result_text(res, p));
    return EXIT_FAILURE;
}

static apr_status_t gen_reserve(gen_t *g, oxt_work_t *w, oxt_result_t *res,
                                apr_pool_t *p)
{
    unsigned char rnd[18];
    char b64[32];
    const char *sealed;
    apr_status_t rv = oxt_crypto_random(rnd, sizeof(rnd));

    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "No randomness", NULL);
    }
    apr_base64_encode(b64, (const char *)rnd, sizeof(rnd));
    rv = oxt_crypto_seal(&sealed, g->seal,
                         oxt_secrets_row_admin_password(w->dom_id, p), b64,
                         res, p);
    return rv != APR_SUCCESS ? rv
         : g->store->reserve(g->store->baton, w, OXT_CONTEXT_ADMIN_LOGIN,
                             sealed, res, p);
}

static int gen_creates_context(const oxt_work_t *w)
{
    int i;

    for (i = 0; i < w->ops->nelts; i++) {
        if (APR_ARRAY_IDX(w->ops, i, oxt_op_t).kind
            == OXT_OP_CONTEXT_CREATE) {
            return 1;
        }
    }
    return 0;
}

/* The record OX's success gives op. */
static apr_status_t gen_record(gen_t *g, oxt_work_t *w, const oxt_op_t *op,
                               long long *next_user, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_rec_t rec = { OXT_REC_APPLIED, 0, NULL, NULL };

    switch (op->kind) {
    case OXT_OP_CONTEXT_CREATE:
        rec.ox_id = ++g->next_ctx;
        w->have_ctx.ox_context_id = rec.ox_id;
        g->contexts++;
        break;
    case OXT_OP_CONTEXT_RECORD:
        rec.ox_id = w->have_ctx.ox_context_id;
        break;
    case OXT_OP_USER_CREATE:
        rec.ox_id = (*next_user)++;
        g->users++;
        break;
    case OXT_OP_USER_STATUS:
        rec.kind = OXT_REC_STATUS;
        g->statuses++;
        break;
    default:
        return oxt_result_set(res, APR_EINVAL, "Not a first replication",
                              "domain %lld plans operation %d", w->dom_id,
                              (int)op->kind);
    }
    return g->store->record(g->store->baton, w, op, &rec, res, p);
}

/* The steps of a chunk of domains, each over all of them. A domain gets
 * the engine's order (reserve, intents, records); across domains the
 * steps are grouped so that the store writes each step's rows of the
 * chunk in one multi-row statement, as a turn of the engine does. */
enum {
    STEP_RESERVE,                   /* the admin of a context to create */
    STEP_CTX_INTENT,                /* intents: the contexts' */
    STEP_USER_INTENT,               /* ... the users' (creating rows) */
    STEP_CTX_RECORD,                /* records: the contexts' */
    STEP_USER_RECORD,               /* ... the users' */
    STEP_STATUS,                    /* ... status rows (no OX call) */
    STEP_COUNT
};

static int op_step(const oxt_op_t *op, int intent)
{
    switch (op->kind) {
    case OXT_OP_CONTEXT_CREATE:
        return intent ? STEP_CTX_INTENT : STEP_CTX_RECORD;
    case OXT_OP_CONTEXT_RECORD:
        return intent ? -1 : STEP_CTX_RECORD;
    case OXT_OP_USER_STATUS:
        return intent ? -1 : STEP_STATUS;   /* sends nothing: no intent */
    default:
        return intent ? STEP_USER_INTENT : STEP_USER_RECORD;
    }
}

static apr_status_t gen_step(gen_t *g, oxt_work_t *w, int step,
                             long long *next_user, oxt_result_t *res,
                             apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;
    const oxt_op_t *op;
    int i;

    if (step == STEP_RESERVE) {
        return gen_creates_context(w) ? gen_reserve(g, w, res, p) : rv;
    }
    for (i = 0; rv == APR_SUCCESS && i < w->ops->nelts; i++) {
        op = &APR_ARRAY_IDX(w->ops, i, oxt_op_t);
        if (op_step(op, 1) == step) {
            rv = g->store->intent(g->store->baton, w, op, res, p);
        }
        else if (op_step(op, 0) == step) {
            rv = gen_record(g, w, op, next_user, res, p);
        }
    }
    return rv;
}

/* One transaction: the chunk's works, step by step. */
static apr_status_t gen_chunk(gen_t *g, oxt_work_t **works, int n,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_store_t *st = g->store;
    long long *next_user = apr_palloc(p, sizeof(long long) * (size_t)n);
    apr_status_t rv = st->begin(st->baton, res);
    int i, step;

    for (i = 0; i < n; i++) {
        next_user[i] = 3;
    }
    for (step = 0; rv == APR_SUCCESS && step < STEP_COUNT; step++) {
        for (i = 0; rv == APR_SUCCESS && i < n; i++) {
            rv = gen_step(g, works[i], step, &next_user[i], res, p);
        }
    }
    return rv == APR_SUCCESS ? st->commit(st->baton, res) : rv;
}

static apr_status_t gen_page(gen_t *g, const oxt_store_page_t *page,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_work_t *works[CHUNK];
    apr_status_t rv = APR_SUCCESS;
    apr_pool_t *wp;
    int i, n = 0;

    apr_pool_create(&wp, p);
    for (i = 0; rv == APR_SUCCESS && i < page->ids->nelts; i++) {
        rv = page->work(page->page_baton, &works[n++],
                        APR_ARRAY_IDX(page->ids, i, long long), res, wp);
        if (rv == APR_SUCCESS
            && (n == CHUNK || i == page->ids->nelts - 1)) {
            rv = gen_chunk(g, works, n, res, wp);
            apr_pool_clear(wp);
            n = 0;
        }
    }
    apr_pool_destroy(wp);
    return rv;
}

static int gen_all(gen_t *g, apr_pool_t *p)
{
    oxt_result_t *res = oxt_result_make(p);
    oxt_store_page_t *page;
    apr_pool_t *pp;
    long long after = 0;
    apr_status_t rv;

    apr_pool_create(&pp, p);
    do {
        apr_pool_clear(pp);
        rv = g->store->page(g->store->baton, &page, after, res, pp);
        if (rv == APR_SUCCESS) {
            rv = gen_page(g, page, res, pp);
        }
        if (rv != APR_SUCCESS) {
            return fail("writing the state", res, p);
        }
        after = page->last;
    } while (page->more);
    printf("rep_state: %lld contexts, %lld users created, %lld status rows\n",
           g->contexts, g->users, g->statuses);
    return EXIT_SUCCESS;
}

static int gen_open(const char *path, apr_pool_t *p)
{
    oxt_result_t *res = oxt_result_make(p);
    oxt_desired_env_t *env = apr_pcalloc(p, sizeof(*env));
    oxt_crypto_keys_t keys;
    oxt_settings_t *settings;
    oxt_db_params_t params;
    oxt_config_t *cfg;
    oxt_psa_t *psa;
    oxt_db_t *db;
    gen_t g;

    if (oxt_config_load(&cfg, path, res, p) != APR_SUCCESS) {
        return fail("configuration", res, p);
    }
    if (cfg->plesk_timezone == NULL || *cfg->plesk_timezone == '\0') {
        fprintf(stderr, "rep_state: %s has no plesk_timezone\n", path);
        return EXIT_FAILURE;
    }
    oxt_db_params_from_config(&params, cfg);
    if (oxt_db_open(&db, &params, res, p) != APR_SUCCESS
        || oxt_psa_open(&psa, db, cfg, res, p) != APR_SUCCESS
        || oxt_crypto_keys_load(&keys, cfg->secret_key_file, res, p)
           != APR_SUCCESS
        || oxt_settings_load(&settings, db, keys.seal, res, p)
           != APR_SUCCESS) {
        return fail("opening", res, p);
    }
    env->settings = settings;
    env->plesk_key = oxt_psa_plesk_key(psa);
    env->fp_key = keys.fingerprint;
    if (oxt_crypto_fp_make(&env->fp, keys.fingerprint, 32, p)
        != APR_SUCCESS) {
        fprintf(stderr, "rep_state: cannot key the fingerprints\n");
        return EXIT_FAILURE;
    }
    env->plesk_timezone = cfg->plesk_timezone;
    env->unicode_mappings = settings->unicode_mappings;
    env->seats = NULL;                /* an unlimited license */
    memset(&g, 0, sizeof(g));
    g.store = oxt_store_db(db, psa, env, p);
    g.seal = keys.seal;
    return gen_all(&g, p);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: rep_state CONFIG\n");
        return 2;
    }
    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    if (oxt_db_library_init() != APR_SUCCESS) {
        fprintf(stderr, "rep_state: no database client library\n");
        return EXIT_FAILURE;
    }
    rc = gen_open(argv[1], p);
    apr_pool_destroy(p);
    oxt_db_library_end();
    apr_terminate();
    return rc;
}
