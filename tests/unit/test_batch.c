/*
 * test_batch.c — a page of a full pass put together from the rows of its
 * queries (oxt_batch.h): rows in the shapes the queries give on Plesk 8,
 * 9 and 10, fed in any order, joined to the right domain and mailbox,
 * and each domain's work made from them.
 */
#include <string.h>
#include <stdarg.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_batch.h"
#include "oxt_plesk.h"
#include "oxt_status.h"
#include "oxt_state.h"

static oxt_settings_t settings;
static oxt_desired_env_t env;
static const unsigned char fp_key[32] = "0123456789abcdef0123456789abcdef";

static void batch_setup(void)
{
    oxt_settings_defaults(&settings);
    settings.imap.host = "imap.test";
    settings.imap.port = 143;
    settings.smtp.host = "smtp.test";
    settings.smtp.port = 25;
    settings.default_language = "en_US";
    settings.default_timezone = "UTC";
    memset(&env, 0, sizeof(env));
    env.settings = &settings;
    env.fp_key = fp_key;
    env.unicode_mappings = 1;
}

/* ---- rows as the queries give them ---------------------------------------- */

/* A row of n columns; NULL values are SQL NULL. */
static void feed(oxt_batch_t *b, oxt_batch_rows_t kind, int n, ...)
{
    oxt_db_row_t row;
    const char **vals = apr_pcalloc(oxt_test_pool, sizeof(char *) * n);
    apr_size_t *lens = apr_pcalloc(oxt_test_pool, sizeof(apr_size_t) * n);
    va_list ap;
    int i;

    va_start(ap, n);
    for (i = 0; i < n; i++) {
        vals[i] = va_arg(ap, const char *);
        lens[i] = vals[i] ? strlen(vals[i]) : 0;
    }
    va_end(ap);
    row.ncols = n;
    row.vals = vals;
    row.lens = lens;
    ck_assert_int_eq(oxt_batch_feed(b, kind, &row), APR_SUCCESS);
}

/* oxt_plesk_range_domains on Plesk 9/10: the owner row c (with its type)
 * and, for a client of a reseller, the reseller row o; then the alias
 * column ("<length> <names>", NULL: none). */
static void domain9a(oxt_batch_t *b, const char *id, const char *name,
                     const char *display, const char *status,
                     const char *mail_on, const char *cid, const char *ctype,
                     const char *cstatus, const char *oid, const char *otype,
                     const char *ostatus, const char *aliases)
{
    feed(b, OXT_BATCH_DOMAIN, 15, id, name, display, status, mail_on, cid,
         apr_pstrcat(oxt_test_pool, "login", cid, NULL), ctype, cstatus,
         oid, strcmp(oid, "0") ? "reseller1" : NULL, otype, ostatus,
         "de-DE", aliases);
}

static void domain9(oxt_batch_t *b, const char *id, const char *name,
                    const char *display, const char *status,
                    const char *mail_on, const char *cid, const char *ctype,
                    const char *cstatus, const char *oid, const char *otype,
                    const char *ostatus)
{
    domain9a(b, id, name, display, status, mail_on, cid, ctype, cstatus,
             oid, otype, ostatus, NULL);
}

/* ... and on Plesk 8, where every owner is a client and none has a
 * parent (the query puts constants there). */
static void domain8(oxt_batch_t *b, const char *id, const char *name,
                    const char *cid, const char *cstatus)
{
    feed(b, OXT_BATCH_DOMAIN, 15, id, name, name, "0", "1", cid, "client8",
         "client", cstatus, "0", NULL, "", "0", NULL, NULL);
}

/* oxt_plesk_range_mailboxes: one row per alias. */
static void mailbox(oxt_batch_t *b, const char *id, const char *dom,
                    const char *name, const char *postbox, const char *alias)
{
    feed(b, OXT_BATCH_MAILBOX, 7, id, dom, name, postbox, "false", "-1",
         alias);
}

static void password(oxt_batch_t *b, const char *id, const char *dom,
                     const char *pw)
{
    feed(b, OXT_BATCH_PASSWORD, 4, id, dom, "plain", pw);
}

/* oxt_prefs_range: level, id, access, forever, quotas, language, zone,
 * service, Webmail Now. */
