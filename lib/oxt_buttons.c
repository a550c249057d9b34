/*
 * oxt_buttons.c — see oxt_buttons.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_buttons.h"
#include "oxt_grant.h"
#include "oxt_util.h"

#define BUTTON_TEXT     "OXtender"
#define BUTTON_HELP     "Open-Xchange mailboxes and services"

int oxt_button_level(oxt_role_t role)
{
    switch (role) {
    case OXT_ROLE_ADMIN:    return OXT_BUTTON_LEVEL_ADMIN;
    case OXT_ROLE_RESELLER: return OXT_BUTTON_LEVEL_RESELLER;
    case OXT_ROLE_CLIENT:   return OXT_BUTTON_LEVEL_CLIENT;
    case OXT_ROLE_DOMAIN:   return OXT_BUTTON_LEVEL_DOMAIN;
    default:                return 0;
    }
}

apr_status_t oxt_buttons_wanted(apr_array_header_t **pwant,
                                const oxt_psa_t *psa, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *grantees, *want;
    const oxt_grantee_t *g;
    oxt_button_want_t *w;
    apr_status_t rv;
    int i;

    rv = oxt_grant_list(&grantees, psa, db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    want = apr_array_make(p, grantees->nelts + 1, sizeof(oxt_button_want_t));
    w = apr_array_push(want);
    w->role = OXT_ROLE_ADMIN;
    w->id = 0;
    w->login = NULL;
    for (i = 0; i < grantees->nelts; i++) {
        g = &APR_ARRAY_IDX(grantees, i, oxt_grantee_t);
        w = apr_array_push(want);
        w->role = g->role;
        w->id = g->id;
        w->login = g->login;
    }
    *pwant = want;
    return APR_SUCCESS;
}

typedef struct {
    apr_array_header_t *list;
} present_t;

static apr_status_t present_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    present_t *pr = baton;
    oxt_button_have_t *h = apr_array_push(pr->list);

    (void)ptemp;
    h->button_id = strtoll(row->vals[0], NULL, 10);
    h->level = (int)strtol(row->vals[1], NULL, 10);
    h->level_id = strtoll(row->vals[2], NULL, 10);
    return APR_SUCCESS;
}

apr_status_t oxt_buttons_present(apr_array_header_t **phave,
                                 const oxt_psa_t *psa, oxt_db_t *db,
                                 const char *url, oxt_result_t *res,
                                 apr_pool_t *p)
{
    present_t pr;

    pr.list = apr_array_make(p, 16, sizeof(oxt_button_have_t));
    *phave = pr.list;
    return oxt_db_each(db, oxt_psa_sql(psa,
        "SELECT id, level, level_id FROM psa.custom_buttons"
        " WHERE url = ? ORDER BY id", p),
        OXT_DB_ARGS(OXT_DB_STR(url)), present_row, &pr, res, p);
}

static int button_matches(const oxt_button_want_t *w,
                          const oxt_button_have_t *h)
{
    if (h->level != oxt_button_level(w->role)) {
        return 0;
    }
    return w->role == OXT_ROLE_ADMIN || h->level_id == w->id;
}

void oxt_buttons_plan(apr_array_header_t **pcreate,
                      apr_array_header_t **premove,
                      const apr_array_header_t *want,
                      const apr_array_header_t *have, apr_pool_t *p)
{
    char *kept = apr_pcalloc(p, (apr_size_t)have->nelts + 1);
    const oxt_button_want_t *w;
    int i, k, found;

    *pcreate = apr_array_make(p, 4, sizeof(oxt_button_want_t));
    *premove = apr_array_make(p, 4, sizeof(oxt_button_have_t));
    for (i = 0; i < want->nelts; i++) {
        w = &APR_ARRAY_IDX(want, i, oxt_button_want_t);
        found = 0;
        for (k = 0; k < have->nelts && !found; k++) {
            if (!kept[k] && button_matches(w, &APR_ARRAY_IDX(
                    have, k, oxt_button_have_t))) {
                kept[k] = 1;
                found = 1;
            }
        }
        if (!found) {
            *(oxt_button_want_t *)apr_array_push(*pcreate) = *w;
        }
    }
    for (k = 0; k < have->nelts; k++) {
        if (!kept[k]) {
            *(oxt_button_have_t *)apr_array_push(*premove) =
                APR_ARRAY_IDX(have, k, oxt_button_have_t);
        }
    }
}

const char *const *oxt_buttons_create_argv(const char *tool,
                                           const oxt_button_want_t *want,
                                           const char *url, apr_pool_t *p)
{
    const char **argv = apr_pcalloc(p, 20 * sizeof(*argv));
    int n = 0;

    argv[n++] = tool;
    argv[n++] = "--create";
    argv[n++] = "-text";
    argv[n++] = BUTTON_TEXT;
    argv[n++] = "-url";
    argv[n++] = url;
    argv[n++] = "-place";
    argv[n++] = "navigation";
    argv[n++] = "-conhelp";
    argv[n++] = BUTTON_HELP;
    argv[n++] = "-internal";
    argv[n++] = "true";
    argv[n++] = "-public";
    argv[n++] = "false";
    if (want->role != OXT_ROLE_ADMIN) {
        argv[n++] = "-owner";
        argv[n++] = want->login;
    }
    argv[n] = NULL;
    return argv;
}

const char *const *oxt_buttons_remove_argv(const char *tool,
                                           const oxt_button_have_t *have,
                                           apr_pool_t *p)
{
    const char **argv = apr_pcalloc(p, 4 * sizeof(*argv));

    argv[0] = tool;
    argv[1] = "--remove";
    argv[2] = oxt_util_lld(have->button_id, p);
    argv[3] = NULL;
    return argv;
}
