/*
 * oxt_plan.c — see oxt_plan.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#include "oxt_plan.h"

static const char *const op_names[] = {
    "create context", "change context", "delete context",
    "change context admin", "create user", "change user",
    "change service type", "delete user", "record status",
    "record context"
};

const char *oxt_op_name(oxt_op_kind_t kind)
{
    return (unsigned)kind < sizeof(op_names) / sizeof(op_names[0])
        ? op_names[kind] : "?";
}

static const struct {
    unsigned bit;
    const char *name;
} change_names[] = {
    { OXT_CHG_NAME, "name" },
    { OXT_CHG_EMAIL, "addresses" },
    { OXT_CHG_IMAP_LOGIN, "IMAP login" },
    { OXT_CHG_PASSWORD, "password" },
    { OXT_CHG_DISPLAY, "display name" },
    { OXT_CHG_LANGUAGE, "language" },
    { OXT_CHG_TIMEZONE, "time zone" },
    { OXT_CHG_SERVERS, "mail servers" },
    { OXT_CHG_MAPPINGS, "name and login mappings" },
    { OXT_CHG_QUOTA, "quota" },
};

const char *oxt_plan_changes_text(unsigned changes, apr_pool_t *p)
{
    const char *out = NULL;
    size_t i;

    for (i = 0; i < sizeof(change_names) / sizeof(change_names[0]); i++) {
        if (changes & change_names[i].bit) {
            out = out ? apr_pstrcat(p, out, ", ", change_names[i].name, NULL)
                      : change_names[i].name;
        }
    }
    return out ? out : "";
}

static int str_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

unsigned oxt_plan_user_changes(const oxt_desired_user_t *want,
                               const oxt_applied_user_t *have,
                               apr_pool_t *p)
{
    unsigned c = 0;

    c |= str_differs(want->name, have->mail_name) ? OXT_CHG_NAME : 0;
    c |= str_differs(want->primary_email, have->address)
         ? OXT_CHG_EMAIL | OXT_CHG_IMAP_LOGIN : 0;
    c |= str_differs(oxt_desired_join(want->aliases, p), have->aliases)
         ? OXT_CHG_EMAIL : 0;
    c |= !have->has_fp
         || memcmp(want->password_fp, have->password_fp, OXT_FP_LEN) != 0
         ? OXT_CHG_PASSWORD : 0;
    c |= str_differs(want->display_name, have->display_name)
         ? OXT_CHG_DISPLAY : 0;
    c |= str_differs(want->language, have->language) ? OXT_CHG_LANGUAGE : 0;
    c |= str_differs(want->timezone, have->timezone) ? OXT_CHG_TIMEZONE : 0;
    c |= str_differs(oxt_state_server(want->imap_server, want->imap_port, p),
                     have->imap_server)
         || str_differs(oxt_state_server(want->smtp_server, want->smtp_port,
                                         p), have->smtp_server)
         ? OXT_CHG_SERVERS : 0;
    return c;
}

static void plan_push(apr_array_header_t *ops, oxt_op_kind_t kind,
                      unsigned changes, const oxt_plan_user_t *user)
{
    oxt_op_t *op = apr_array_push(ops);

    op->kind = kind;
    op->changes = changes;
    op->user = user;
}

static int user_in_ox(const oxt_plan_user_t *u)
{
    return u->have != NULL && u->have->ox_user_id > 0;
}

/* A create was sent and its answer lost: the user may be in OX. */
static int user_maybe_in_ox(const oxt_plan_user_t *u)
{
    return u->have != NULL && u->have->ox_user_id <= 0
        && u->have->mail_name != NULL;
}

const char *oxt_plan_admin_login(const oxt_applied_context_t *have_ctx)
{
    return have_ctx != NULL && have_ctx->admin_login != NULL
           ? have_ctx->admin_login : OXT_CONTEXT_ADMIN_LOGIN;
}

const char *oxt_plan_admin_address(const oxt_applied_context_t *have_ctx,
                                   const oxt_desired_context_t *want_ctx,
                                   apr_pool_t *p)
{
    return apr_pstrcat(p, oxt_plan_admin_login(have_ctx), "@",
                       want_ctx->name, NULL);
}

/* Does the user's name or one of its addresses belong to the context
 * admin? OX keeps names and addresses unique per context, so such a
 * mailbox cannot be created, and adopting what OX answers would hand the
 * admin's rights to the mailbox's owner. */
