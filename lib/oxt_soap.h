/*
 * oxt_soap.h — SOAP 1.1 document/literal calls over a pluggable transport.
 *
 * A client (oxt_soap_client_t) holds the settings and the transport; a
 * call (oxt_soap_call_t) is one request envelope sent to one URL. Calls
 * are submitted with a completion callback and driven by
 * oxt_soap_client_run(), which keeps at most max_conns of them on the
 * wire and queues the rest, so timeouts start when a call really leaves.
 * The client is single-threaded: submit, run and every callback happen
 * on the thread that created it.
 *
 * Replies are typed: every SOAP fault, HTTP and transport failure ends as
 * one of the OXT_ESOAP_* codes of oxt_status.h, with the server's text in
 * the call's oxt_result_t (docs/internals/soap.md has the table).
 *
 * The transport is a vtable (oxt_soap_impl_t): oxt_soap_curl_impl() is the
 * real one (libcurl multi); tests plug in a fake.
 */
#ifndef OXT_SOAP_H
#define OXT_SOAP_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_time.h>
#include <libxml/tree.h>

#include "oxt_result.h"
#include "oxt_status.h"

#define OXT_SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"

typedef struct oxt_soap_client_t oxt_soap_client_t;
typedef struct oxt_soap_call_t oxt_soap_call_t;
typedef struct oxt_soap_impl_t oxt_soap_impl_t;

typedef struct oxt_soap_settings_t {
    apr_interval_time_t connect_timeout; /* per call; 0 = 10 s */
    apr_interval_time_t total_timeout;   /* per call, once sent; 0 = 60 s */
    int max_conns;                       /* calls on the wire; 0 = 4 */
    apr_size_t response_cap;             /* bytes; 0 = 8 MiB */
    int debug;                           /* keep masked request/response */
} oxt_soap_settings_t;

/** Called once per call when it is complete, from oxt_soap_client_run. */
typedef void oxt_soap_done_cb(void *baton, oxt_soap_call_t *call);

/** Told about every finished call before its callback runs (the
 *  metrics): elapsed is its time on the wire, 0 if it never left. */
typedef void oxt_soap_observer_fn(void *baton, const oxt_soap_call_t *call,
                                  apr_interval_time_t elapsed);

/* ---- transports ------------------------------------------------------- */

struct oxt_soap_impl_t {
    const char *name;
    /** Sets up per-client state (e.g. the CURLM*), owned by p. */
    apr_status_t (*init)(oxt_soap_client_t *client, apr_pool_t *p);
    /**
     * Puts call on the wire. Per-call resources belong in tp, a pool the
     * client destroys when the call is finished or abandoned. Must not
     * finish the call itself; that happens in perform.
     */
    apr_status_t (*start)(oxt_soap_client_t *client, oxt_soap_call_t *call,
                          apr_pool_t *tp);
    /**
     * Waits at most timeout for progress and finishes every call that is
     * complete with oxt_soap_call_receive/oxt_soap_call_finish.
     */
    apr_status_t (*perform)(oxt_soap_client_t *client,
                            apr_interval_time_t timeout);
};

/** The libcurl implementation (multi interface, keep-alive, caps). */
const oxt_soap_impl_t *oxt_soap_curl_impl(void);

/**
 * Starts libcurl for the process (curl_global_init): once, at start-up,
 * before any thread creates a client with the curl transport (the
 * module's child_init, the replicator's main), never lazily per request.
 * A client created before it fails (APR_EINIT).
 */
apr_status_t oxt_soap_library_init(void)
    __attribute__((warn_unused_result));

/** Ends libcurl; no client may be used afterwards. */
void oxt_soap_library_end(void);

/** Whether oxt_soap_library_init has started libcurl in this process:
 *  every other user of libcurl (the licensing server's calls,
 *  oxt_licsrv.h) relies on that start and never starts it itself. */
int oxt_soap_library_started(void);

/** The transport's own data on the client (set by init). */
void *oxt_soap_client_impl_data(const oxt_soap_client_t *client);
void oxt_soap_client_set_impl_data(oxt_soap_client_t *client, void *data);
const oxt_soap_settings_t *oxt_soap_client_settings(
    const oxt_soap_client_t *client);

