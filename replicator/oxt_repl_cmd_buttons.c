/*
 * oxt_repl_cmd_buttons.c — "oxtender-replicator buttons [--dry-run]":
 * keeps Plesk's OXtender custom buttons in line with the access grants,
 * through Plesk's own custombutton tool (lib/oxt_buttons.h decides what
 * to change). Every pass of run and daemon does the same, quietly.
 *
 * The tool gets only our button's text, URL, place and owner login on its
 * command line: never a password. Its own output goes to our stderr, so
 * --json on stdout stays JSON.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_env.h>
#include <apr_thread_proc.h>

#include "oxt_repl.h"
#include "oxt_buttons.h"
#include "oxt_json.h"
#include "oxt_log.h"
#include "oxt_util.h"

#define PLESK_TOOL "/usr/local/psa/bin/custombutton"

typedef struct buttons_t {
    oxt_repl_t *repl;
    apr_pool_t *p;                 /* everything of this sync */
    const char *tool;              /* NULL: not found */
    const char *url;
    apr_array_header_t *create;    /* oxt_button_want_t */
    apr_array_header_t *remove;    /* oxt_button_have_t */
    int done, failed;
} buttons_t;

static int buttons_runnable(const char *path)
{
    return path != NULL && path[0] == '/' && access(path, X_OK) == 0;
}

/* The configured tool, else custombutton on PATH, else Plesk's. */
static const char *buttons_tool(oxt_repl_t *repl, apr_pool_t *p)
{
    char *path = NULL, *dir, *last = NULL, *cand;

    if (repl->cfg->custombutton_path != NULL) {
        return buttons_runnable(repl->cfg->custombutton_path)
            ? repl->cfg->custombutton_path : NULL;
    }
    if (apr_env_get(&path, "PATH", p) == APR_SUCCESS) {
        for (dir = apr_strtok(path, ":", &last); dir != NULL;
             dir = apr_strtok(NULL, ":", &last)) {
            cand = apr_pstrcat(p, dir, "/custombutton", NULL);
            if (buttons_runnable(cand)) {
                return cand;
            }
        }
    }
    return buttons_runnable(PLESK_TOOL) ? PLESK_TOOL : NULL;
}

static apr_status_t buttons_plan(buttons_t *b, oxt_db_t *db,
                                 const oxt_psa_t *psa, oxt_result_t *res)
{
    apr_array_header_t *want, *have;
    apr_status_t rv;

    rv = oxt_buttons_wanted(&want, psa, db, res, b->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_buttons_present(&have, psa, db, b->url, res, b->p);
    }
    if (rv == APR_SUCCESS) {
        oxt_buttons_plan(&b->create, &b->remove, want, have, b->p);
    }
    return rv;
}

/* Runs argv (no shell, our environment); its stdout goes to our stderr.
 * The exit code, or -1 when it could not run. */
static int buttons_call(const char *const *argv, apr_pool_t *p)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_file_t *err = NULL;
    apr_exit_why_e why;
    int code = -1;

    if (apr_procattr_create(&attr, p) != APR_SUCCESS
        || apr_procattr_cmdtype_set(attr, APR_PROGRAM_ENV) != APR_SUCCESS
        || apr_file_open_stderr(&err, p) != APR_SUCCESS
        || apr_procattr_child_out_set(attr, err, NULL) != APR_SUCCESS
        || apr_proc_create(&proc, argv[0], argv, NULL, attr, p)
           != APR_SUCCESS
        || apr_proc_wait(&proc, &code, &why, APR_WAIT) != APR_CHILD_DONE) {
        return -1;
    }
    return why == APR_PROC_EXIT ? code : -1;
}

static const char *want_text(const oxt_button_want_t *w, apr_pool_t *p)
{
    return w->role == OXT_ROLE_ADMIN ? "admin"
         : apr_psprintf(p, "%s %s (%s)", oxt_role_name(w->role), w->login,
                        oxt_util_lld(w->id, p));
}

static const char *have_text(const oxt_button_have_t *h, apr_pool_t *p)
{
    return apr_psprintf(p, "button %s (level %d, id %s)",
                        oxt_util_lld(h->button_id, p), h->level,
                        oxt_util_lld(h->level_id, p));
}

static void buttons_result(buttons_t *b, int code, const char *what)
{
    if (code == 0) {
        b->done++;
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                       OXTLOGNO(03300) "%s", what);
        return;
    }
    b->failed++;
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS,
                   OXTLOGNO(03301) "%s failed: custombutton %s", what,
                   code < 0 ? "could not run"
                            : apr_psprintf(b->p, "exited with %d",
                                           code));
}

static void buttons_apply(buttons_t *b)
{
    apr_pool_t *p = b->p;
    const oxt_button_have_t *h;
    const oxt_button_want_t *w;
    int i;

    for (i = 0; i < b->remove->nelts; i++) {
        h = &APR_ARRAY_IDX(b->remove, i, oxt_button_have_t);
        buttons_result(b, buttons_call(oxt_buttons_remove_argv(b->tool, h, p),
                                       p),
                       apr_pstrcat(p, "removed ", have_text(h, p), NULL));
    }
    for (i = 0; i < b->create->nelts; i++) {
        w = &APR_ARRAY_IDX(b->create, i, oxt_button_want_t);
        buttons_result(b, buttons_call(oxt_buttons_create_argv(b->tool, w,
                                                               b->url, p), p),
                       apr_pstrcat(p, "created the OXtender button of ",
                                   want_text(w, p), NULL));
    }
}