static void prefs(oxt_batch_t *b, const char *level, const char *id,
                  const char *forever, const char *language)
{
    feed(b, OXT_BATCH_PREFS, 10, level, id, "0", forever, NULL, NULL,
         language, NULL, NULL, NULL);
}

static void context(oxt_batch_t *b, const char *dom, const char *ox_id,
                    const char *name)
{
    feed(b, OXT_BATCH_CONTEXT, 11, dom, ox_id, name, "oxadmin", "sealed",
         name, "100", "replicated", NULL, NULL, name);
}

static void user(oxt_batch_t *b, const char *mail, const char *dom,
                 const char *ox_user, const char *name, const char *address)
{
    feed(b, OXT_BATCH_USER, 18, mail, dom, "7", ox_user, name, address,
         NULL, address, "webmail", "en_US", "UTC", "imap.test:143",
         "smtp.test:25", NULL, "replicated", NULL, NULL, NULL);
}

static oxt_work_t *work(oxt_batch_t *b, long long dom_id)
{
    oxt_work_t *w = NULL;

    ck_assert_int_eq(oxt_batch_work(&w, b, dom_id, &env, oxt_test_pool),
                     APR_SUCCESS);
    return w;
}

static const oxt_plan_user_t *puser(const oxt_work_t *w, int i)
{
    ck_assert_int_lt(i, w->users->nelts);
    return &APR_ARRAY_IDX(w->users, i, const oxt_plan_user_t);
}

static long long id_at(oxt_batch_t *b, int i)
{
    const apr_array_header_t *ids = oxt_batch_ids(b);

    ck_assert_int_lt(i, ids->nelts);
    return APR_ARRAY_IDX(ids, i, long long);
}