/** What a transport sends: the URL and the serialised envelope. */
const char *oxt_soap_call_url(const oxt_soap_call_t *call);
const char *oxt_soap_call_body(const oxt_soap_call_t *call,
                               apr_size_t *plen);
/** The transport's own data on a call (set by start). */
void *oxt_soap_call_impl_data(const oxt_soap_call_t *call);
void oxt_soap_call_set_impl_data(oxt_soap_call_t *call, void *data);

/**
 * Appends received bytes. Returns OXT_ESOAP_TOOBIG as soon as the total
 * passes response_cap; the transport must then stop receiving (the curl
 * write callback returns 0).
 */
apr_status_t oxt_soap_call_receive(oxt_soap_call_t *call, const char *data,
                                   apr_size_t len);

/**
 * Ends a started call: transport_rv is APR_SUCCESS when an HTTP answer
 * arrived (http_status then counts), else an OXT_ESOAP_* transport code;
 * errtext (may be NULL) explains it. Gives the connection back and keeps
 * the reply: the client parses it and runs the callback when it is next
 * driven (oxt_soap_client_run*, _call, _pump), once the freed connections
 * have taken the queued calls.
 */
void oxt_soap_call_finish(oxt_soap_call_t *call, apr_status_t transport_rv,
                          int http_status, const char *errtext);

/* ---- client ----------------------------------------------------------- */

/**
 * Creates a client in p with a copy of settings; impl NULL means the curl
 * transport. Calls still in flight when p is destroyed are abandoned
 * without their callbacks.
 */
