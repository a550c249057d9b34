/*
 * oxt_desired.c — see oxt_desired.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_desired.h"
#include "oxt_crypto.h"
#include "oxt_status.h"

/* ---- lists -------------------------------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and removes duplicates in place. */
static void list_normalize(apr_array_header_t *list)
{
    const char **v = (const char **)list->elts;
    int i, n = 0;

    qsort(v, (size_t)list->nelts, sizeof(const char *), str_cmp);
    for (i = 0; i < list->nelts; i++) {
        if (n == 0 || strcmp(v[n - 1], v[i]) != 0) {
            v[n++] = v[i];
        }
    }
    list->nelts = n;
}

const char *oxt_desired_join(const apr_array_header_t *list, apr_pool_t *p)
{
    return list->nelts ? apr_array_pstrcat(p, list, '\n') : "";
}

const char *oxt_desired_join_sorted(const apr_array_header_t *list,
                                    const char *except, apr_pool_t *p)
{
    apr_array_header_t *copy = apr_array_make(p, 4, sizeof(const char *));
    const char *s;
    int i;

    for (i = 0; list != NULL && i < list->nelts; i++) {
        s = APR_ARRAY_IDX(list, i, const char *);
        if (s != NULL && (except == NULL || strcmp(s, except) != 0)) {
            APR_ARRAY_PUSH(copy, const char *) = s;
        }
    }
    list_normalize(copy);
    return oxt_desired_join(copy, p);
}

/* ---- context ------------------------------------------------------------- */

static int str_is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
    }
    return 1;
}

void oxt_desired_context(oxt_desired_context_t *ctx,
                         const oxt_desired_env_t *env,
                         const oxt_plesk_domain_t *dom,
                         const apr_array_header_t *alias_names,
                         const oxt_prefs_chain_t *chain, apr_pool_t *p)
{
    int i;

    ctx->name = dom->name;
    ctx->login_mappings = apr_array_make(p, 4, sizeof(const char *));
    APR_ARRAY_PUSH(ctx->login_mappings, const char *) = dom->name;
    for (i = 0; alias_names && i < alias_names->nelts; i++) {
        APR_ARRAY_PUSH(ctx->login_mappings, const char *) =
            APR_ARRAY_IDX(alias_names, i, const char *);
    }
    /* IDN domains: users may log in with the Unicode name only where the
     * OX server's mapping rule allows it (docs/reference/ox-soap.md §8). */
    if (env->unicode_mappings && dom->display_name != NULL
        && !str_is_ascii(dom->display_name)) {
        APR_ARRAY_PUSH(ctx->login_mappings, const char *) =
            dom->display_name;
    }
    list_normalize(ctx->login_mappings);
    ctx->quota_mb = oxt_prefs_domain_quota(chain, env->settings);
}

/* ---- user ------------------------------------------------------------------ */

const char *oxt_desired_ox_language(const char *plesk_locale, apr_pool_t *p)
{
    char *l;

    if (plesk_locale == NULL || strlen(plesk_locale) != 5
        || !apr_isalpha(plesk_locale[0]) || !apr_isalpha(plesk_locale[1])
        || (plesk_locale[2] != '-' && plesk_locale[2] != '_')
        || !apr_isalpha(plesk_locale[3]) || !apr_isalpha(plesk_locale[4])) {
        return NULL;
    }
    l = apr_pstrdup(p, plesk_locale);
    l[0] = (char)apr_tolower(l[0]);
    l[1] = (char)apr_tolower(l[1]);
    l[2] = '_';
    l[3] = (char)apr_toupper(l[3]);
    l[4] = (char)apr_toupper(l[4]);
    return l;
}

static const char *user_language(const oxt_desired_env_t *env,
                                 const oxt_plesk_mailbox_t *mbox,
                                 const oxt_prefs_chain_t *chain,
                                 apr_pool_t *p)
{
    const char *lang = oxt_prefs_language(chain, env->settings);
    const char *plesk;

    if (lang != NULL && strcmp(lang, OXT_SETTINGS_PLESK) != 0) {
        return lang;
    }
    plesk = oxt_desired_ox_language(mbox->domain.owner.locale, p);
    return plesk ? plesk : "en_US";
}

static const char *user_timezone(const oxt_desired_env_t *env,
                                 const oxt_prefs_chain_t *chain)
{
    const char *tz = oxt_prefs_timezone(chain, env->settings);

    if (tz != NULL && strcmp(tz, OXT_SETTINGS_PLESK) != 0) {
        return tz;
    }
    return env->plesk_timezone ? env->plesk_timezone : "UTC";
}

static apr_array_header_t *user_aliases(const oxt_plesk_mailbox_t *mbox,
                                        const apr_array_header_t *locals,
                                        const apr_array_header_t *domains,
                                        apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    const char *dom;
    int d, l;

    /* Every local name (the mailbox's and its aliases') at the domain and
     * at each of its mail-enabled aliases. */
    for (d = -1; d < (domains ? domains->nelts : 0); d++) {
        dom = d < 0 ? mbox->domain.name
                    : APR_ARRAY_IDX(domains, d, const char *);
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, mbox->mail_name, "@", dom, NULL);
        for (l = 0; locals && l < locals->nelts; l++) {
            APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p,
                APR_ARRAY_IDX(locals, l, const char *), "@", dom, NULL);
        }
    }
    list_normalize(out);
    return out;
}