static int has_alias(const oxt_desired_user_t *want, const char *address)
{
    int i;

    for (i = 0; i < want->aliases->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(want->aliases, i, const char *),
                   address) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST(rows_are_joined_to_their_domain_and_mailbox_in_any_order)
{
    oxt_batch_t *b = oxt_batch_make(10, oxt_test_pool);
    const oxt_work_t *w;

    /* its aliases in the domain row: their length plus one each, names */
    domain9a(b, "11", "a.test", "a.test", "0", "1", "5", "client", "0", "2",
             "reseller", "0", "13 alias-a.test");
    domain9(b, "14", "d.test", "d.test", "0", "1", "5", "client", "0", "2",
            "reseller", "0");
    domain9(b, "13", "c.test", "c.test", "0", "1", "5", "client", "0", "2",
            "reseller", "0");
    oxt_batch_bound(b, 3);
    ck_assert_int_eq(oxt_batch_upto(b), 14);
    ck_assert(!oxt_batch_last(b));
    /* the rows of one mailbox, apart: the copies are merged */
    mailbox(b, "102", "11", "bob", "true", "robert");
    mailbox(b, "101", "11", "ann", "true", NULL);
    mailbox(b, "102", "11", "bob", "true", "bobby");
    /* a mailbox of a domain in the next page, and one of the last */
    mailbox(b, "150", "15", "next", "true", NULL);
    mailbox(b, "105", "10", "prev", "true", NULL);
    /* what we applied: a user of 11, one gone from psa, a domain psa
     * lost (12), and the context of a domain of the next page (15) */
    user(b, "101", "11", "900", "ann", "ann@a.test");
    user(b, "199", "11", "901", "gone", "gone@a.test");
    context(b, "12", "70", "lost.test");
    user(b, "120", "12", "902", "old", "old@lost.test");
    context(b, "15", "71", "next.test");

    ck_assert_int_eq(oxt_batch_ids(b)->nelts, 4);
    ck_assert_int_eq(id_at(b, 0), 11);
    ck_assert_int_eq(id_at(b, 1), 12);
    ck_assert_int_eq(id_at(b, 2), 13);
    ck_assert_int_eq(id_at(b, 3), 14);
    ck_assert_int_eq(oxt_batch_mailboxes(b), 3);

    w = work(b, 11);
    ck_assert_str_eq(w->dom_name, "a.test");
    ck_assert_int_eq(w->users->nelts, 3);
    ck_assert_int_eq(puser(w, 0)->mbox->id, 101);
    ck_assert_ptr_nonnull(puser(w, 0)->have);
    ck_assert_int_eq(puser(w, 0)->have->ox_user_id, 900);
    ck_assert_int_eq(puser(w, 1)->mbox->id, 102);
    ck_assert_ptr_null(puser(w, 1)->have);
    ck_assert_str_eq(puser(w, 1)->mbox->address, "bob@a.test");
    /* both aliases, at the domain and at its mail-enabled alias */
    ck_assert(has_alias(puser(w, 1)->want, "robert@a.test"));
    ck_assert(has_alias(puser(w, 1)->want, "bobby@alias-a.test"));
    ck_assert_int_eq(puser(w, 1)->want->aliases->nelts, 6);
    ck_assert_ptr_null(puser(w, 2)->mbox);
    ck_assert_int_eq(puser(w, 2)->have->mail_id, 199);
    ck_assert_int_eq(w->want_ctx.login_mappings->nelts, 2);

    w = work(b, 12);
    ck_assert_ptr_null(w->dom);
    ck_assert_str_eq(w->dom_name, "lost.test");
    ck_assert_int_eq(w->have_ctx.ox_context_id, 70);
    ck_assert_int_eq(w->users->nelts, 1);
    ck_assert_int_eq(puser(w, 0)->have->ox_user_id, 902);

    ck_assert_int_eq(oxt_batch_work((oxt_work_t **)&w, b, 15, &env,
                                    oxt_test_pool), APR_ENOENT);
    ck_assert_int_eq(oxt_batch_work((oxt_work_t **)&w, b, 10, &env,
                                    oxt_test_pool), APR_ENOENT);
}
END_TEST

/* oxt_plesk_all_mail_aliases: mail id, alias. */
static void alias_row(oxt_batch_aliases_t *a, const char *mail_id,
                      const char *name)
{
    const char *vals[2] = { mail_id, name };
    apr_size_t lens[2] = { strlen(mail_id), strlen(name) };
    oxt_db_row_t row = { 2, vals, lens };

    ck_assert_int_eq(oxt_batch_aliases_feed(a, &row), APR_SUCCESS);
}

START_TEST(the_aliases_of_a_pass_are_given_to_their_mailboxes)
{
    oxt_batch_aliases_t *a = oxt_batch_aliases_make(oxt_test_pool);
    oxt_batch_t *b = oxt_batch_make(10, oxt_test_pool);
    const char *bad[1] = { "102" };
    oxt_db_row_t short_row = { 1, bad, NULL };
    const oxt_work_t *w;

    /* out of order, and aliases of mailboxes of other pages */
    alias_row(a, "102", "robert");
    alias_row(a, "150", "elsewhere");
    alias_row(a, "102", "bobby");
    alias_row(a, "99", "before");
    ck_assert_int_eq(oxt_batch_aliases_feed(a, &short_row), OXT_ESCHEMA);
    ck_assert_int_eq(oxt_batch_aliases_count(a), 4);
    oxt_batch_use_aliases(b, a);
    /* a list the server cut (40 is more than it holds): none of it is
     * used, the page's aliases come again in rows of their own */
    domain9a(b, "11", "a.test", "a.test", "0", "1", "5", "client", "0", "2",
             "reseller", "0", "40 alias-a.test alias-cu");
    oxt_batch_bound(b, 1);
    /* one row per mailbox, no alias column */
    mailbox(b, "102", "11", "bob", "true", NULL);
    mailbox(b, "101", "11", "ann", "true", NULL);
    mailbox(b, "103", "11", "cid", "true", NULL);
    feed(b, OXT_BATCH_DOMAIN_ALIAS, 2, "11", "alias-a.test");

    w = work(b, 11);
    ck_assert_int_eq(w->users->nelts, 3);
    ck_assert_int_eq(puser(w, 0)->mbox->id, 101);
    ck_assert_int_eq(puser(w, 0)->want->aliases->nelts, 2);
    ck_assert_int_eq(puser(w, 1)->mbox->id, 102);
    ck_assert(has_alias(puser(w, 1)->want, "robert@a.test"));
    ck_assert(has_alias(puser(w, 1)->want, "bobby@alias-a.test"));
    ck_assert(!has_alias(puser(w, 1)->want, "elsewhere@a.test"));
    ck_assert_int_eq(puser(w, 1)->want->aliases->nelts, 6);
    ck_assert_int_eq(puser(w, 2)->mbox->id, 103);
    ck_assert(!has_alias(puser(w, 2)->want, "elsewhere@a.test"));
    ck_assert_int_eq(puser(w, 2)->want->aliases->nelts, 2);
}
END_TEST

START_TEST(a_domain_without_mailboxes_has_no_users_and_no_plan)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    const oxt_work_t *w;

    domain9(b, "3", "empty.test", "empty.test", "0", "1", "5", "client", "0",
            "0", "", "0");
    oxt_batch_bound(b, 100);
    prefs(b, "domain", "3", "on", NULL);
    ck_assert(oxt_batch_last(b));
    ck_assert(oxt_batch_upto(b) == OXT_PLESK_ID_MAX);
    ck_assert_int_eq(oxt_batch_password_runs(b, 3, 0)->nelts, 0);
    w = work(b, 3);
    ck_assert_int_eq(w->users->nelts, 0);
    ck_assert_int_eq(w->ops->nelts, 0);
    ck_assert_int_eq(w->have_ctx.quota_mb, -1);
}
END_TEST