/* ---- output ------------------------------------------------------------- */

static void buttons_print_json(const buttons_t *b, int dry_run)
{
    oxt_json_t *j = oxt_json_make(oxt_sink_stdio(stdout, b->p), 0, b->p);
    const oxt_button_want_t *w;
    const oxt_button_have_t *h;
    int i;

    oxt_json_object(j);
    oxt_json_kbool(j, "dry_run", dry_run);
    oxt_json_kstr(j, "tool", b->tool);
    oxt_json_karray(j, "create");
    for (i = 0; i < b->create->nelts; i++) {
        w = &APR_ARRAY_IDX(b->create, i, oxt_button_want_t);
        oxt_json_object(j);
        oxt_json_kstr(j, "role", oxt_role_name(w->role));
        oxt_json_kint(j, "id", w->id);
        oxt_json_kstr(j, "login", w->login);
        oxt_json_end(j);
    }
    oxt_json_end(j);
    oxt_json_karray(j, "remove");
    for (i = 0; i < b->remove->nelts; i++) {
        h = &APR_ARRAY_IDX(b->remove, i, oxt_button_have_t);
        oxt_json_object(j);
        oxt_json_kint(j, "button_id", h->button_id);
        oxt_json_kint(j, "level", h->level);
        oxt_json_kint(j, "level_id", h->level_id);
        oxt_json_end(j);
    }
    oxt_json_end(j);
    oxt_json_kint(j, "done", b->done);
    oxt_json_kint(j, "failed", b->failed);
    oxt_json_end(j);
    if (oxt_json_finish(j) != APR_SUCCESS) {
        oxt_repl_fail("cannot write the JSON output");
    }
}

static void buttons_print_text(const buttons_t *b)
{
    apr_pool_t *p = b->p;
    int i;

    for (i = 0; i < b->remove->nelts; i++) {
        printf("would remove %s\n", have_text(&APR_ARRAY_IDX(
            b->remove, i, oxt_button_have_t), p));
    }
    for (i = 0; i < b->create->nelts; i++) {
        printf("would create the OXtender button of %s\n",
               want_text(&APR_ARRAY_IDX(b->create, i, oxt_button_want_t),
                         p));
    }
    if (b->remove->nelts + b->create->nelts == 0) {
        printf("the buttons are in line with the grants\n");
    }
}

/* ---- the command and the pass ------------------------------------------- */

static apr_status_t buttons_open(buttons_t *b, oxt_db_t **pdb,
                                 oxt_psa_t **ppsa, oxt_repl_t *repl,
                                 oxt_result_t *res)
{
    apr_status_t rv;

    memset(b, 0, sizeof(*b));
    b->repl = repl;
    b->p = repl->p;
    b->url = repl->cfg->panel_button_url;
    b->tool = buttons_tool(repl, repl->p);
    rv = oxt_repl_db_open(pdb, repl, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(ppsa, *pdb, repl->cfg, res, repl->p);
    }
    return rv;
}

int oxt_repl_cmd_buttons(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    int dry_run = argc == 2 && strcmp(argv[1], "--dry-run") == 0;
    oxt_db_t *db;
    oxt_psa_t *psa;
    buttons_t b;

    if (argc > 2 || (argc == 2 && !dry_run)) {
        oxt_repl_fail("usage: buttons [--dry-run]");
        return OXT_REPL_EXIT_USAGE;
    }
    if (buttons_open(&b, &db, &psa, repl, res) != APR_SUCCESS
        || buttons_plan(&b, db, psa, res) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (!dry_run && b.tool == NULL
        && b.create->nelts + b.remove->nelts > 0) {
        oxt_repl_fail("Plesk's custombutton tool was not found (set"
                      " custombutton_path); nothing changed");
        return OXT_REPL_EXIT_FAIL;
    }
    if (!dry_run) {
        buttons_apply(&b);
    }
    if (repl->json) {
        buttons_print_json(&b, dry_run);
    }
    else if (dry_run) {
        buttons_print_text(&b);
    }
    else if (!repl->quiet) {
        printf("%d button changes made, %d failed\n", b.done, b.failed);
    }
    return b.failed ? OXT_REPL_EXIT_FAIL : OXT_REPL_EXIT_OK;
}

/* The pass's share, in a pool of its own (the daemon runs it for ever). */
static void buttons_pass(buttons_t *b, oxt_db_t *db, const oxt_psa_t *psa)
{
    oxt_result_t *res = oxt_result_make(b->p);

    b->tool = buttons_tool(b->repl, b->p);
    if (b->tool == NULL) {
        /* Not a Plesk server (or no tool): nothing we may change. */
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                       OXTLOGNO(03302) "no custombutton tool: the panel's"
                       " buttons are left alone");
        return;
    }
    if (buttons_plan(b, db, psa, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, res->status,
                       OXTLOGNO(03303) "cannot compare the buttons with the"
                       " grants: %s", oxt_result_text(res, b->p));
        return;
    }
    buttons_apply(b);
}

void oxt_repl_buttons_pass(oxt_repl_t *repl, oxt_db_t *db,
                           const oxt_psa_t *psa, apr_pool_t *p)
{
    buttons_t b;

    memset(&b, 0, sizeof(b));
    b.repl = repl;
    b.url = repl->cfg->panel_button_url;
    if (apr_pool_create(&b.p, p) != APR_SUCCESS) {
        return;
    }
    buttons_pass(&b, db, psa);
    apr_pool_destroy(b.p);
}
