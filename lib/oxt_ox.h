/*
 * oxt_ox.h — the Open-Xchange provisioning operations the replicator uses,
 * as typed requests and replies on top of oxt_soap.h.
 *
 * Shape: a builder (oxt_ox_context_create, oxt_ox_user_change, ...) makes
 * an operation (oxt_ox_op_t) in a pool; oxt_ox_submit() queues it with a
 * callback and oxt_soap_client_run() drives it, or oxt_ox_call() does both
 * and waits. The reply (oxt_ox_reply_t) and everything in it live in the
 * pool the operation was built in.
 *
 * Services, element names, parameter order and namespaces follow
 * docs/reference/ox-soap.md §1-§5: standalone installations use
 * OXContextService and OXUserService, cloud ("reseller") ones
 * OXResellerContextService and OXResellerUserService. Context operations
 * authenticate with the configured master (or reseller) account, user
 * operations with the context admin, unless master_override is set.
 */
#ifndef OXT_OX_H
#define OXT_OX_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oxt_soap.h"

#define OXT_OX_NS_SOAP      "http://soap.admin.openexchange.com"
#define OXT_OX_NS_RESELLER  "http://soap.reseller.admin.openexchange.com"
#define OXT_OX_NS_OBJECTS   "http://dataobjects.soap.admin.openexchange.com/xsd"
#define OXT_OX_NS_RMI       "http://dataobjects.rmi.admin.openexchange.com/xsd"

/** Quotas are in MB; -1 is unlimited, this value means "not set". */
#define OXT_OX_QUOTA_UNSET  (-2LL)

typedef enum {
    OXT_OX_STANDALONE = 0,      /* OXContextService, OXUserService */
    OXT_OX_RESELLER             /* OXReseller*Service (OX cloud) */
} oxt_ox_conn_type_t;

typedef struct oxt_ox_creds_t {
    const char *login;
    const char *password;       /* never logged */
} oxt_ox_creds_t;

typedef struct oxt_ox_settings_t {
    const char *base_url;       /* e.g. "https://ox.example.com/webservices" */
    oxt_ox_conn_type_t type;
    oxt_ox_creds_t master;      /* master admin, or the reseller account */
    int master_override;        /* user operations with master too */
    int allow_plain_http;       /* plain HTTP to a host that is not this
                                   machine (ox_allow_plain_http) */
} oxt_ox_settings_t;

/** A context. In requests NULL / 0 / OXT_OX_QUOTA_UNSET leave a field out. */
typedef struct oxt_ox_context_t {
    int id;
    const char *name;
    apr_array_header_t *login_mappings;  /* const char * */
    long long max_quota;
    long long used_quota;                /* replies only */
    int enabled;                         /* replies only; -1 unknown */
} oxt_ox_context_t;

/** A user. In requests NULL / 0 / OXT_OX_QUOTA_UNSET leave a field out. */
typedef struct oxt_ox_user_t {
    int id;
    const char *name;
    const char *password;                /* requests only; never logged */
    const char *display_name;
    const char *given_name;
    const char *sur_name;
    const char *primary_email;
    const char *email1;
    const char *default_sender;
    apr_array_header_t *aliases;         /* const char * */
    const char *imap_server;             /* "imap://host:143" or host */
    int imap_port;
    const char *imap_login;
    const char *smtp_server;
    int smtp_port;
    const char *language;                /* ll_CC */
    const char *timezone;                /* Olson id */
    long long max_quota;
    int context_admin;                   /* replies only: 1 the context's
                                            admin, 0 not, -1 unknown */
} oxt_ox_user_t;

typedef struct oxt_ox_t oxt_ox_t;
typedef struct oxt_ox_op_t oxt_ox_op_t;

/** What came back; lives in the operation's pool. */
typedef struct oxt_ox_reply_t {
    apr_status_t status;                 /* APR_SUCCESS or OXT_ESOAP_* */
    oxt_result_t *res;                   /* with the server's text */
    oxt_ox_context_t *context;           /* context create, getData */
    oxt_ox_user_t *user;                 /* user create, getData */
    apr_array_header_t *contexts;        /* context list: oxt_ox_context_t * */
    apr_array_header_t *users;           /* user list: oxt_ox_user_t * (id) */
    int exists;                          /* exists */
    long long number;                    /* getAdminId: a user id > 0 */
    const char *text;                    /* getAccessCombinationName; NULL
                                            when the rights match no name */
} oxt_ox_reply_t;

typedef void oxt_ox_done_cb(void *baton, oxt_ox_op_t *op,
                            const oxt_ox_reply_t *reply);

/** Empty objects in p, every field unset. */
oxt_ox_context_t *oxt_ox_context_make(apr_pool_t *p);
oxt_ox_user_t *oxt_ox_user_make(apr_pool_t *p);

/**
 * Binds the OX settings (copied into p) to a SOAP client that p must not
 * outlive. OXT_ECONFIG when oxt_ox_transport_check refuses base_url.
 */