START_TEST(an_idn_domain_keeps_its_ascii_and_unicode_names)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    const oxt_work_t *w;

    domain9(b, "2", "xn--bcher2-3ya.example", "b\xc3\xbc" "cher2.example",
            "0", "1", "5", "client", "0", "2", "reseller", "0");
    oxt_batch_bound(b, 100);
    mailbox(b, "2", "2", "user2", "true", NULL);
    w = work(b, 2);
    ck_assert_str_eq(w->want_ctx.name, "xn--bcher2-3ya.example");
    ck_assert_int_eq(w->want_ctx.login_mappings->nelts, 2);
    ck_assert_str_eq(puser(w, 0)->mbox->address,
                     "user2@xn--bcher2-3ya.example");
    ck_assert_str_eq(puser(w, 0)->want->display_name,
                     "user2@b\xc3\xbc" "cher2.example");
}
END_TEST

START_TEST(owners_read_right_on_plesk_8_9_and_10)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);

    domain8(b, "1", "eight.test", "4", "0");
    /* 9/10: a client of a reseller, a reseller's own, the admin's */
    domain9(b, "2", "nine.test", "nine.test", "0", "1", "6", "client", "0",
            "2", "reseller", "0");
    domain9(b, "3", "res.test", "res.test", "0", "1", "2", "reseller", "0",
            "1", "admin", "0");
    domain9(b, "4", "adm.test", "adm.test", "0", "1", "1", "admin", "0",
            "0", "", "0");
    oxt_batch_bound(b, 100);
    prefs(b, "client", "4", NULL, "fr_FR");
    prefs(b, "reseller", "2", NULL, "it_IT");
    prefs(b, "client", "6", NULL, NULL);
    mailbox(b, "10", "1", "u", "true", NULL);
    mailbox(b, "20", "2", "u", "true", NULL);
    mailbox(b, "30", "3", "u", "true", NULL);
    mailbox(b, "40", "4", "u", "true", NULL);

    ck_assert_int_eq(work(b, 1)->dom->owner.client_id, 4);
    ck_assert_int_eq(work(b, 1)->dom->owner.reseller_id, 0);
    ck_assert_str_eq(puser(work(b, 1), 0)->want->language, "fr_FR");
    ck_assert_int_eq(work(b, 2)->dom->owner.client_id, 6);
    ck_assert_int_eq(work(b, 2)->dom->owner.reseller_id, 2);
    ck_assert_str_eq(puser(work(b, 2), 0)->want->language, "it_IT");
    ck_assert_int_eq(work(b, 3)->dom->owner.client_id, 0);
    ck_assert_int_eq(work(b, 3)->dom->owner.reseller_id, 2);
    ck_assert_str_eq(puser(work(b, 3), 0)->want->language, "it_IT");
    ck_assert_int_eq(work(b, 4)->dom->owner.client_id, 0);
    ck_assert_int_eq(work(b, 4)->dom->owner.reseller_id, 0);
    /* nobody says anything: the Settings' language */
    ck_assert_str_eq(puser(work(b, 4), 0)->want->language, "en_US");
}
END_TEST

