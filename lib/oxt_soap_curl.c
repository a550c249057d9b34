/*
 * oxt_soap_curl.c — the libcurl transport of oxt_soap.h.
 *
 * One CURLM per client: its connection cache is what keeps connections
 * alive between calls, so an easy handle per call costs no reconnect.
 * CURLMOPT_MAX_HOST_CONNECTIONS is the hard cap per OX host; the client
 * already keeps no more than max_conns calls here, so curl never has to
 * queue (and never runs a queued call's timeout).
 */
#include <apr_strings.h>
#include <curl/curl.h>

#include "oxt_soap.h"
#include "oxt_log.h"

typedef struct {
    CURLM *multi;
} curl_client_t;

typedef struct {
    CURL *easy;
    CURLM *multi;               /* set while the easy handle is added */
    struct curl_slist *headers;
    oxt_soap_call_t *call;
    int too_big;
    char err[CURL_ERROR_SIZE];
} curl_call_t;

/* ---- per client ------------------------------------------------------- */

static apr_status_t multi_cleanup(void *data)
{
    curl_multi_cleanup(data);
    return APR_SUCCESS;
}

/* Set once by oxt_soap_library_init, at process start-up: the library's
 * start-up loads the TLS library and reads its configuration, work that
 * belongs before the first request, not inside one. */
static int curl_ready;

apr_status_t oxt_soap_library_init(void)
{
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            return APR_EGENERAL;
        }
        curl_ready = 1;
    }
    return APR_SUCCESS;
}

int oxt_soap_library_started(void)
{
    return curl_ready;
}

void oxt_soap_library_end(void)
{
    if (curl_ready) {
        curl_global_cleanup();
        curl_ready = 0;
    }
}

static apr_status_t curl_init(oxt_soap_client_t *client, apr_pool_t *p)
{
    const oxt_soap_settings_t *s = oxt_soap_client_settings(client);
    curl_client_t *cc = apr_pcalloc(p, sizeof(*cc));
    long conns = (long)s->max_conns;

    if (!curl_ready) {
        return APR_EINIT;           /* oxt_soap_library_init was not called */
    }
    cc->multi = curl_multi_init();
    if (cc->multi == NULL) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, cc->multi, multi_cleanup,
                              apr_pool_cleanup_null);
    curl_multi_setopt(cc->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    /* Keep every connection we may open, so none is closed for room. */
    curl_multi_setopt(cc->multi, CURLMOPT_MAXCONNECTS, conns);
    oxt_soap_client_set_impl_data(client, cc);
    return APR_SUCCESS;
}

/* ---- per call --------------------------------------------------------- */

static apr_status_t easy_cleanup(void *data)
{
    curl_call_t *cc = data;

    if (cc->multi != NULL) {
        curl_multi_remove_handle(cc->multi, cc->easy);
        cc->multi = NULL;
    }
    curl_easy_cleanup(cc->easy);
    curl_slist_free_all(cc->headers);
    return APR_SUCCESS;
}

static size_t on_write(char *data, size_t size, size_t n, void *baton)
{
    curl_call_t *cc = baton;

    if (oxt_soap_call_receive(cc->call, data, size * n) != APR_SUCCESS) {
        cc->too_big = 1;
        return 0;               /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return size * n;
}

static apr_status_t add_headers(curl_call_t *cc)
{
    static const char *const lines[] = {
        "Content-Type: text/xml;charset=UTF-8",
        "SOAPAction: \"\"",
        "Expect:",              /* no 100-continue round trip */
    };
    size_t i;
    struct curl_slist *l;

    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        l = curl_slist_append(cc->headers, lines[i]);
        if (l == NULL) {
            return APR_ENOMEM;
        }
        cc->headers = l;
    }
    return APR_SUCCESS;
}

static void set_limits(CURL *e, const oxt_soap_settings_t *s)
{
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)apr_time_as_msec(s->connect_timeout));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     (long)apr_time_as_msec(s->total_timeout));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)s->response_cap);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