apr_status_t oxt_soap_client_create(oxt_soap_client_t **pclient,
                                    const oxt_soap_settings_t *settings,
                                    const oxt_soap_impl_t *impl,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Drives calls until none is left (APR_SUCCESS) or timeout passed with
 * calls still in flight (APR_TIMEUP); timeout < 0 waits without limit.
 * Callbacks run from here and may submit further calls; they must not
 * call oxt_soap_client_run themselves.
 */
apr_status_t oxt_soap_client_run(oxt_soap_client_t *client,
                                 apr_interval_time_t timeout);

/**
 * Drives calls until at least one has finished (APR_SUCCESS; every call
 * that finished meanwhile had its callback), none is left (APR_SUCCESS),
 * or timeout passed (APR_TIMEUP); timeout 0 looks once without waiting.
 * Queued calls are started on the connections that became free before it
 * returns. For callers that must act between answers: the engine commits
 * what the callbacks recorded before it sends anything more.
 */
apr_status_t oxt_soap_client_run_some(oxt_soap_client_t *client,
                                      apr_interval_time_t timeout);

/**
 * Moves calls on without running any callback: answers that came in are
 * read (their connections take the next queued calls, which go on the
 * wire now), and their callbacks and the observer run at the next
 * oxt_soap_client_run_some (or run, call, run_until). For a caller busy
 * with something else between two drives (the engine, while its commit
 * waits for the database), so that the connections do not idle
 * meanwhile. Does nothing when called from inside a callback.
 */
void oxt_soap_client_pump(oxt_soap_client_t *client);

/** Calls submitted and not yet finished (queued plus on the wire). */
int oxt_soap_client_pending(const oxt_soap_client_t *client);

/**
 * Where the finished calls' time went, in microseconds summed over them:
 * waiting in the queue for a free connection, on the wire (the request,
 * OX's work, the answer), and from the answer in to its callback (a
 * caller busy elsewhere, e.g. the engine's commit, holds it). For the
 * engine's profile (OXT04350): it tells idle connections from busy ones.
 */
typedef struct oxt_soap_profile_t {
    long long calls;
    apr_interval_time_t queued;
    apr_interval_time_t wire;
    apr_interval_time_t held;
} oxt_soap_profile_t;

/** Copies the client's profile into *prof. */
void oxt_soap_client_profile(const oxt_soap_client_t *client,
                             oxt_soap_profile_t *prof);

/** Sets the client's one observer (fn NULL: none), replacing any other. */
void oxt_soap_client_observe(oxt_soap_client_t *client,
                             oxt_soap_observer_fn *fn, void *baton);

/* ---- calls ------------------------------------------------------------ */

/**
 * A SOAP 1.1 envelope in a new document owned by p; *pbody is its Body,
 * to which the caller adds the operation element.
 */
apr_status_t oxt_soap_envelope_make(xmlDoc **pdoc, xmlNode **pbody,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Prepares a call that posts doc to url and expects a Body element named
 * op + "Response". The call, its reply and its result live in p; the
 * request is serialised now, so doc may change or go afterwards.
 */
apr_status_t oxt_soap_call_make(oxt_soap_call_t **pcall, const char *url,
                                const char *op, xmlDoc *doc, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Queues call on client; cb (may be NULL) runs once when it is finished.
 * A call is submitted at most once.
 */
apr_status_t oxt_soap_client_submit(oxt_soap_client_t *client,
                                    oxt_soap_call_t *call,
                                    oxt_soap_done_cb *cb, void *baton);

/**
 * Submits call and runs the client until this call is finished (other
 * calls in flight progress too). Returns the call's status.
 */
apr_status_t oxt_soap_client_call(oxt_soap_client_t *client,
                                  oxt_soap_call_t *call);

/**
 * Runs the client until the submitted call is finished (other calls
 * progress too); APR_SUCCESS then, whatever the call's own status.
 */
apr_status_t oxt_soap_client_run_until(oxt_soap_client_t *client,
                                       const oxt_soap_call_t *call);

/** True once the call is finished. */
int oxt_soap_call_done(const oxt_soap_call_t *call);

/** The operation element the call invokes ("create"). */
const char *oxt_soap_call_op(const oxt_soap_call_t *call);

/** APR_SUCCESS or the OXT_ESOAP_* code of a finished call. */
apr_status_t oxt_soap_call_status(const oxt_soap_call_t *call);

/** The call's result (status, problem, server text), in the call's pool. */
oxt_result_t *oxt_soap_call_result(const oxt_soap_call_t *call);

/** The "<op>Response" element of a successful reply, else NULL. */
xmlNode *oxt_soap_call_response(const oxt_soap_call_t *call);

/** HTTP status of the reply, 0 when none arrived. */
int oxt_soap_call_http_status(const oxt_soap_call_t *call);

/**
 * With settings.debug on: request and response as sent/received, every
 * password element masked; NULL otherwise (or before the reply).
 */
const char *oxt_soap_call_debug_request(const oxt_soap_call_t *call);
const char *oxt_soap_call_debug_response(const oxt_soap_call_t *call);

/* ---- helpers (public for the tests) ----------------------------------- */

/**
 * Maps a faultstring (with or without "; exceptionId …") and the name of
 * the fault's detail element (may be NULL) to an OXT_ESOAP_* code.
 */
apr_status_t oxt_soap_fault_classify(const char *faultstring,
                                     const char *detail_name);

/** True for failures worth retrying later (busy, 5xx, connect, timeout). */
int oxt_soap_status_is_retryable(apr_status_t rv);

/**
 * xml parsed (as replies are: no DTD, no entities) and written again, in
 * p, with the content of every element and the value of every attribute
 * whose local name is "password" (any namespace, any case) replaced by
 * "********" and comments left out. Text that does not parse is not shown
 * at all (a note with its size instead): masking text can be fooled by a
 * CDATA section or a comment.
 */
const char *oxt_soap_mask_passwords(const char *xml, apr_size_t len,
                                    apr_pool_t *p);

/** A fault's text is kept to this many bytes (whole UTF-8 characters,
 *  then "..."): it is stored in the state's, the queue's and the log's
 *  error columns, and a reply may be up to the response cap. */
#define OXT_SOAP_FAULT_MAX 2000

/**
 * Classifies a raw reply as oxt_soap_call_finish does: http_status and
 * body to *presponse (the "<op>Response" element, doc owned by p) or a
 * typed failure recorded in res (a fault's text cut to
 * OXT_SOAP_FAULT_MAX).
 */
apr_status_t oxt_soap_reply_parse(xmlNode **presponse, const char *op,
                                  int http_status, const char *body,
                                  apr_size_t len, oxt_result_t *res,
                                  apr_pool_t *p);

#endif /* OXT_SOAP_H */