START_TEST(suspended_owners_hold_their_domains_and_need_no_passwords)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    const apr_array_header_t *runs;
    const oxt_work_t *w;

    /* selected everywhere; 1 is fine, 2 has its client suspended, 3 its
     * reseller, 4 has mail off, 5 is fine again */
    domain9(b, "1", "ok.test", "ok.test", "0", "1", "6", "client", "0",
            "2", "reseller", "0");
    domain9(b, "2", "cs.test", "cs.test", "0", "1", "7", "client", "16",
            "2", "reseller", "0");
    domain9(b, "3", "rs.test", "rs.test", "0", "1", "8", "client", "0",
            "3", "reseller", "16");
    domain9(b, "4", "off.test", "off.test", "0", "0", "6", "client", "0",
            "2", "reseller", "0");
    domain9(b, "5", "ok2.test", "ok2.test", "0", "1", "6", "client", "0",
            "2", "reseller", "0");
    oxt_batch_bound(b, 100);
    prefs(b, "reseller", "2", "on", NULL);
    prefs(b, "reseller", "3", "on", NULL);
    mailbox(b, "10", "1", "u1", "true", NULL);
    mailbox(b, "20", "2", "u2", "true", NULL);
    mailbox(b, "30", "3", "u3", "true", NULL);
    mailbox(b, "40", "4", "u4", "true", NULL);
    mailbox(b, "50", "5", "u5", "false", NULL);  /* forward-only */
    mailbox(b, "51", "5", "u6", "true", NULL);
    runs = oxt_batch_password_runs(b, 3, 0);
    ck_assert_int_eq(runs->nelts, 2);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).first, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).last, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 1, oxt_batch_run_t).first, 5);
    /* one run at most: across the gap */
    runs = oxt_batch_password_runs(b, 1, 0);
    ck_assert_int_eq(runs->nelts, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).first, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).last, 5);
    /* the gap holds three mailbox rows: read through when that is few */
    runs = oxt_batch_password_runs(b, 3, 4);
    ck_assert_int_eq(runs->nelts, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).last, 5);
    ck_assert_int_eq(oxt_batch_password_runs(b, 3, 3)->nelts, 2);
    password(b, "10", "1", "secret-10");
    password(b, "51", "5", "secret-51");

    w = work(b, 1);
    ck_assert(puser(w, 0)->want->replicate);
    ck_assert_str_eq(puser(w, 0)->mbox->password, "secret-10");
    ck_assert_str_eq(puser(work(b, 2), 0)->want->reason, OXT_WHY_SUSPENDED);
    ck_assert(puser(work(b, 2), 0)->want->hold);
    ck_assert_str_eq(puser(work(b, 3), 0)->want->reason, OXT_WHY_SUSPENDED);
    ck_assert_str_eq(puser(work(b, 4), 0)->want->reason, OXT_WHY_MAIL_OFF);
    ck_assert_str_eq(puser(work(b, 5), 0)->want->reason,
                     OXT_WHY_FORWARD_ONLY);
    ck_assert(puser(work(b, 5), 1)->want->replicate);
    /* a suspended domain's plan only records why */
    ck_assert_int_eq(work(b, 2)->ops->nelts, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(work(b, 2)->ops, 0, oxt_op_t).kind,
                     OXT_OP_USER_STATUS);
}
END_TEST

START_TEST(a_mailbox_selected_by_its_own_tick_needs_its_password)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    const apr_array_header_t *runs;

    domain9(b, "1", "a.test", "a.test", "0", "1", "6", "client", "0", "2",
            "reseller", "0");
    domain9(b, "2", "b.test", "b.test", "0", "1", "6", "client", "0", "2",
            "reseller", "0");
    oxt_batch_bound(b, 100);
    mailbox(b, "10", "1", "u1", "true", NULL);
    mailbox(b, "20", "2", "u2", "true", NULL);
    ck_assert_int_eq(oxt_batch_password_runs(b, 3, 0)->nelts, 0);
    prefs(b, "mailbox", "20", "on", NULL);
    runs = oxt_batch_password_runs(b, 3, 0);
    ck_assert_int_eq(runs->nelts, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).first, 2);
    ck_assert_int_eq(APR_ARRAY_IDX(runs, 0, oxt_batch_run_t).last, 2);
    password(b, "20", "2", "pw-20");
    ck_assert(puser(work(b, 2), 0)->want->replicate);
    ck_assert_str_eq(puser(work(b, 1), 0)->want->reason,
                     OXT_WHY_NOT_SELECTED);
    ck_assert_ptr_null(puser(work(b, 1), 0)->mbox->password);
}
END_TEST

