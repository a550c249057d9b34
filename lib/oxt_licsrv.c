/*
 * oxt_licsrv.c — see oxt_licsrv.h.
 */
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_licsrv.h"
#include "oxt_soap.h"
#include "oxt_status.h"
#include "oxt_log.h"
#include "oxt_utf8.h"
#include "oxt_version.h"

#define NOT_AN_ANSWER "The licensing server's answer is not understood"

/* ---- the answer --------------------------------------------------------- */

/* The next line of [*ppos, end) without its LF; NULL when none is left
 * or the line has no LF. */
static const char *answer_line(const char **ppos, const char *end,
                               apr_size_t *plen)
{
    const char *pos = *ppos, *nl;

    if (pos >= end) {
        return NULL;
    }
    nl = memchr(pos, '\n', (size_t)(end - pos));
    if (nl == NULL) {
        return NULL;
    }
    *plen = (apr_size_t)(nl - pos);
    *ppos = nl + 1;
    return pos;
}

static int message_valid(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (len < 1 || len > OXT_LICSRV_MAX_MESSAGE || !oxt_utf8_valid(s, len)) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
    }
    return 1;
}

static int line_eq(const char *line, apr_size_t len, const char *s)
{
    return line != NULL && len == strlen(s) && memcmp(line, s, len) == 0;
}

apr_status_t oxt_licsrv_answer_parse(oxt_licsrv_answer_t **panswer,
                                     const char *body, apr_size_t len,
                                     oxt_result_t *res, apr_pool_t *p)
{
    const char *pos = body, *end = body + len, *line;
    oxt_licsrv_answer_t *a = apr_pcalloc(p, sizeof(*a));
    apr_size_t n = 0;

    if (body == NULL || len > OXT_LICSRV_MAX_ANSWER) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "it is empty"
                              " or larger than %d bytes",
                              OXT_LICSRV_MAX_ANSWER);
    }
    line = answer_line(&pos, end, &n);
    if (!line_eq(line, n, OXT_LICSRV_MAGIC)) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "it does not"
                              " start with \"%s\"", OXT_LICSRV_MAGIC);
    }
    line = answer_line(&pos, end, &n);
    a->ok = line_eq(line, n, "status: ok");
    if (!a->ok && !line_eq(line, n, "status: refused")) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "line 2 is"
                              " not \"status: ok\" or \"status: refused\"");
    }
    line = answer_line(&pos, end, &n);
    if (line == NULL || n < 9 || memcmp(line, "message: ", 9) != 0
        || !message_valid(line + 9, n - 9)) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "line 3 is"
                              " not a message of 1 to %d characters",
                              OXT_LICSRV_MAX_MESSAGE);
    }
    a->message = apr_pstrmemdup(p, line + 9, n - 9);
    a->key_len = (apr_size_t)(end - pos);
    a->key = apr_pstrmemdup(p, pos, a->key_len);
    if (a->ok != (a->key_len > 0)) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "%s",
                              a->ok ? "it says ok but carries no key"
                                    : "a refusal carries more lines");
    }
    *panswer = a;
    return APR_SUCCESS;
}

apr_status_t oxt_licsrv_answer_format(const char **pbody, int ok,
                                      const char *message, const char *key,
                                      oxt_result_t *res, apr_pool_t *p)
{
    if (message == NULL || !message_valid(message, strlen(message))) {
        return oxt_result_set(res, APR_EINVAL, "Invalid answer",
                              "the message must be 1 to %d characters on one"
                              " line", OXT_LICSRV_MAX_MESSAGE);
    }
    if (ok != (key != NULL && *key != '\0')) {
        return oxt_result_set(res, APR_EINVAL, "Invalid answer", "%s",
                              ok ? "an ok answer carries a key"
                                 : "a refusal carries no key");
    }
    *pbody = apr_pstrcat(p, OXT_LICSRV_MAGIC "\n", ok ? "status: ok\n"
                         : "status: refused\n", "message: ", message, "\n",
                         ok ? key : "", NULL);
    return APR_SUCCESS;
}

int oxt_licsrv_code_valid(const char *code)
{
    size_t i, n = code ? strlen(code) : 0;

    if (n < 1 || n > 64) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(code[i]) && code[i] != '-') {
            return 0;
        }
    }
    return 1;
}

/* ---- one request -------------------------------------------------------- */

typedef struct {
    char *buf;
    apr_size_t len;
    int too_big;
    apr_pool_t *p;
} call_body_t;

