/*
 * oxt_repl_cmd_license.c — "oxtender-replicator license": the License
 * page from the command line (docs/license.md).
 *
 *   license                     the license in force, the server's IP,
 *                               what the replicator counted
 *   license install FILE|-      put a key file in force ("Upload")
 *   license activate CODE       "License by Activation Code"
 *   license renew               "Get License Key From Licensing Server"
 *
 * A thin front end: the core checks, stores and decides (oxt_licstate.h,
 * oxt_licsrv.h). A refused key, a refused code or a licensing server that
 * gives no usable answer exit 1 and leave the key in force as it was.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_licstate.h"
#include "oxt_licsrv.h"
#include "oxt_util.h"
#include "oxt_schema.h"
#include "oxt_status.h"

#define LICENSE_BY "oxtender-replicator"

typedef struct {
    oxt_repl_t *repl;
    oxt_db_t *db;
    oxt_psa_t *psa;
    oxt_result_t *res;
} lic_t;

static void print_key(const oxt_license_key_t *k, apr_pool_t *p)
{
    printf("key number: %s\n", k->number);
    printf("key ownership: %s\n", oxt_license_ownership_label(k->ownership));
    printf("key issued for IP: %s\n", k->ip);
    printf("maximum number of domains: %s\n",
           oxt_license_count_text(k->max_domains, p));
    printf("license type: %s\n", oxt_license_tier_label(k->tier));
    printf("Plesk mailboxes allowed: %s\n",
           oxt_license_count_text(k->max_mailboxes, p));
    printf("key SUS expires: %s\n", k->sus_expires);
    printf("key renewed on: %s\n", k->renewed);
    printf("key expires: %s\n", k->expires ? k->expires : "never");
    printf("premium: %s\n", k->premium ? "yes" : "no");
    printf("free usage: %s\n", k->free_usage ? "yes" : "no");
}

static void print_usage(const oxt_license_status_t *st, apr_pool_t *p)
{
    const oxt_license_usage_t *u = &st->usage;
    const oxt_license_terms_t *t = &st->terms;

    printf("in force: %s domains, %s Groupware mailboxes, Premium %s,"
           " %s Plesk mailboxes\n",
           oxt_license_count_text(t->max_domains, p),
           oxt_license_count_text(t->groupware_cap, p),
           t->premium ? "yes" : "no",
           oxt_license_count_text(t->max_mailboxes, p));
    if (!u->known) {
        printf("usage: not counted yet\n");
        return;
    }
    printf("Plesk mailboxes: %lld\n", u->plesk_mailboxes);
    if (u->counted_at != NULL) {
        printf("in OX at %s: %lld Groupware mailboxes, %lld domains;"
               " refused: %lld restricted, %lld for domains, %lld Premium,"
               " %lld Groupware\n", u->counted_at, u->groupware, u->domains,
               u->refused_restricted, u->refused_domains, u->refused_premium,
               u->refused_groupware);
    }
}

static int license_print(lic_t *l, const oxt_license_status_t *st)
{
    apr_pool_t *p = l->repl->p;
    const char *banner = oxt_license_banner(st, OXT_ROLE_ADMIN, p);
    oxt_json_t *j;

    if (l->repl->json) {
        j = oxt_repl_json(l->repl);
        oxt_license_status_json(j, st, OXT_ROLE_ADMIN, p);
        return oxt_repl_json_done(l->repl, j) == APR_SUCCESS
            ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
    }
    printf("your server IP: %s (%s)\n", st->server_ip ? st->server_ip
           : "unknown", st->server_ip ? st->server_ip_from
           : st->server_ip_problem);
    printf("license key status: %s\n", st->status_text);
    if (st->key != NULL) {
        print_key(st->key, p);
    }
    print_usage(st, p);
    if (banner != NULL) {
        printf("message: %s\n", banner);
    }
    if (st->last_answer_at != NULL) {
        printf("last licensing server answer (%s): %s\n", st->last_answer_at,
               st->last_answer);
    }
    return OXT_REPL_EXIT_OK;
}

static int license_show(lic_t *l)
{
    oxt_license_status_t *st;

    if (oxt_license_status_load(&st, l->db, l->psa, l->repl->cfg, 1, l->res,
                                l->repl->p) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(l->res, l->repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return license_print(l, st);
}

/* The outcome of install, activate and renew. */
static int license_done(lic_t *l, apr_status_t rv, const char *verdict,
                        const oxt_license_status_t *st)
{
    apr_pool_t *p = l->repl->p;
    oxt_json_t *j;

    if (!l->repl->json) {
        if (rv != APR_SUCCESS) {
            oxt_repl_fail("%s", oxt_result_text(l->res, p));
            return OXT_REPL_EXIT_FAIL;
        }
        return st != NULL ? license_print(l, st) : OXT_REPL_EXIT_OK;
    }
    j = oxt_repl_json(l->repl);
    oxt_json_object(j);
    oxt_json_kbool(j, "ok", rv == APR_SUCCESS);
    oxt_json_kstr(j, "verdict", rv == APR_SUCCESS ? NULL : verdict);
    oxt_json_kstr(j, "problem", l->res->problem);
    oxt_json_kstr(j, "detail", l->res->detail);
    oxt_json_key(j, "license");
    if (st != NULL) {
        oxt_license_status_json(j, st, OXT_ROLE_ADMIN, p);
    }
    else {
        oxt_json_null(j);
    }
    oxt_json_end(j);
    if (oxt_repl_json_done(l->repl, j) != APR_SUCCESS) {
        return OXT_REPL_EXIT_FAIL;
    }
    return rv == APR_SUCCESS ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
}