/* Returns the reason the password cannot be used, or NULL. */
static const char *user_password(oxt_desired_user_t *user,
                                 const oxt_desired_env_t *env,
                                 const oxt_plesk_mailbox_t *mbox,
                                 apr_pool_t *p)
{
    const char *type = mbox->password_type ? mbox->password_type : "plain";
    const char *plain = NULL;
    apr_status_t rv = OXT_ECRYPTO;

    if (mbox->password == NULL || *mbox->password == '\0') {
        return OXT_WHY_NO_PASSWORD;
    }
    if (strcmp(type, "crypt") == 0) {
        return OXT_WHY_CRYPT_PASSWORD;
    }
    if (strcmp(type, "plain") == 0) {
        plain = mbox->password;
    }
    else if (strcmp(type, "sym") != 0 || env->plesk_key == NULL
             || oxt_crypto_plesk_sym_decrypt(&plain, env->plesk_key,
                                             mbox->password, NULL, p)
                != APR_SUCCESS) {
        return OXT_WHY_BAD_PASSWORD;
    }
    if (*plain == '\0') {
        return OXT_WHY_NO_PASSWORD;
    }
    user->password = plain;
    if (env->fp != NULL) {
        rv = oxt_crypto_fp_sum(env->fp, user->password_fp, plain);
    }
    else if (env->fp_key != NULL) {
        rv = oxt_crypto_fingerprint(user->password_fp, env->fp_key, 32,
                                    plain);
    }
    if (rv != APR_SUCCESS) {
        return OXT_WHY_BAD_PASSWORD;
    }
    return NULL;
}

/* The order says what a person is told first: a forward-only address is
 * never a mailbox, a suspended one or one whose domain has mail switched
 * off is held as it is (neither updated nor removed), and only a mailbox
 * that should be in OX is asked for a usable password. This part needs
 * no password; *phold is set for the reasons that hold OX as it is. */
static const char *user_reason_first(int *phold,
                                     const oxt_plesk_mailbox_t *mbox,
                                     const oxt_prefs_chain_t *chain)
{
    if (!mbox->postbox) {
        return OXT_WHY_FORWARD_ONLY;
    }
    if (oxt_plesk_domain_suspended(&mbox->domain)) {
        *phold = 1;
        return OXT_WHY_SUSPENDED;
    }
    if (!mbox->domain.mail_on) {
        *phold = 1;                    /* like a suspension: OX as it is */
        return OXT_WHY_MAIL_OFF;
    }
    if (!oxt_prefs_selected(chain) && !oxt_prefs_now_pending(chain)) {
        return OXT_WHY_NOT_SELECTED;
    }
    return NULL;
}

int oxt_desired_needs_password(const oxt_plesk_mailbox_t *mbox,
                               const oxt_prefs_chain_t *chain)
{
    int hold = 0;

    return user_reason_first(&hold, mbox, chain) == NULL;
}

static const char *user_reason(oxt_desired_user_t *user,
                               const oxt_desired_env_t *env,
                               const oxt_plesk_mailbox_t *mbox,
                               const oxt_prefs_chain_t *chain,
                               apr_pool_t *p)
{
    const char *why = user_reason_first(&user->hold, mbox, chain);

    return why ? why : user_password(user, env, mbox, p);
}

void oxt_desired_user(oxt_desired_user_t *user, const oxt_desired_env_t *env,
                      const oxt_plesk_mailbox_t *mbox,
                      const apr_array_header_t *mail_aliases,
                      const apr_array_header_t *domain_aliases,
                      const oxt_prefs_chain_t *chain, apr_pool_t *p)
{
    const oxt_settings_t *s = env->settings;

    memset(user, 0, sizeof(*user));
    user->name = mbox->mail_name;
    user->primary_email = mbox->address;
    user->display_name = apr_pstrcat(p, mbox->mail_name, "@",
                                     mbox->domain.display_name, NULL);
    user->given_name = mbox->mail_name;
    user->sur_name = mbox->domain.display_name;
    user->aliases = user_aliases(mbox, mail_aliases, domain_aliases, p);
    user->service = oxt_prefs_service(chain, s);
    user->language = user_language(env, mbox, chain, p);
    user->timezone = user_timezone(env, chain);
    user->imap_server = s->imap.host;
    user->imap_port = s->imap.port;
    user->smtp_server = s->smtp.host;
    user->smtp_port = s->smtp.port;
    user->imap_login = mbox->address;
    user->reason = user_reason(user, env, mbox, chain, p);
    if (user->reason == NULL && env->seats != NULL) {
        /* A refused mailbox is neither created nor changed nor removed:
         * OX keeps what it has, as for a suspension. */
        user->reason = oxt_seats_decide(env->seats, mbox->domain.id,
                                        mbox->id, user->service);
        user->hold = user->reason != NULL;
        user->password = user->reason ? NULL : user->password;
    }
    user->replicate = user->reason == NULL;
}