static size_t call_write(char *data, size_t size, size_t n, void *baton)
{
    call_body_t *b = baton;
    apr_size_t more = size * n;
    char *grown;

    if (b->len + more > OXT_LICSRV_MAX_ANSWER) {
        b->too_big = 1;
        return 0;                 /* curl stops with CURLE_WRITE_ERROR */
    }
    grown = apr_palloc(b->p, b->len + more + 1);
    if (b->len) {
        memcpy(grown, b->buf, b->len);
    }
    memcpy(grown + b->len, data, more);
    b->len += more;
    grown[b->len] = '\0';
    b->buf = grown;
    return more;
}

static apr_status_t easy_cleanup(void *e)
{
    curl_easy_cleanup(e);
    return APR_SUCCESS;
}

/* libcurl is started once per process at start-up (the module's
 * child_init, the replicator's main: oxt_soap_library_init), before any
 * worker thread: never here, inside a request, where two threads could
 * start it at once. */
static apr_status_t call_handle(CURL **pe, apr_pool_t *p)
{
    if (!oxt_soap_library_started()) {
        return APR_EINIT;
    }
    *pe = curl_easy_init();
    if (*pe == NULL) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, *pe, easy_cleanup, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static void call_options(CURL *e, const oxt_config_t *cfg, int timeout_s,
                         const char *form, call_body_t *body,
                         char *err)
{
    long t = timeout_s < 1 ? 1 : timeout_s;

    curl_easy_setopt(e, CURLOPT_URL, cfg->license_server_url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, t < 10 ? t : 10L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)OXT_LICSRV_MAX_ANSWER);
    if (cfg->license_server_ca_file != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->license_server_ca_file);
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "OXtender");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, call_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
}

/* What a person is told when no answer came. */
static apr_status_t call_failed(CURLcode cc, const call_body_t *body,
                                int timeout_s, const char *err,
                                oxt_result_t *res)
{
    const char *problem = "No answer from the licensing server";

    if (body->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        return oxt_result_set(res, OXT_ELICSRV, NOT_AN_ANSWER, "it is larger"
                              " than %d bytes", OXT_LICSRV_MAX_ANSWER);
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        return oxt_result_set(res, OXT_ELICSRV, problem, "nothing within %d"
                              " s (the Settings' timeout)", timeout_s);
    }
    return oxt_result_set(res, OXT_ELICSRV, problem, "%s",
                          *err ? err : curl_easy_strerror(cc));
}

static const char *call_form(CURL *e, const char *action, const char *what,
                             const char *value, const char *ip,
                             apr_pool_t *p)
{
    char *v = curl_easy_escape(e, value, 0), *i = curl_easy_escape(e, ip, 0);
    const char *form = NULL;

    if (v != NULL && i != NULL) {
        form = apr_pstrcat(p, "action=", action, "&", what, "=", v, "&ip=",
                           i, "&version=", oxt_version(), NULL);
    }
    curl_free(v);
    curl_free(i);
    return form;
}

/* Sends the form, returns the parsed answer of an HTTP 200. */
static apr_status_t licsrv_call(oxt_licsrv_answer_t **panswer,
                                const oxt_config_t *cfg, int timeout_s,
                                const char *action, const char *what,
                                const char *value, const char *ip,
                                oxt_result_t *res, apr_pool_t *p)
{
    call_body_t body = { NULL, 0, 0, p };
    char err[CURL_ERROR_SIZE] = "";
    const char *form;
    long code = 0;
    CURL *e;
    CURLcode cc;
    apr_status_t rv;

    rv = call_handle(&e, p);
    if (rv == APR_EINIT) {
        return oxt_result_set(res, rv, "Cannot ask the licensing server",
                              "the HTTP client library (libcurl) was not"
                              " started in this process");
    }
    form = rv == APR_SUCCESS ? call_form(e, action, what, value, ip, p) : NULL;
    if (form == NULL) {
        return oxt_result_set(res, APR_ENOMEM, "Cannot ask the licensing"
                              " server", NULL);
    }
    call_options(e, cfg, timeout_s, form, &body, err);
    cc = curl_easy_perform(e);
    if (cc != CURLE_OK) {
        return call_failed(cc, &body, timeout_s, err, res);
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        return oxt_result_set(res, OXT_ELICSRV, "The licensing server"
                              " failed", "HTTP status %ld", code);
    }
    return oxt_licsrv_answer_parse(panswer, body.buf ? body.buf : "",
                                   body.len, res, p);
}

/* ---- the two flows ------------------------------------------------------ */

typedef struct {
    oxt_db_t *db;
    const oxt_psa_t *psa;
    const oxt_config_t *cfg;
    const oxt_settings_t *settings;
    const char *who;
    apr_pool_t *p;
} flow_t;

/* Keeps the outcome as the last answer; a failure to keep it is logged,
 * the outcome itself is what the caller returns. */
