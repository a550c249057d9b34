/*
 * oxt_plan.h — the operations that close the gap between what OX should
 * hold (oxt_desired) and what we last applied there (oxt_state), for one
 * domain. Pure: the same inputs always give the same plan, so "plan" (the
 * dry run) prints exactly what "run" would send.
 */
#ifndef OXT_PLAN_H
#define OXT_PLAN_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oxt_desired.h"
#include "oxt_state.h"

/*
 * The login of the context admins we create. Mailbox users are named by
 * their local part, which in Plesk holds letters, digits, '.', '-' and
 * '_' only, so a '$' keeps every mailbox from colliding with the admin
 * (by name, and by address: the admin's address is LOGIN@CONTEXT). The
 * admins of contexts made by earlier versions are named "oxadmin" (the
 * login is stored per domain, domain_state.admin_login): a mailbox of
 * that name there is not replicable (OXT_WHY_ADMIN_NAME).
 */
#define OXT_CONTEXT_ADMIN_LOGIN "oxadmin$"

typedef enum {
    OXT_OP_CONTEXT_CREATE = 0,
    OXT_OP_CONTEXT_CHANGE,
    OXT_OP_CONTEXT_DELETE,
    OXT_OP_ADMIN_CHANGE,         /* the context admin's address follows the
                                    context's name */
    OXT_OP_USER_CREATE,
    OXT_OP_USER_CHANGE,
    OXT_OP_USER_ACCESS,          /* change the access combination */
    OXT_OP_USER_DELETE,
    OXT_OP_USER_STATUS,          /* no OX call: record why not replicated */
    OXT_OP_CONTEXT_RECORD        /* no OX call: record what the context's
                                    domain became in Plesk when OX holds
                                    none of it (its display name) */
} oxt_op_kind_t;

/* What an OXT_OP_USER_CHANGE / OXT_OP_CONTEXT_CHANGE touches. */
#define OXT_CHG_NAME       0x001  /* user name (local part) */
#define OXT_CHG_EMAIL      0x002  /* primaryEmail, email1, aliases */
#define OXT_CHG_IMAP_LOGIN 0x004
#define OXT_CHG_PASSWORD   0x008
#define OXT_CHG_DISPLAY    0x010  /* display, given and sur name */
#define OXT_CHG_LANGUAGE   0x020
#define OXT_CHG_TIMEZONE   0x040
#define OXT_CHG_SERVERS    0x080  /* IMAP/SMTP servers */
#define OXT_CHG_MAPPINGS   0x100  /* context name and login mappings */
#define OXT_CHG_QUOTA      0x200  /* context quota */

/** One mailbox of the domain: psa row (NULL when deleted in Plesk), what
 *  it should be, and what was applied. */
typedef struct oxt_plan_user_t {
    const oxt_plesk_mailbox_t *mbox;
    const oxt_desired_user_t *want;         /* NULL when mbox is NULL */
    const oxt_applied_user_t *have;         /* NULL when never seen */
} oxt_plan_user_t;

typedef struct oxt_op_t {
    oxt_op_kind_t kind;
    unsigned changes;                       /* OXT_CHG_* */
    const oxt_plan_user_t *user;            /* user ops */
} oxt_op_t;

typedef struct oxt_plan_input_t {
    const oxt_plesk_domain_t *dom;          /* NULL: deleted in Plesk */
    const oxt_desired_context_t *want_ctx;  /* NULL when dom is NULL */
    const oxt_applied_context_t *have_ctx;
    const apr_array_header_t *users;        /* oxt_plan_user_t */
    int auto_delete;                        /* Settings */
} oxt_plan_input_t;

/**
 * The operations for a domain, in the order they must run (the context
 * and its admin before its users, users before the context's deletion),
 * as oxt_op_t in an array in p.
 *
 * What a crash left in doubt (oxt_state.h, OXT_DOUBT_*) is planned
 * again: unknown applied values differ from any wanted one; a context
 * whose deletion was sent (status "deleted") is deleted again, or, if
 * users want it again, created (a create that finds it adopts it); a
 * user whose create was sent without an answer (applied name, no OX id)
 * and that should now leave OX is deleted by name.
 */
apr_array_header_t *oxt_plan_domain(const oxt_plan_input_t *in,
                                    apr_pool_t *p);

/** The context admin's login: the one we created (have_ctx), or the one
 *  a create would use. */
const char *oxt_plan_admin_login(const oxt_applied_context_t *have_ctx);

/** The address the context admin should have: LOGIN@CONTEXT, in p. */
const char *oxt_plan_admin_address(const oxt_applied_context_t *have_ctx,
                                   const oxt_desired_context_t *want_ctx,
                                   apr_pool_t *p);

/** The OXT_CHG_* differences between a wanted and an applied user. */
unsigned oxt_plan_user_changes(const oxt_desired_user_t *want,
                               const oxt_applied_user_t *have,
                               apr_pool_t *p);

/** The mailbox_state status for a reason (NULL: "replicated"):
 *  "disabled" for choices and suspension, "unreplicable" otherwise. */
const char *oxt_plan_status(const char *reason);

/** "create user", "change context", ... */
const char *oxt_op_name(oxt_op_kind_t kind);

/** "password, aliases" for a change mask. */
const char *oxt_plan_changes_text(unsigned changes, apr_pool_t *p);

#endif /* OXT_PLAN_H */