/* A row of n columns as oxt_db_each gives it. */
static oxt_db_row_t *state_row(const char *const *vals, int n)
{
    oxt_db_row_t *row = apr_pcalloc(oxt_test_pool, sizeof(*row));
    apr_size_t *lens = apr_pcalloc(oxt_test_pool, sizeof(apr_size_t) * n);
    int i;

    for (i = 0; i < n; i++) {
        lens[i] = vals[i] ? strlen(vals[i]) : 0;
    }
    row->ncols = n;
    row->vals = (const char **)vals;
    row->lens = lens;
    return row;
}

static int str_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL)
        || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void user_same(const oxt_applied_user_t *a, const oxt_applied_user_t *b)
{
    ck_assert_int_eq(a->exists, b->exists);
    ck_assert_int_eq(a->mail_id, b->mail_id);
    ck_assert_int_eq(a->dom_id, b->dom_id);
    ck_assert_int_eq(a->ox_context_id, b->ox_context_id);
    ck_assert_int_eq(a->ox_user_id, b->ox_user_id);
    ck_assert(str_same(a->mail_name, b->mail_name));
    ck_assert(str_same(a->address, b->address));
    ck_assert(str_same(a->ox_primary, b->ox_primary));
    ck_assert(str_same(a->display_name, b->display_name));
    ck_assert(str_same(a->aliases, b->aliases));
    ck_assert_int_eq(a->service, b->service);
    ck_assert(str_same(a->language, b->language));
    ck_assert(str_same(a->timezone, b->timezone));
    ck_assert(str_same(a->imap_server, b->imap_server));
    ck_assert(str_same(a->smtp_server, b->smtp_server));
    ck_assert_int_eq(a->has_fp, b->has_fp);
    ck_assert_mem_eq(a->password_fp, b->password_fp, OXT_FP_LEN);
    ck_assert(str_same(a->status, b->status));
    ck_assert(str_same(a->status_reason, b->status_reason));
    ck_assert_int_eq(a->has_pending, b->has_pending);
    ck_assert_int_eq(a->pending_service, b->pending_service);
}

/* A page keeps its state rows in a compact form (one allocation, shared
 * columns shared); the work gets them back as the row reads, every
 * column, present or NULL. */
START_TEST(state_rows_come_back_whole_from_a_page)
{
    static const char *const full[18] = {
        "10", "1", "7", "900", "ann", "ann@a.test", "Ann A.",
        "a1@a.test\nann@a.test", "groupware_premium", "de_DE",
        "Europe/Berlin", "imap.x:993", "smtp.x:587",
        "0123456789abcdef0123456789abcdef", "failed", "why not",
        "old@a.test", "webmail"
    };
    static const char *const sparse[18] = {
        "11", "1", "7", "0", "bob", NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, "pending", NULL, NULL, NULL
    };
    static const char *const next[18] = {
        "12", "1", "7", "901", NULL, "cy@a.test", NULL, "cy@a.test",
        "webmail", "de_DE", "Europe/Berlin", "imap.x:993", "smtp.x:587",
        NULL, "failed", "why not", NULL, NULL
    };
    const char *const *rows[3] = { full, sparse, next };
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    oxt_applied_user_t want;
    const oxt_work_t *w;
    const oxt_plan_user_t *pu;
    int i, k, found;

    domain9(b, "1", "a.test", "a.test", "0", "1", "6", "client", "0", "2",
            "reseller", "0");
    oxt_batch_bound(b, 100);
    for (k = 0; k < 3; k++) {
        ck_assert_int_eq(oxt_batch_feed(b, OXT_BATCH_USER,
                                        state_row(rows[k], 18)),
                         APR_SUCCESS);
    }
    ck_assert_uint_gt(oxt_batch_bytes(b), 0);
    w = work(b, 1);
    ck_assert_int_eq(w->users->nelts, 3);
    for (k = 0; k < 3; k++) {
        ck_assert_int_eq(oxt_state_user_from_row(&want,
                                                 state_row(rows[k], 18)),
                         APR_SUCCESS);
        ck_assert(k != 0 || (want.has_fp && want.has_pending));
        for (i = 0, found = 0; i < w->users->nelts; i++) {
            pu = puser(w, i);
            if (pu->have != NULL && pu->have->mail_id == want.mail_id) {
                user_same(pu->have, &want);
                found = 1;
            }
        }
        ck_assert(found);
    }
}
END_TEST