static void flow_record(const flow_t *f, int ok, const char *text)
{
    oxt_result_t *why = oxt_result_make(f->p);

    if (oxt_license_answer_record(f->db, ok, text, why, f->p)
        != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, why->status,
                       OXTLOGNO(00751) "cannot keep the licensing server's"
                       " answer: %s", oxt_result_text(why, f->p));
    }
}

static apr_status_t flow_answer(const flow_t *f, oxt_licsrv_answer_t *a,
                                oxt_result_t *res)
{
    oxt_license_verdict_t v;
    oxt_license_key_t *key;
    apr_status_t rv;

    if (!a->ok) {
        flow_record(f, 0, apr_pstrcat(f->p, "Refused: ", a->message, NULL));
        return oxt_result_set(res, OXT_ELICSRV, "The licensing server"
                              " refused", "%s", a->message);
    }
    rv = oxt_license_install(NULL, &v, f->db, f->psa, f->cfg, a->key,
                             a->key_len, f->who, res, f->p);
    if (rv != APR_SUCCESS) {
        flow_record(f, 0, apr_pstrcat(f->p, "The key in the answer was"
                    " refused (", res->detail ? res->detail : "?",
                    "); the key in force is kept. Server: ", a->message,
                    NULL));
        return rv;
    }
    /* Installed: the parse cannot fail now, it only names the key. */
    if (oxt_license_parse(&key, &v, a->key, a->key_len, NULL, f->p)
        == APR_SUCCESS) {
        flow_record(f, 1, apr_pstrcat(f->p, "License key ", key->number,
                    " put in force. Server: ", a->message, NULL));
    }
    return APR_SUCCESS;
}

static apr_status_t flow_run(const flow_t *f, const char *action,
                             const char *what, const char *value,
                             oxt_license_status_t **pst, oxt_result_t *res)
{
    oxt_result_t *why = oxt_result_make(f->p);
    oxt_licsrv_answer_t *a;
    const char *ip, *from;
    apr_status_t rv;

    if (f->cfg->license_server_url == NULL) {
        return oxt_result_set(res, OXT_ECONFIG, "No licensing server",
                              "license_server_url is not set in the"
                              " configuration");
    }
    rv = oxt_license_server_ip(&ip, &from, f->db, f->psa, f->cfg, why, f->p);
    if (rv != APR_SUCCESS || ip == NULL) {
        return oxt_result_set(res, OXT_ECONFIG, "The server's IP is unknown",
                              "%s", why->detail ? why->detail : "");
    }
    rv = licsrv_call(&a, f->cfg, f->settings->soap_timeout_s, action, what,
                     value, ip, res, f->p);
    if (rv != APR_SUCCESS) {
        flow_record(f, 0, oxt_result_text(res, f->p));
        return rv;
    }
    rv = flow_answer(f, a, res);
    if (pst != NULL && (rv == APR_SUCCESS || rv == OXT_ELICENSE
                        || rv == OXT_ELICSRV)) {
        /* The status after, whatever the answer was. */
        if (oxt_license_status_load(pst, f->db, f->psa, f->cfg, 0, why,
                                    f->p) != APR_SUCCESS) {
            *pst = NULL;
        }
    }
    return rv;
}

apr_status_t oxt_license_activate(oxt_license_status_t **pst, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_config_t *cfg,
                                  const oxt_settings_t *settings,
                                  const char *code, const char *who,
                                  oxt_result_t *res, apr_pool_t *p)
{
    flow_t f = { db, psa, cfg, settings, who, p };

    if (pst != NULL) {
        *pst = NULL;
    }
    if (!oxt_licsrv_code_valid(code)) {
        return oxt_result_set(res, APR_EINVAL, "Invalid activation code",
                              "an activation code has 1 to 64 letters,"
                              " digits and dashes");
    }
    return flow_run(&f, "activate", "code", code, pst, res);
}

apr_status_t oxt_license_renew(oxt_license_status_t **pst, oxt_db_t *db,
                               const oxt_psa_t *psa, const oxt_config_t *cfg,
                               const oxt_settings_t *settings,
                               const char *who, oxt_result_t *res,
                               apr_pool_t *p)
{
    flow_t f = { db, psa, cfg, settings, who, p };
    oxt_license_status_t *st;
    apr_status_t rv;

    if (pst != NULL) {
        *pst = NULL;
    }
    rv = oxt_license_status_load(&st, db, psa, cfg, 0, res, p);
    if (rv == APR_SUCCESS && st->key == NULL) {
        rv = oxt_result_set(res, APR_ENOENT, "No license key is loaded",
                            "Get license asks for the key loaded on this"
                            " server; upload one or use an activation code"
                            " first");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return flow_run(&f, "renew", "number", st->key->number, pst, res);
}