static void set_request(curl_call_t *cc, const oxt_soap_call_t *call)
{
    apr_size_t len;
    const char *body = oxt_soap_call_body(call, &len);

    curl_easy_setopt(cc->easy, CURLOPT_URL, oxt_soap_call_url(call));
    curl_easy_setopt(cc->easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(cc->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(cc->easy, CURLOPT_HTTPHEADER, cc->headers);
    curl_easy_setopt(cc->easy, CURLOPT_USERAGENT, "mod_oxtender");
    curl_easy_setopt(cc->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(cc->easy, CURLOPT_WRITEDATA, cc);
    curl_easy_setopt(cc->easy, CURLOPT_PRIVATE, cc);
    curl_easy_setopt(cc->easy, CURLOPT_ERRORBUFFER, cc->err);
}

static apr_status_t curl_start(oxt_soap_client_t *client,
                               oxt_soap_call_t *call, apr_pool_t *tp)
{
    curl_client_t *mc = oxt_soap_client_impl_data(client);
    curl_call_t *cc = apr_pcalloc(tp, sizeof(*cc));
    apr_status_t rv;

    cc->call = call;
    cc->easy = curl_easy_init();
    if (cc->easy == NULL) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(tp, cc, easy_cleanup, apr_pool_cleanup_null);
    rv = add_headers(cc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    set_limits(cc->easy, oxt_soap_client_settings(client));
    set_request(cc, call);
    if (curl_multi_add_handle(mc->multi, cc->easy) != CURLM_OK) {
        return APR_EGENERAL;
    }
    cc->multi = mc->multi;
    oxt_soap_call_set_impl_data(call, cc);
    return APR_SUCCESS;
}

/* ---- completion ------------------------------------------------------- */

/* The handshake or the certificate: Test connection names it as such. */
static int curl_error_is_tls(CURLcode code)
{
    switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return 1;
    default:
        return 0;
    }
}

/* Connection trouble, including a server that hangs up mid-answer, is
 * worth a retry; anything else (TLS, URL) needs an admin. */
static apr_status_t map_curl_error(const curl_call_t *cc, CURLcode code)
{
    if (cc->too_big || code == CURLE_FILESIZE_EXCEEDED) {
        return OXT_ESOAP_TOOBIG;
    }
    if (curl_error_is_tls(code)) {
        return OXT_ESOAP_TLS;
    }
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return OXT_ESOAP_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        return OXT_ESOAP_CONNECT;
    default:
        return OXT_ESOAP_HTTP;
    }
}

static void finish_transfer(CURL *easy, CURLcode code)
{
    curl_call_t *cc = NULL;
    long http = 0;
    const char *err;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&cc);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
    if (code == CURLE_OK) {
        oxt_soap_call_finish(cc->call, APR_SUCCESS, (int)http, NULL);
        return;
    }
    err = cc->err[0] ? cc->err : curl_easy_strerror(code);
    if (cc->too_big) {
        err = "reply exceeds the response size cap";
    }
    oxt_soap_call_finish(cc->call, map_curl_error(cc, code), (int)http,
                         err);
}

static int read_done(CURLM *multi)
{
    CURLMsg *msg;
    int left, n = 0;

    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            finish_transfer(msg->easy_handle, msg->data.result);
            n++;
        }
    }
    return n;
}

static apr_status_t curl_perform(oxt_soap_client_t *client,
                                 apr_interval_time_t timeout)
{
    curl_client_t *mc = oxt_soap_client_impl_data(client);
    int running = 0;
    CURLMcode mrc;

    mrc = curl_multi_perform(mc->multi, &running);
    if (mrc == CURLM_OK && read_done(mc->multi) > 0) {
        return APR_SUCCESS;
    }
    if (mrc == CURLM_OK) {
        mrc = curl_multi_poll(mc->multi, NULL, 0,
                              (int)apr_time_as_msec(timeout), NULL);
    }
    if (mrc == CURLM_OK) {
        mrc = curl_multi_perform(mc->multi, &running);
    }
    if (mrc != CURLM_OK) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_EGENERAL,
                       OXTLOGNO(01004) "curl multi: %s",
                       curl_multi_strerror(mrc));
        return APR_EGENERAL;
    }
    read_done(mc->multi);
    return APR_SUCCESS;
}

static const oxt_soap_impl_t curl_impl = {
    "curl",
    curl_init,
    curl_start,
    curl_perform,
};

const oxt_soap_impl_t *oxt_soap_curl_impl(void)
{
    return &curl_impl;
}
