/*
 * oxt_buttons.h — the OXtender link in the panel.
 *
 * After a grant the grantee sees the OXtender custom button in Plesk's
 * navigation; before it, and after the grant is taken back, they do not.
 * The admin always has one. We read Plesk's buttons (psa.custom_buttons,
 * ours are those with our URL) and change them only through Plesk's own
 * custombutton tool, never by writing psa. This file decides what to
 * change and how to call the tool; the replicator runs it
 * ("oxtender-replicator buttons", and every pass). What we rely on of the
 * tool and the table: docs/reference/panel-login.md.
 */
#ifndef OXT_BUTTONS_H
#define OXT_BUTTONS_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/* psa.custom_buttons.level of each owner level. */
#define OXT_BUTTON_LEVEL_ADMIN     1
#define OXT_BUTTON_LEVEL_RESELLER  2
#define OXT_BUTTON_LEVEL_CLIENT    4
#define OXT_BUTTON_LEVEL_DOMAIN    8

/** A button that should be there: its owner. */
typedef struct oxt_button_want_t {
    oxt_role_t role;
    long long id;              /* clients.id, domains.id; 0 for the admin */
    const char *login;         /* the owner's login; NULL for the admin */
} oxt_button_want_t;

/** A button that is there (a psa.custom_buttons row with our URL). */
typedef struct oxt_button_have_t {
    long long button_id;       /* custom_buttons.id */
    int level;                 /* OXT_BUTTON_LEVEL_* */
    long long level_id;
} oxt_button_have_t;

/** The level code of a role; 0 for OXT_ROLE_NONE. */
int oxt_button_level(oxt_role_t role);

/**
 * The buttons that should exist: the admin's and one per account whose
 * grant is in effect (oxt_grant_list). oxt_button_want_t in p.
 */
apr_status_t oxt_buttons_wanted(apr_array_header_t **pwant,
                                const oxt_psa_t *psa, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Plesk's buttons pointing at url: oxt_button_have_t in p. */
apr_status_t oxt_buttons_present(apr_array_header_t **phave,
                                 const oxt_psa_t *psa, oxt_db_t *db,
                                 const char *url, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * What closes the gap (pure): *pcreate gets the wanted buttons that are
 * missing (oxt_button_want_t), *premove the present ones nobody should
 * have, duplicates included (oxt_button_have_t). An admin button is the
 * admin's whatever its level_id.
 */
void oxt_buttons_plan(apr_array_header_t **pcreate,
                      apr_array_header_t **premove,
                      const apr_array_header_t *want,
                      const apr_array_header_t *have, apr_pool_t *p);

/**
 * The command line that creates want's button (tool first, NULL last):
 * our text, url, the navigation, in the panel's frame, not public (the
 * owner's sub-accounts do not inherit it), and -owner for everybody but
 * the admin. No secret is ever on it. In p.
 */
const char *const *oxt_buttons_create_argv(const char *tool,
                                           const oxt_button_want_t *want,
                                           const char *url, apr_pool_t *p);

/** The command line that removes a present button. In p. */
const char *const *oxt_buttons_remove_argv(const char *tool,
                                           const oxt_button_have_t *have,
                                           apr_pool_t *p);

#endif /* OXT_BUTTONS_H */
