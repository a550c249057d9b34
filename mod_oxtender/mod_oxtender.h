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

extern module AP_MODULE_DECLARE_DATA oxtender_module;

/* Server-wide: one configuration, one connection pool per process. */
typedef struct oxt_mod_srv_t {
    const char *config_path;       /* OxtenderConfig */
    oxt_config_t *cfg;             /* parsed at configuration time */
    int pool_max;                  /* OxtenderDBPoolMax, -1: unset */
    /* per process, made in child_init */
    oxt_db_pool_t *dbpool;
    apr_thread_mutex_t *psa_mutex;
    oxt_psa_t *psa;                /* probed on first use */
    apr_pool_t *process_pool;
} oxt_mod_srv_t;

#define OXT_MOD_DEFAULT_BASE "/oxtender"

/* Per <Location>: where the pages live. */
typedef struct oxt_mod_dir_t {
    const char *base;              /* OxtenderBaseURI, no trailing '/' */
} oxt_mod_dir_t;

/* The caller, as the authn provider found it; per request. */
typedef struct oxt_mod_req_t {
    oxt_identity_t *ident;
    oxt_db_t *db;
} oxt_mod_req_t;

extern const command_rec oxt_mod_cmds[];
void *oxt_mod_create_srv(apr_pool_t *p, server_rec *s);
void *oxt_mod_merge_srv(apr_pool_t *p, void *base, void *add);
void *oxt_mod_create_dir(apr_pool_t *p, char *dir);
void *oxt_mod_merge_dir(apr_pool_t *p, void *base, void *add);

/** Registers the authn provider "oxtender" and authz "oxtender-role". */
void oxt_mod_auth_register(apr_pool_t *p);

/** The request handler "oxtender". */
int oxt_mod_pages_handler(request_rec *r);

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
