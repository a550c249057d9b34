/*
 * oxsim.h — shared types of the OX SOAP emulator (tests/oxsim).
 *
 * The emulator answers the OX admin SOAP API the way a real Open-Xchange
 * server does (docs/reference/ox-soap.md): same operation names, parameter
 * orders, response shapes and fault texts, and the same server-side rules.
 * It keeps everything in memory behind one mutex; requests are parsed
 * outside it.
 */
#ifndef OXSIM_H
#define OXSIM_H

/* memmem, strcasecmp, sigwait and friends under -std=c11 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <apr_pools.h>
#include <libxml/tree.h>

/* ---- growable byte buffer (malloc, never a pool: responses outlive calls) */

typedef struct {
    char *s;
    size_t len;
    size_t cap;
} oxsim_buf_t;

void oxsim_buf_init(oxsim_buf_t *b);
void oxsim_buf_free(oxsim_buf_t *b);
void oxsim_buf_add(oxsim_buf_t *b, const char *s, size_t n);
void oxsim_buf_puts(oxsim_buf_t *b, const char *s);
void oxsim_buf_printf(oxsim_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Appends s with &, <, >, " escaped for XML text and attributes. */
void oxsim_buf_xml(oxsim_buf_t *b, const char *s);
/** Appends s as a JSON string literal, or null when s is NULL. */
void oxsim_buf_json(oxsim_buf_t *b, const char *s);

/* ---- string-keyed hash map (keys copied; values borrowed) ------------- */

typedef struct oxsim_map oxsim_map_t;

oxsim_map_t *oxsim_map_new(void);
void oxsim_map_free(oxsim_map_t *m);
void *oxsim_map_get(const oxsim_map_t *m, const char *key);
void oxsim_map_put(oxsim_map_t *m, const char *key, void *val);
void *oxsim_map_del(oxsim_map_t *m, const char *key);
size_t oxsim_map_count(const oxsim_map_t *m);

/* ---- knobs, RNG and counters (oxsim_config.c) ------------------------- */

typedef struct {
    long latency_ms;
    long jitter_ms;
    double fault_rate;
    double http500_rate;
    double drop_rate;
    double hang_rate;
    long max_conns;
    long max_request_bytes;
    long hang_max_ms;
    long hang_call;                  /* the Nth SOAP call from now hangs */
    int exception_id;
    int unicode_mappings;
    int master_override;
    int username_changeable;         /* OX's USERNAME_CHANGEABLE */
    int primary_mail_unchangeable;   /* OX's PRIMARY_MAIL_UNCHANGEABLE */
    int fault_detail;                /* faults carry a typed <detail> */
} oxsim_knobs_t;

void oxsim_cfg_init(void);
void oxsim_cfg_cleanup(void);
/** Sets a knob by its flag name without dashes ("fault_rate", "fault-rate").
 *  Returns 0, or -1 with a reason in err. */
int oxsim_cfg_set(const char *key, const char *val, char *err, size_t errlen);
void oxsim_cfg_snapshot(oxsim_knobs_t *k);
/** Counts one SOAP call against hang_call: 1 when this is the call it
 *  names (the knob is then 0 again). */
int oxsim_cfg_take_hang_call(void);
void oxsim_cfg_json(oxsim_buf_t *b);
int oxsim_cfg_is_master(const char *login, const char *pass);
/** 1 when login/pass is a configured reseller account. */
int oxsim_cfg_is_reseller(const char *login, const char *pass);
/** 1 when login is the master's login (whatever the password). */
int oxsim_cfg_is_master_login(const char *login);
/** A uniform double in [0,1) from the seeded generator. */
double oxsim_rng_uniform(void);
/** The "; exceptionId N-M" suffix OX 7.10.4+ appends, into out. */
void oxsim_cfg_exception_id(char *out, size_t outlen);

typedef enum {
    OXSIM_CNT_CONN_ACCEPTED = 0,
    OXSIM_CNT_CONN_REFUSED,
    OXSIM_CNT_CONN_HWM,
    OXSIM_CNT_REQUESTS,
    OXSIM_CNT_FAULTS_RETURNED,
    OXSIM_CNT_INJ_FAULT,
    OXSIM_CNT_INJ_HTTP500,
    OXSIM_CNT_INJ_DROP,
    OXSIM_CNT_INJ_HANG,
    OXSIM_CNT_REJECTED_SIZE,
    OXSIM_CNT_REJECTED_XML,
    OXSIM_CNT_ANSWERS,       /* SOAP answers sent (neither dropped nor hung) */
    OXSIM_CNT_ANSWER_US,     /* ... their microseconds from arrival to sent */
    OXSIM_CNT_WORK_US,       /* ... of it until the answer was ready */
    OXSIM_CNT__MAX
} oxsim_counter_t;

void oxsim_count(oxsim_counter_t c, long delta);
void oxsim_count_call(const char *service, const char *op);
/** Connection bookkeeping for max_conns; returns 0 when refused. */
int oxsim_conn_open(long max_conns);
void oxsim_conn_close(void);
void oxsim_counters_json(oxsim_buf_t *b);
void oxsim_counters_reset(void);

/* ---- data model (oxsim_store.c) --------------------------------------- */

/* Field types of the User object, as in OX's schema
 * (docs/reference/ox-soap.md §5.3). */
#define OXSIM_T_STR   's'
#define OXSIM_T_INT   'i'
#define OXSIM_T_LONG  'l'
#define OXSIM_T_BOOL  'b'
#define OXSIM_T_DATE  'd'
#define OXSIM_T_CPLX  'x'   /* complex type we do not keep: always nil */
#define OXSIM_T_LIST  'a'   /* aliases */

typedef struct {
    const char *name;
    char type;
} oxsim_field_def_t;

extern const oxsim_field_def_t oxsim_user_fields[];
extern const int oxsim_user_nfields;
/** Index of a User field by element name, or -1. */
int oxsim_user_field(const char *name);

typedef struct {
    uint16_t idx;
    char *val;
} oxsim_kv_t;

typedef struct oxsim_ctx oxsim_ctx_t;
typedef struct oxsim_call oxsim_call_t;

typedef struct oxsim_user {
    int id;
    int is_admin;
    uint32_t access;
    oxsim_kv_t *kv;           /* sparse set fields, sorted by idx */
    int nkv;
    char **aliases;
    int naliases;
    oxsim_ctx_t *ctx;
    struct oxsim_user *prev, *next;
} oxsim_user_t;

struct oxsim_ctx {
    int id;
    char *name;
    long long max_quota_mb;
    int enabled;
    char **mappings;
    int nmappings;
    char *owner;              /* reseller login, NULL for master-created */
    uint32_t access;          /* default rights for users created later */
    int admin_id;
    int next_uid;
    int nusers;
    oxsim_user_t *users, *users_tail;
    oxsim_ctx_t *prev, *next;
};

/* Module access (docs/reference/ox-soap.md §5.4): bit i is
 * oxsim_access_names[i]. */
#define OXSIM_ACCESS_N 26
extern const char *const oxsim_access_names[OXSIM_ACCESS_N];
#define OXSIM_ACCESS_PFE (1u << 16)   /* publicFolderEditable */
/** Mask of a named combination (ModuleAccessDefinitions); 0 on success. */
int oxsim_access_lookup(const char *name, uint32_t *pmask);
/** Name of the combination matching a user's rights, or NULL. */
const char *oxsim_access_name_of(uint32_t mask, int is_admin);
/** Rights from a UserModuleAccess element / a combination name, with the
 *  OX faults on error. */
int oxsim_access_from_xml(oxsim_call_t *c, xmlNodePtr n, uint32_t *pmask);
int oxsim_access_from_name(oxsim_call_t *c, const char *name,
                           uint32_t *pmask);
/** Rights of a call from access / moduleAccess / access_combination_name,
 *  dflt when the operation carries none. */
int oxsim_call_access(oxsim_call_t *c, uint32_t dflt, uint32_t *pmask);
/** Index of a UserModuleAccess element name, or -1. */
int oxsim_access_index(const char *name);

void oxsim_store_init(void);
void oxsim_store_cleanup(void);
void oxsim_store_lock(void);
void oxsim_store_unlock(void);
/** Drops every context and user (the store lock must be held). */
void oxsim_store_reset(void);

oxsim_ctx_t *oxsim_ctx_by_id(int id);
oxsim_ctx_t *oxsim_ctx_by_name(const char *name);
oxsim_ctx_t *oxsim_ctx_by_mapping(const char *mapping);
oxsim_ctx_t *oxsim_ctx_first(void);
int oxsim_ctx_next_id(void);
oxsim_ctx_t *oxsim_ctx_add(int id, const char *name, long long quota_mb);
void oxsim_ctx_remove(oxsim_ctx_t *c);
int oxsim_ctx_rename(oxsim_ctx_t *c, const char *name);
/** Replaces the mapping set (the caller checked chars and conflicts). */
void oxsim_ctx_set_mappings(oxsim_ctx_t *c, char **maps, int n);

oxsim_user_t *oxsim_user_by_id(oxsim_ctx_t *c, int id);
oxsim_user_t *oxsim_user_by_name(oxsim_ctx_t *c, const char *name);
oxsim_user_t *oxsim_user_by_display(oxsim_ctx_t *c, const char *dn);
oxsim_user_t *oxsim_user_by_mail(oxsim_ctx_t *c, const char *addr);
oxsim_user_t *oxsim_user_add(oxsim_ctx_t *c);
void oxsim_user_remove(oxsim_user_t *u);
const char *oxsim_user_get(const oxsim_user_t *u, int idx);
const char *oxsim_user_getn(const oxsim_user_t *u, const char *name);
/** Sets (val != NULL) or clears a field, keeping the name/display indexes. */
void oxsim_user_set(oxsim_user_t *u, int idx, const char *val);
void oxsim_user_setn(oxsim_user_t *u, const char *name, const char *val);
/** Replaces the alias set, keeping the mail index. */
void oxsim_user_set_aliases(oxsim_user_t *u, char **al, int n);
size_t oxsim_store_nusers(void);

/** Opens FILE for the change log (--change-log); 0 on success. */
int oxsim_store_change_log_open(const char *path);
/** Appends "<unix time.us> <op> <context id> <user id> "<digest>"" when
 *  the log is open and pw is set (the store lock must be held). */
void oxsim_store_log_change(const char *op, const oxsim_user_t *u,
                            const char *pw);

/** State of everything as JSON (the store lock must be held). */
void oxsim_store_json(oxsim_buf_t *b);

/* ---- SOAP calls (oxsim_soap.c, oxsim_ops_*.c) ------------------------ */

typedef enum {
    OXSIM_SVC_CONTEXT = 1,
    OXSIM_SVC_USER = 2,
    OXSIM_SVC_RCONTEXT = 4,
    OXSIM_SVC_RUSER = 8,
    OXSIM_SVC_UTIL = 16
} oxsim_service_t;

#define OXSIM_MAX_PARAMS 8

typedef void oxsim_op_fn(oxsim_call_t *c);

typedef struct {
    unsigned services;        /* mask of oxsim_service_t */
    const char *name;
    const char *params;       /* "ctx:Context,admin_user:User,auth:Credentials" */
    oxsim_op_fn *fn;
} oxsim_op_t;

struct oxsim_call {
    apr_pool_t *pool;
    oxsim_service_t service;
    const char *service_name;
    const char *svc_ns;       /* namespace of wrappers and return */
    int reseller;
    const oxsim_op_t *op;
    xmlNodePtr param[OXSIM_MAX_PARAMS];
    const char *pname[OXSIM_MAX_PARAMS];
    int nparams;
    oxsim_knobs_t knobs;
    oxsim_buf_t body;         /* content of the response wrapper */
    int has_return;           /* body holds <return> content */
    /* fault */
    int faulted;
    const char *fault_code;   /* soap:Server or soap:Client */
    const char *fault_type;   /* exception element name, NULL for none */
    char fault_msg[1024];
    /* who called */
    const char *auth_login;
    int auth_master;
    int auth_reseller;
};

extern const oxsim_op_t oxsim_ctx_ops[];
extern const oxsim_op_t oxsim_user_ops[];

/** Parses and runs one SOAP request; fills status and a malloc'ed body. */
void oxsim_soap_handle(const char *service, const char *req, size_t reqlen,
                       int *pstatus, oxsim_buf_t *out);
/** The fault injected by fault_rate: a retryable OX StorageException. */
void oxsim_soap_injected_fault(const char *service, oxsim_buf_t *out);

/* helpers for the operations */
void oxsim_fault(oxsim_call_t *c, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void oxsim_client_fault(oxsim_call_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
xmlNodePtr oxsim_param(oxsim_call_t *c, const char *name);
/** First element child with that local name (namespace ignored); NULL if
 *  absent or xsi:nil. */
xmlNodePtr oxsim_xml_child(xmlNodePtr parent, const char *name);
/** Text of an element (pool string), "" for empty, NULL for NULL/nil. */
const char *oxsim_xml_text(oxsim_call_t *c, xmlNodePtr n);
const char *oxsim_xml_field(oxsim_call_t *c, xmlNodePtr parent,
                            const char *name);
int oxsim_xml_is_nil(xmlNodePtr n);
/** Strict integer parse; on error sets the unmarshalling fault. */
int oxsim_parse_long(oxsim_call_t *c, const char *s, long long *pv);
int oxsim_parse_bool(oxsim_call_t *c, const char *s, int *pv);

/* authentication and look-ups shared by the operations */
int oxsim_auth_master(oxsim_call_t *c);
oxsim_ctx_t *oxsim_auth_context_user(oxsim_call_t *c);
oxsim_ctx_t *oxsim_find_ctx(oxsim_call_t *c, xmlNodePtr ctxn);
int oxsim_ctx_owner_ok(oxsim_call_t *c, oxsim_ctx_t *ctx);

/* response writers */
/** A Context; with_id_mapping 0 leaves the context id out of the login
 *  mappings, as OX's getData does. */
void oxsim_emit_ctx(oxsim_call_t *c, const oxsim_ctx_t *ctx,
                    int with_id_mapping);
void oxsim_emit_user(oxsim_call_t *c, const oxsim_user_t *u);
void oxsim_emit_user_id_only(oxsim_call_t *c, const oxsim_user_t *u);
void oxsim_emit_access(oxsim_call_t *c, uint32_t mask);
void oxsim_emit_scalar(oxsim_call_t *c, const char *val);

/* user data shared by user create and context create (admin_user) */
typedef struct {
    const char **val;         /* per field index, NULL when not given */
    char **aliases;
    int naliases;
    int aliases_given;
} oxsim_udata_t;

int oxsim_udata_parse(oxsim_call_t *c, xmlNodePtr usr, oxsim_udata_t *ud);
/** Create-time checks of OX (mandatory fields, chars, mails, language);
 *  ctx may be NULL for a context's future admin. what is "" or
 *  " in admin user" for the mandatory-fields text. */
int oxsim_udata_check_new(oxsim_call_t *c, oxsim_ctx_t *ctx,
                          oxsim_udata_t *ud, int is_admin);
oxsim_user_t *oxsim_udata_create(oxsim_call_t *c, oxsim_ctx_t *ctx,
                                 oxsim_udata_t *ud, int is_admin,
                                 uint32_t access);

/** SQL-LIKE match as OX's list calls do ('*' and '%' any, '_' one). */
int oxsim_like(const char *pattern, const char *s, int icase);
/** ASCII lower-case copy in the pool. */
char *oxsim_lower(apr_pool_t *p, const char *s);

/* ---- HTTP (oxsim_http.c) and control endpoints (oxsim_ctl.c) ---------- */

int oxsim_http_start(int listen_fd, unsigned threads);
void oxsim_http_stop(void);
/** Answers /oxsim/...; returns the HTTP status and fills out. */
int oxsim_ctl_handle(const char *method, const char *url, const char *body,
                     size_t len, const char *ctype, oxsim_buf_t *out);

#endif /* OXSIM_H */