/* At most one byte past the largest key is read, from the file or from
 * standard input alike: a bigger file is then refused by the core as
 * oversized, with its verdict, and a huge one costs nothing. */
static apr_status_t license_read(char **pbuf, apr_size_t *plen,
                                 const char *path, lic_t *l)
{
    int from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    char *buf;
    size_t n;
    int bad;

    if (f == NULL) {
        return APR_EINVAL;
    }
    buf = apr_palloc(l->repl->p, OXT_LICENSE_MAX_BYTES + 2);
    n = fread(buf, 1, OXT_LICENSE_MAX_BYTES + 1, f);
    bad = ferror(f);
    if (!from_stdin) {
        fclose(f);
    }
    if (bad) {
        return APR_EINVAL;
    }
    buf[n] = '\0';
    *pbuf = buf;
    *plen = n;
    return APR_SUCCESS;
}

static int license_install(lic_t *l, const char *path)
{
    oxt_license_verdict_t verdict = OXT_LICENSE_OK;
    oxt_license_status_t *st = NULL;
    apr_size_t len = 0;
    char *buf;
    apr_status_t rv;

    rv = license_read(&buf, &len, path, l);
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("cannot read %s", path);
        return OXT_REPL_EXIT_FAIL;
    }
    rv = oxt_license_install(&st, &verdict, l->db, l->psa, l->repl->cfg,
                             buf, len, LICENSE_BY, l->res, l->repl->p);
    return license_done(l, rv, oxt_license_verdict_name(verdict), st);
}

static int license_server(lic_t *l, const char *code)
{
    oxt_license_status_t *st = NULL;
    oxt_settings_t *settings;
    apr_status_t rv;

    /* The timeout is the Settings' (SOAP wait), as for OX. */
    rv = oxt_settings_load(&settings, l->db, NULL, l->res, l->repl->p);
    if (rv == APR_SUCCESS && code != NULL) {
        rv = oxt_license_activate(&st, l->db, l->psa, l->repl->cfg, settings,
                                  code, LICENSE_BY, l->res, l->repl->p);
    }
    else if (rv == APR_SUCCESS) {
        rv = oxt_license_renew(&st, l->db, l->psa, l->repl->cfg, settings,
                               LICENSE_BY, l->res, l->repl->p);
    }
    return license_done(l, rv, oxt_status_str(rv, l->repl->p), st);
}

int oxt_repl_cmd_license(oxt_repl_t *repl, int argc,
                         const char *const *argv)
{
    lic_t l = { repl, NULL, NULL, oxt_result_make(repl->p) };
    apr_status_t rv;

    rv = oxt_repl_db_open(&l.db, repl, l.res);
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&l.psa, l.db, repl->cfg, l.res, repl->p);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(l.res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (argc == 1) {
        return license_show(&l);
    }
    /* The rest writes: never into a later release's database. */
    rv = oxt_schema_check(l.db, repl->cfg->sql_dir, l.res, repl->p);
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(l.res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (argc == 3 && strcmp(argv[1], "install") == 0) {
        return license_install(&l, argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "activate") == 0) {
        return license_server(&l, argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "renew") == 0) {
        return license_server(&l, NULL);
    }
    oxt_repl_fail("usage: license | license install FILE|- |"
                  " license activate CODE | license renew");
    return OXT_REPL_EXIT_USAGE;
}
