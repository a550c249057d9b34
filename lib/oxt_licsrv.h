/*
 * oxt_licsrv.h — the licensing server: "License by Activation Code" and
 * "Get License Key From Licensing Server" (docs/license.md, "Talking to
 * the licensing server").
 *
 * One HTTPS POST (libcurl, started by the process at start-up with
 * oxt_soap_library_init: a call without it fails with APR_EINIT and
 * sends nothing; the Settings' SOAP timeout, certificate and
 * host checked, no redirects, the answer capped at OXT_LICSRV_MAX_ANSWER
 * bytes) to license_server_url with an urlencoded form:
 *
 *     action=activate&code=CODE&ip=SERVER-IP&version=VERSION
 *     action=renew&number=KEY-NUMBER&ip=SERVER-IP&version=VERSION
 *
 * and a text/plain answer, parsed by the bounded parser below:
 *
 *     OXTENDER LICENSING ANSWER 1
 *     status: ok                      or refused
 *     message: a line for people     (1-300 bytes of UTF-8)
 *     -----BEGIN OXTENDER LICENSE KEY-----   (ok only: one key, checked
 *     ...                                     as an upload is)
 *
 * Whatever happens is kept as the "Last licensing server answer" (a line
 * for people and its time); a key that comes back is put in force only
 * when it passes every check of an uploaded one, so a broken, slow or
 * lying server never loses the key in force.
 */
#ifndef OXT_LICSRV_H
#define OXT_LICSRV_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_config.h"
#include "oxt_settings.h"
#include "oxt_licstate.h"

#define OXT_LICSRV_MAX_ANSWER 16384
#define OXT_LICSRV_MAGIC "OXTENDER LICENSING ANSWER 1"
#define OXT_LICSRV_MAX_MESSAGE 300

typedef struct oxt_licsrv_answer_t {
    int ok;                          /* status: ok */
    const char *message;             /* the server's line for people */
    const char *key;                 /* ok: the key's text (unchecked) */
    apr_size_t key_len;
} oxt_licsrv_answer_t;

/**
 * Parses an answer body (len bytes): APR_SUCCESS, or OXT_ELICSRV with res
 * saying why it is not an answer. Pure; lives in p.
 */
apr_status_t oxt_licsrv_answer_parse(oxt_licsrv_answer_t **panswer,
                                     const char *body, apr_size_t len,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The body of an answer (for the vendor's tool and tests): APR_EINVAL
 * for a message the parser would refuse, or a key missing on ok.
 */
apr_status_t oxt_licsrv_answer_format(const char **pbody, int ok,
                                      const char *message, const char *key,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** True for an activation code we send: 1-64 letters, digits, '-'. */
int oxt_licsrv_code_valid(const char *code);

/**
 * "Activate": sends code, puts the key of the answer in force. Every
 * outcome is recorded as the last answer; failures are OXT_ECONFIG (no
 * server configured, an unknown server IP), APR_EINVAL (a code of the
 * wrong shape, nothing sent), OXT_ELICSRV (no usable answer, refused)
 * or OXT_ELICENSE (the key in the answer was refused), with res for
 * people. *pst (may be NULL) gets the status after. In p.
 */
apr_status_t oxt_license_activate(oxt_license_status_t **pst, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_config_t *cfg,
                                  const oxt_settings_t *settings,
                                  const char *code, const char *who,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * "Get license": asks for the key loaded now (by its number); only once
 * a key is loaded (APR_ENOENT before). Otherwise as oxt_license_activate.
 */
apr_status_t oxt_license_renew(oxt_license_status_t **pst, oxt_db_t *db,
                               const oxt_psa_t *psa, const oxt_config_t *cfg,
                               const oxt_settings_t *settings,
                               const char *who, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_LICSRV_H */
