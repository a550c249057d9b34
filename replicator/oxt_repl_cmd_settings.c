/*
 * oxt_repl_cmd_settings.c — "oxtender-replicator settings": the Settings
 * page from the command line, for automation.
 *
 *   settings                    show them (the OX password never)
 *   settings set KEY VALUE      change one (KEY from lib/oxt_settings.c)
 *   settings set-ox-password    read the OX password from standard input
 *
 * A thin front end over the core's table of settings (oxt_settings.h),
 * which says what each value must look like and saves it. The password is
 * never taken from the command line: argv is visible to every user of the
 * machine.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "oxt_repl.h"
#include "oxt_crypto.h"
#include "oxt_ox.h"
#include "oxt_json.h"
#include "oxt_settings.h"

#define SETTINGS_BY "oxtender-replicator"

/* A secret is shown only as whether it is set: "ox_password_set". */
static const char *settings_shown_key(const oxt_setting_t *def,
                                      apr_pool_t *p)
{
    return def->type == OXT_SETTING_SECRET
        ? apr_pstrcat(p, def->key, "_set", NULL) : def->key;
}

static apr_status_t settings_print(oxt_repl_t *repl,
                                   const oxt_settings_t *s)
{
    int i, n;
    const oxt_setting_t *table = oxt_settings_table(&n), *def;
    oxt_json_t *j = repl->json ? oxt_repl_json(repl) : NULL;
    const char *key, *text;

    if (j != NULL) {
        oxt_json_object(j);
    }
    for (i = 0; i < n; i++) {
        def = &table[i];
        key = settings_shown_key(def, repl->p);
        text = oxt_setting_text(s, def, repl->p);
        if (j != NULL && def->type == OXT_SETTING_SECRET) {
            oxt_json_kbool(j, key, oxt_setting_secret(s, def)->set);
        }
        else if (j != NULL) {
            oxt_json_kstr(j, key, text);
        }
        else {
            printf("%s = %s\n", key, text ? text
                   : oxt_setting_secret(s, def)->set ? "true" : "false");
        }
    }
    if (j == NULL) {
        return APR_SUCCESS;
    }
    oxt_json_end(j);
    return oxt_repl_json_done(repl, j);
}

/* Plain HTTP to another machine: said on stderr, so the output stays
 * "key = value" (or JSON) for scripts. */
static void settings_warn(oxt_repl_t *repl, oxt_db_t *db)
{
    oxt_settings_t *s;
    const char *why;

    if (oxt_settings_load(&s, db, NULL, oxt_result_make(repl->p), repl->p)
        != APR_SUCCESS || s->ox_host == NULL || *s->ox_host == '\0') {
        return;
    }
    why = oxt_ox_plain_http_warning(oxt_ox_base_url(s->ox_https, s->ox_host,
                                                    repl->p),
                                    s->ox_allow_plain_http, repl->p);
    if (why != NULL) {
        oxt_repl_fail("warning: %s", why);
    }
}

static int settings_show(oxt_repl_t *repl, oxt_db_t *db, oxt_result_t *res)
{
    oxt_settings_t *s;

    if (oxt_settings_load(&s, db, NULL, res, repl->p) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (settings_print(repl, s) != APR_SUCCESS) {
        return OXT_REPL_EXIT_FAIL;
    }
    settings_warn(repl, db);
    return OXT_REPL_EXIT_OK;
}

/* Saves values; each refused value is named with its message. */
static int settings_save(oxt_repl_t *repl, oxt_db_t *db,
                         const apr_table_t *values, const unsigned char *key,
                         oxt_result_t *res)
{
    apr_array_header_t *errors;
    const oxt_settings_error_t *e;
    int i;

    if (oxt_settings_save(&errors, db, values, key, SETTINGS_BY, res,
                          repl->p) == APR_SUCCESS) {
        settings_warn(repl, db);
        return OXT_REPL_EXIT_OK;
    }
    for (i = 0; i < errors->nelts; i++) {
        e = &APR_ARRAY_IDX(errors, i, oxt_settings_error_t);
        oxt_repl_fail("%s: %s", e->key, e->message);
    }
    if (errors->nelts == 0) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
    }
    return OXT_REPL_EXIT_FAIL;
}

static int settings_set(oxt_repl_t *repl, oxt_db_t *db, const char *key,
                        const char *value, oxt_result_t *res)
{
    const oxt_setting_t *def = oxt_setting_find(key);
    apr_table_t *values = apr_table_make(repl->p, 1);

    if (def == NULL) {
        oxt_repl_fail("unknown setting '%s'", key);
        return OXT_REPL_EXIT_USAGE;
    }
    if (def->type == OXT_SETTING_SECRET) {
        /* argv is visible to every user of the machine. */
        oxt_repl_fail("%s is never taken from the command line: use"
                      " settings set-ox-password", key);
        return OXT_REPL_EXIT_USAGE;
    }
    apr_table_setn(values, key, value);
    return settings_save(repl, db, values, NULL, res);
}

static int settings_set_password(oxt_repl_t *repl, oxt_db_t *db,
                                 oxt_result_t *res)
{
    char line[1024];
    oxt_crypto_keys_t keys;
    apr_table_t *values = apr_table_make(repl->p, 1);
    size_t n;
    int rc = OXT_REPL_EXIT_FAIL;

    if (fgets(line, sizeof(line), stdin) == NULL) {
        oxt_repl_fail("no password on standard input");
        return OXT_REPL_EXIT_USAGE;
    }
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0) {
        oxt_repl_fail("the password is empty");
        return OXT_REPL_EXIT_USAGE;
    }
    if (oxt_crypto_keys_load(&keys, repl->cfg->secret_key_file, res,
                             repl->p) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
    }
    else {
        apr_table_setn(values, "ox_password", line);
        rc = settings_save(repl, db, values, keys.seal, res);
    }
    memset(line, 0, sizeof(line));
    return rc;
}

int oxt_repl_cmd_settings(oxt_repl_t *repl, int argc,
                          const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_db_t *db;

    if (oxt_repl_db_open(&db, repl, res) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (argc == 1) {
        return settings_show(repl, db, res);
    }
    if (argc == 4 && strcmp(argv[1], "set") == 0) {
        return settings_set(repl, db, argv[2], argv[3], res);
    }
    if (argc == 2 && strcmp(argv[1], "set-ox-password") == 0) {
        return settings_set_password(repl, db, res);
    }
    oxt_repl_fail("usage: settings | settings set KEY VALUE |"
                  " settings set-ox-password < file");
    return OXT_REPL_EXIT_USAGE;
}