/* With the passwords read by the mailbox query (a page where most
 * mailboxes need theirs), no password row is needed. */
START_TEST(passwords_read_with_the_mailboxes_need_no_query_of_their_own)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);

    domain9(b, "1", "a.test", "a.test", "0", "1", "6", "client", "0", "2",
            "reseller", "0");
    domain9(b, "2", "b.test", "b.test", "0", "1", "6", "client", "0", "2",
            "reseller", "0");
    oxt_batch_bound(b, 100);
    feed(b, OXT_BATCH_MAILBOX, 9, "10", "1", "u1", "true", "false", "-1",
         NULL, "plain", "pw-10");
    feed(b, OXT_BATCH_MAILBOX, 9, "11", "1", "fw", "false", "true", "-1",
         NULL, NULL, NULL);
    feed(b, OXT_BATCH_MAILBOX, 9, "20", "2", "u2", "true", "false", "-1",
         NULL, "plain", "pw-20");
    prefs(b, "domain", "2", "on", NULL);
    ck_assert_int_eq(oxt_batch_password_runs(b, 3, 0)->nelts, 1);
    ck_assert_int_eq(oxt_batch_password_mailboxes(b), 1);
    ck_assert(puser(work(b, 2), 0)->want->replicate);
    ck_assert_str_eq(puser(work(b, 2), 0)->mbox->password, "pw-20");
    ck_assert_str_eq(puser(work(b, 1), 0)->mbox->password, "pw-10");
    ck_assert_str_eq(puser(work(b, 1), 0)->want->reason,
                     OXT_WHY_NOT_SELECTED);
    ck_assert_ptr_null(puser(work(b, 1), 1)->mbox->password);
}
END_TEST

START_TEST(rows_of_another_shape_are_refused)
{
    oxt_batch_t *b = oxt_batch_make(0, oxt_test_pool);
    oxt_db_row_t row;
    const char *vals[3] = { "1", "x", "y" };
    apr_size_t lens[3] = { 1, 1, 1 };
    int kind;

    row.ncols = 3;
    row.vals = vals;
    row.lens = lens;
    for (kind = OXT_BATCH_DOMAIN; kind <= OXT_BATCH_USER; kind++) {
        ck_assert_int_eq(oxt_batch_feed(b, (oxt_batch_rows_t)kind, &row),
                         OXT_ESCHEMA);
    }
}
END_TEST

TCase *oxt_batch_test_case(void)
{
    TCase *tc = oxt_unit_tcase("batch");

    tcase_add_checked_fixture(tc, batch_setup, NULL);
    tcase_add_test(tc,
        rows_are_joined_to_their_domain_and_mailbox_in_any_order);
    tcase_add_test(tc, the_aliases_of_a_pass_are_given_to_their_mailboxes);
    tcase_add_test(tc, a_domain_without_mailboxes_has_no_users_and_no_plan);
    tcase_add_test(tc, an_idn_domain_keeps_its_ascii_and_unicode_names);
    tcase_add_test(tc, owners_read_right_on_plesk_8_9_and_10);
    tcase_add_test(tc,
        suspended_owners_hold_their_domains_and_need_no_passwords);
    tcase_add_test(tc, a_mailbox_selected_by_its_own_tick_needs_its_password);
    tcase_add_test(tc, rows_of_another_shape_are_refused);
    tcase_add_test(tc, state_rows_come_back_whole_from_a_page);
    tcase_add_test(tc,
        passwords_read_with_the_mailboxes_need_no_query_of_their_own);
    return tc;
}