static int user_clashes(const oxt_desired_user_t *want, const char *login,
                        const char *admin_address)
{
    int i;

    if (strcasecmp(want->name, login) == 0
        || strcasecmp(want->primary_email, admin_address) == 0) {
        return 1;
    }
    for (i = 0; want->aliases && i < want->aliases->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(want->aliases, i, const char *),
                       admin_address) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The user as it is planned: a mailbox that clashes with the context
 * admin is not replicable, and says why. */
static const oxt_plan_user_t *plan_user_as(const oxt_plan_user_t *u,
                                           const oxt_plan_input_t *in,
                                           apr_pool_t *p)
{
    oxt_plan_user_t *copy;
    oxt_desired_user_t *want;

    if (u->want == NULL || !u->want->replicate || in->want_ctx == NULL
        || !user_clashes(u->want, oxt_plan_admin_login(in->have_ctx),
                         oxt_plan_admin_address(in->have_ctx, in->want_ctx,
                                                p))) {
        return u;
    }
    copy = apr_pmemdup(p, u, sizeof(*u));
    want = apr_pmemdup(p, u->want, sizeof(*want));
    want->replicate = 0;
    want->reason = OXT_WHY_ADMIN_NAME;
    copy->want = want;
    return copy;
}

/* Should the user leave OX (where it is there)? Only a mailbox gone from
 * Plesk or one that should no longer be in OX: a suspended one is held as
 * it is, and an unreadable or missing password never removes a user. */
static int user_should_leave(const oxt_plan_user_t *u)
{
    const char *why;

    if (u->mbox == NULL || u->want == NULL) {
        return 1;
    }
    if (u->want->hold || u->want->replicate) {
        return 0;
    }
    why = u->want->reason;
    return strcmp(why, OXT_WHY_NOT_SELECTED) == 0
        || strcmp(why, OXT_WHY_FORWARD_ONLY) == 0;
}

/* Will the user be in OX once the plan has run? */
static int user_stays(const oxt_plan_user_t *u, int auto_delete)
{
    if (u->mbox != NULL && u->want != NULL && u->want->replicate) {
        return 1;
    }
    return user_in_ox(u) && !(user_should_leave(u) && auto_delete);
}

const char *oxt_plan_status(const char *reason)
{
    if (reason == NULL) {
        return "replicated";
    }
    if (strcmp(reason, OXT_WHY_SUSPENDED) == 0
        || strcmp(reason, OXT_WHY_MAIL_OFF) == 0
        || strcmp(reason, OXT_WHY_NOT_SELECTED) == 0) {
        return "disabled";
    }
    return "unreplicable";
}

/* Records why a mailbox is not replicated, but only when that is news: a
 * pass over a million unselected mailboxes must not write a million rows.
 * A pending service type change is news too, unless the mailbox is held:
 * OX gets nothing for this mailbox now, so the change is recorded as done
 * (a held one gets it once the hold ends). */
static void plan_status(apr_array_header_t *ops, const oxt_plan_user_t *u)
{
    const char *reason = u->want ? u->want->reason : NULL;

    if (u->mbox == NULL || reason == NULL) {
        return;
    }
    if (u->have == NULL) {
        if (strcmp(reason, OXT_WHY_NOT_SELECTED) != 0) {
            plan_push(ops, OXT_OP_USER_STATUS, 0, u);
        }
        return;
    }
    if (str_differs(u->have->status_reason, reason)
        || str_differs(u->have->status, oxt_plan_status(reason))
        || (u->have->has_pending && !u->want->hold)) {
        plan_push(ops, OXT_OP_USER_STATUS, 0, u);
    }
}

static void plan_user(apr_array_header_t *ops, const oxt_plan_user_t *u,
                      int auto_delete, apr_pool_t *p)
{
    unsigned changes;

    if (user_should_leave(u)) {
        /* Deleted only when the admin allows it; otherwise it stays in
         * OX and its status says why. */
        if ((user_in_ox(u) || user_maybe_in_ox(u)) && auto_delete) {
            plan_push(ops, OXT_OP_USER_DELETE, 0, u);
        }
        else {
            plan_status(ops, u);
        }
        return;
    }
    if (!u->want->replicate) {
        plan_status(ops, u);
        return;
    }
    if (!user_in_ox(u)) {
        plan_push(ops, OXT_OP_USER_CREATE, 0, u);
        return;
    }
    changes = oxt_plan_user_changes(u->want, u->have, p);
    if (changes) {
        plan_push(ops, OXT_OP_USER_CHANGE, changes, u);
    }
    if (u->have->service != (int)u->want->service) {
        plan_push(ops, OXT_OP_USER_ACCESS, 0, u);
    }
    /* In OX as it should be, but the status still tells of a suspension
     * or an old error, or of a service type change that is no longer
     * wanted: say it is replicated again. */
    if (!changes && u->have->service == (int)u->want->service
        && (str_differs(u->have->status, "replicated")
            || u->have->has_pending)) {
        plan_push(ops, OXT_OP_USER_STATUS, 0, u);
    }
}

static int plan_users_left(const apr_array_header_t *users, int auto_delete)
{
    int i, left = 0;

    for (i = 0; i < users->nelts; i++) {
        left += user_stays(&APR_ARRAY_IDX(users, i, const oxt_plan_user_t),
                           auto_delete);
    }
    return left;
}

static unsigned plan_context_changes(const oxt_desired_context_t *want,
                                     const oxt_applied_context_t *have,
                                     apr_pool_t *p)
{
    unsigned c = 0;

    c |= str_differs(want->name, have->context_name)
         || str_differs(oxt_desired_join(want->login_mappings, p),
                        have->mappings) ? OXT_CHG_MAPPINGS : 0;
    c |= want->quota_mb != have->quota_mb ? OXT_CHG_QUOTA : 0;
    return c;
}

/* The context and its admin, when users are to stay in it. */
static void plan_context(apr_array_header_t *ops, const oxt_plan_input_t *in,
                         int have_ctx, apr_pool_t *p)
{
    const oxt_applied_context_t *have = in->have_ctx;
    unsigned changes;

    if (!have_ctx) {
        /* The admin is created with its address. */
        plan_push(ops, OXT_OP_CONTEXT_CREATE, 0, NULL);
        return;
    }
    changes = plan_context_changes(in->want_ctx, have, p);
    if (changes) {
        plan_push(ops, OXT_OP_CONTEXT_CHANGE, changes, NULL);
    }
    /* OX has no display name for a context, but events name an IDN
     * domain by it (oxt_state_domain_named): a change is recorded
     * without a call, and by the context change when there is one. */
    else if (str_differs(in->dom->display_name, have->display_name)) {
        plan_push(ops, OXT_OP_CONTEXT_RECORD, OXT_CHG_DISPLAY, NULL);
    }
    if (str_differs(oxt_plan_admin_address(have, in->want_ctx, p),
                    have->admin_address)) {
        plan_push(ops, OXT_OP_ADMIN_CHANGE, 0, NULL);
    }
}

/* A context whose deletion was sent without an answer. */
static int context_deleting(const oxt_applied_context_t *have)
{
    return have != NULL && have->ox_context_id > 0 && have->status != NULL
        && strcmp(have->status, "deleted") == 0;
}

apr_array_header_t *oxt_plan_domain(const oxt_plan_input_t *in,
                                    apr_pool_t *p)
{
    apr_array_header_t *ops = apr_array_make(p, 8, sizeof(oxt_op_t));
    int deleting = context_deleting(in->have_ctx);
    int have_ctx = in->have_ctx && in->have_ctx->ox_context_id > 0
                   && !deleting;
    int left = plan_users_left(in->users, in->auto_delete);
    int i;

    /* A suspended domain (or owner), or one whose mail service is off,
     * is neither created, changed nor deleted in OX: its mailboxes only
     * say why. */
    if (in->dom != NULL
        && (oxt_plesk_domain_suspended(in->dom) || !in->dom->mail_on)) {
        for (i = 0; i < in->users->nelts; i++) {
            plan_status(ops, &APR_ARRAY_IDX(in->users, i,
                                            const oxt_plan_user_t));
        }
        return ops;
    }
    if (left > 0 && in->dom != NULL) {
        plan_context(ops, in, have_ctx, p);
    }
    for (i = 0; i < in->users->nelts; i++) {
        plan_user(ops, plan_user_as(&APR_ARRAY_IDX(in->users, i,
                                                   const oxt_plan_user_t),
                                    in, p), in->auto_delete, p);
    }
    /* The last user gone: the context goes too, if the admin allows. */
    if (left == 0 && (have_ctx || deleting) && in->auto_delete) {
        plan_push(ops, OXT_OP_CONTEXT_DELETE, 0, NULL);
    }
    return ops;
}
