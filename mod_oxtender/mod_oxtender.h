/*
 * mod_oxtender.h — shared by the module's files (Apache glue only: the
 * work is done by the core in lib/).
 */
#ifndef MOD_OXTENDER_H
#define MOD_OXTENDER_H

#include <httpd.h>
#include <http_config.h>
#include <apr_thread_mutex.h>

#include "oxt_config.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_grant.h"
#include "oxt_throttle.h"

extern module AP_MODULE_DECLARE_DATA oxtender_module;

/* Server-wide: one configuration, one connection pool per process. */
typedef struct oxt_mod_srv_t {
    const char *config_path;       /* OxtenderConfig */
    oxt_config_t *cfg;             /* parsed at configuration time */
    int pool_max;                  /* OxtenderDBPoolMax, -1: unset */
    apr_array_header_t *proxies;   /* OxtenderTrustedProxy; NULL: unset */
    const char *addr_header;       /* OxtenderClientAddressHeader */
    const char **panel_origins;    /* OxtenderPanelOrigin, NULL-terminated;
                                      NULL: unset */
    int throttle_set;              /* OxtenderLoginThrottle seen */
    int throttle_on;
    oxt_throttle_t throttle;
    /* per process, made in child_init */
    oxt_db_pool_t *dbpool;
    apr_thread_mutex_t *psa_mutex;
    oxt_psa_t *psa;                /* probed on first use */
    const unsigned char *binding_key;  /* NULL: secret key unreadable */
    const unsigned char *csrf_key;     /* the page kit's CSRF tokens */
    const unsigned char *msg_key;      /* messages carried by redirects */
    apr_pool_t *process_pool;
} oxt_mod_srv_t;

#define OXT_MOD_DEFAULT_BASE "/oxtender"
#define OXT_MOD_DEFAULT_STATIC "/oxtender-static"
#define OXT_MOD_AUTH_TYPE    "Oxtender"
#define OXT_MOD_DEFAULT_ADDR_HEADER "X-Forwarded-For"

/* Per <Location>: where the pages live and how callers sign in. Unset:
 * NULL or -1. */
typedef struct oxt_mod_dir_t {
    const char *base;              /* OxtenderBaseURI, no trailing '/' */
    const char *cookie;            /* OxtenderSessionCookie */
    int idle_timeout;              /* OxtenderSessionIdleTimeout */
    int basic;                     /* OxtenderBasicAuth */
    const char *static_base;       /* OxtenderStaticURI */
    int static_files;              /* OxtenderStatic: our headers on the
                                      static files; -1 unset */
} oxt_mod_dir_t;

/* The caller, as our authentication found it; per request. */
typedef struct oxt_mod_req_t {
    oxt_identity_t *ident;
    oxt_db_t *db;
    const char *client_addr;       /* after OxtenderTrustedProxy */
    oxt_grant_t *grant;            /* decided once per request */
    /* an error response of ours is prepared: its status and type */
    int error_status;
    const char *error_type;
} oxt_mod_req_t;

extern const command_rec oxt_mod_cmds[];
void *oxt_mod_create_srv(apr_pool_t *p, server_rec *s);
void *oxt_mod_merge_srv(apr_pool_t *p, void *base, void *add);
void *oxt_mod_create_dir(apr_pool_t *p, char *dir);
void *oxt_mod_merge_dir(apr_pool_t *p, void *base, void *add);

/** Registers "AuthType Oxtender" (hooks) and authz "oxtender-role". */
void oxt_mod_auth_register(apr_pool_t *p);

/** This request's record (created on first use). */
oxt_mod_req_t *oxt_mod_req(request_rec *r);

/** The per-directory settings with their defaults applied. */
const char *oxt_mod_dir_cookie(const oxt_mod_dir_t *d);
int oxt_mod_dir_idle(const oxt_mod_dir_t *d);
int oxt_mod_dir_basic(const oxt_mod_dir_t *d);
const char *oxt_mod_dir_base(const oxt_mod_dir_t *d);
const char *oxt_mod_dir_static(const oxt_mod_dir_t *d);

/* ---- responses (mod_oxtender_error.c) ----------------------------------- */

/** Cache-Control, nosniff, CSP (frame-ancestors 'self'), Referrer-Policy. */
void oxt_mod_security_headers(apr_table_t *t);

/** ?format=json */
int oxt_mod_wants_json(request_rec *r);

/**
 * Prepares our own response for an error status (401, 403, 404, 405,
 * 429, 500, 503): the security headers, and a UTF-8 body, HTML or JSON
 * ({"status", "error": code, "message", "can_grant"}), that Apache sends
 * instead of its own page. granters (oxt_granter_t, may be NULL) lists
 * who could grant access. Returns status, so a hook writes
 * "return oxt_mod_fail(r, HTTP_NOT_FOUND, ...);".
 */
int oxt_mod_fail(request_rec *r, int status, const char *code,
                 const char *message, const apr_array_header_t *granters);

/** Registers the error-type filter and its hook. */
void oxt_mod_error_register(apr_pool_t *p);

/**
 * Is the caller allowed in at all (not suspended, access granted)? OK, or
 * the status of the prepared refusal. Decided once per request.
 */
int oxt_mod_access(request_rec *r, oxt_mod_req_t *req);

/** The request handler "oxtender". */
int oxt_mod_pages_handler(request_rec *r);

/** Our headers (and a content type) on the static files (OxtenderStatic
 *  On): a fixups hook. */
int oxt_mod_static_fixups(request_rec *r);

/**
 * A database connection for this request (from the process pool, back
 * when the request ends) and the probed psa handle; when *pdb is set
 * already (the authn provider's), it is used. On failure logs why and
 * returns the HTTP status to answer with.
 */
int oxt_mod_db(oxt_db_t **pdb, const oxt_psa_t **ppsa, request_rec *r);

/** The HTTP status for a core status. */
int oxt_mod_http_status(apr_status_t rv);

#endif /* MOD_OXTENDER_H */