apr_status_t oxt_ox_create(oxt_ox_t **pox, const oxt_ox_settings_t *s,
                           oxt_soap_client_t *client, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The SOAP base URL for the Settings' OX host ("host[:port]"), in p. */
const char *oxt_ox_base_url(int https, const char *host, apr_pool_t *p);

/**
 * NULL when base_url is HTTPS or names this machine (loopback), else the
 * warning for people: every password we send OX would travel in clear.
 * allowed says whether ox_allow_plain_http is set (the text differs).
 * Lives in p.
 */
const char *oxt_ox_plain_http_warning(const char *base_url, int allowed,
                                      apr_pool_t *p);

/**
 * APR_SUCCESS unless credentials would go over plain HTTP to a host that
 * is not this machine without allow_plain_http: then OXT_ECONFIG, with
 * the fix in res (may be NULL).
 */
apr_status_t oxt_ox_transport_check(const oxt_ox_settings_t *s,
                                    oxt_result_t *res, apr_pool_t *p);

/* ---- context operations (master or reseller credentials) --------------
 * Each builds *pop in p. APR_EINVAL when a value cannot be sent as XML
 * text (invalid UTF-8, control characters) or a required part is missing.
 */

/** create, or createModuleAccessByName when access is not NULL. */
apr_status_t oxt_ox_context_create(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   const oxt_ox_user_t *admin,
                                   const char *access, apr_pool_t *p);
/** change: ctx->id identifies; name, login mappings, quota if set. */
apr_status_t oxt_ox_context_change(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p);
apr_status_t oxt_ox_context_delete(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p);
/** getData by id, or by name when id is 0. */
apr_status_t oxt_ox_context_get_data(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                     const oxt_ox_context_t *ctx,
                                     apr_pool_t *p);
apr_status_t oxt_ox_context_exists(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                   const oxt_ox_context_t *ctx,
                                   apr_pool_t *p);
/** getAdminId: the OX user id of the context's admin (reply->number). */
apr_status_t oxt_ox_context_get_admin_id(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                         const oxt_ox_context_t *ctx,
                                         apr_pool_t *p);
/** list with an OX search pattern ("*" for all). */
apr_status_t oxt_ox_context_list(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                 const char *pattern, apr_pool_t *p);

/* ---- user operations (context admin credentials) ----------------------
 * ctx identifies the context (id, or name); admin are the context admin's
 * credentials and may be NULL only with master_override.
 */

/** create, or createByModuleAccessName when access is not NULL. */
apr_status_t oxt_ox_user_create(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user,
                                const char *access, apr_pool_t *p);
/** change: user->id (or name) identifies; only set fields are sent. */
apr_status_t oxt_ox_user_change(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p);
/** changeByModuleAccessName. */
apr_status_t oxt_ox_user_change_access(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                       const oxt_ox_context_t *ctx,
                                       const oxt_ox_creds_t *admin,
                                       const oxt_ox_user_t *user,
                                       const char *access, apr_pool_t *p);
apr_status_t oxt_ox_user_delete(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p);
apr_status_t oxt_ox_user_get_data(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                  const oxt_ox_context_t *ctx,
                                  const oxt_ox_creds_t *admin,
                                  const oxt_ox_user_t *user, apr_pool_t *p);
/** getMultipleData of users (oxt_ox_user_t *, by id; at least one): the
 *  users in reply->users. OX answers "no such user" for the whole call
 *  when one of them is missing. */
apr_status_t oxt_ox_user_get_multiple(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                      const oxt_ox_context_t *ctx,
                                      const oxt_ox_creds_t *admin,
                                      const apr_array_header_t *users,
                                      apr_pool_t *p);
/** getAccessCombinationName: reply->text, NULL (nil) when the user's
 *  rights match no named combination. */
apr_status_t oxt_ox_user_get_access_name(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                         const oxt_ox_context_t *ctx,
                                         const oxt_ox_creds_t *admin,
                                         const oxt_ox_user_t *user,
                                         apr_pool_t *p);
apr_status_t oxt_ox_user_exists(oxt_ox_op_t **pop, oxt_ox_t *ox,
                                const oxt_ox_context_t *ctx,
                                const oxt_ox_creds_t *admin,
                                const oxt_ox_user_t *user, apr_pool_t *p);
/** list: users with only their id set ("*" for all). */
apr_status_t oxt_ox_user_list(oxt_ox_op_t **pop, oxt_ox_t *ox,
                              const oxt_ox_context_t *ctx,
                              const oxt_ox_creds_t *admin,
                              const char *pattern, apr_pool_t *p);

/* ---- running ---------------------------------------------------------- */

/** Queues op; cb (may be NULL) gets the reply from oxt_soap_client_run. */
apr_status_t oxt_ox_submit(oxt_ox_t *ox, oxt_ox_op_t *op,
                           oxt_ox_done_cb *cb, void *baton);

/**
 * Runs op to the end and points *preply at its reply (in op's pool).
 * Returns the reply's status.
 */
apr_status_t oxt_ox_call(const oxt_ox_reply_t **preply, oxt_ox_t *ox,
                         oxt_ox_op_t *op);

/** The SOAP client ox was created with (to run it). */
oxt_soap_client_t *oxt_ox_client(const oxt_ox_t *ox);

/** The underlying SOAP call: request XML, debug capture, HTTP status. */
oxt_soap_call_t *oxt_ox_op_call(const oxt_ox_op_t *op);

/** "OXUserService.create": service and operation, for logs. */
const char *oxt_ox_op_name(const oxt_ox_op_t *op);

#endif /* OXT_OX_H */
