/*
 * oxt_repl_httpd.c — the daemon's metrics endpoint: GET /metrics on the
 * loopback address of metrics_listen, for Prometheus to scrape.
 *
 * A tiny HTTP/1.0 responder in a thread of its own, so a scrape is
 * answered at once even in the middle of a long full pass (the engine's
 * thread reaches its loop only between pages). One connection at a time;
 * the request head is read with a deadline and parsed by the core's
 * bounded parser (lib/oxt_httpreq.h, fuzzed by fuzz/fuzz_httpreq.c);
 * every answer closes the connection, so a body is never read. The
 * numbers come from the database over a connection of the thread's own,
 * as "oxtender-replicator metrics" reads them: the engine's connection
 * belongs to the engine's thread. The thread stops, and is joined, when
 * the command's pool goes.
 */
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_network_io.h>
#include <apr_poll.h>
#include <apr_thread_proc.h>

#include "oxt_repl.h"
#include "oxt_httpreq.h"
#include "oxt_metrics.h"
#include "oxt_log.h"

/* How long the loop waits for a connection before looking at stop. */
#define HTTPD_POLL       apr_time_from_msec(200)
/* A client has this long to send its request and take the answer. */
#define HTTPD_DEADLINE   apr_time_from_sec(5)
#define HTTPD_BODY_MAX   (16 * 1024 * 1024)
/* What is read and dropped after an error answer, at most. */
#define HTTPD_LINGER_MAX (64 * 1024)

typedef struct httpd_t {
    const oxt_config_t *cfg;
    apr_socket_t *listen;
    apr_thread_t *thread;
    volatile apr_uint32_t stop;
    int db_down;                   /* said once until it answers again */
} httpd_t;

/* ---- answers ----------------------------------------------------------- */

static apr_status_t httpd_send(apr_socket_t *c, const char *data,
                               apr_size_t len)
{
    apr_size_t n;
    apr_status_t rv = APR_SUCCESS;

    while (len > 0 && rv == APR_SUCCESS) {
        n = len;
        rv = apr_socket_send(c, data, &n);
        data += n;
        len -= n;
    }
    return rv;
}

static void httpd_answer(apr_socket_t *c, const char *status,
                         const char *type, const char *extra,
                         const char *body, apr_size_t len, int head,
                         apr_pool_t *p)
{
    const char *h = apr_psprintf(p, "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
                                 "Content-Length: %" APR_SIZE_T_FMT "\r\n"
                                 "Cache-Control: no-store\r\n"
                                 "X-Content-Type-Options: nosniff\r\n"
                                 "%sConnection: close\r\n\r\n", status, type,
                                 len, extra ? extra : "");

    if (httpd_send(c, h, strlen(h)) == APR_SUCCESS && !head) {
        (void)httpd_send(c, body, len);
    }
}

static void httpd_error(apr_socket_t *c, const char *status,
                        const char *extra, int head, apr_pool_t *p)
{
    const char *body = apr_pstrcat(p, status, "\n", NULL);

    httpd_answer(c, status, "text/plain; charset=utf-8", extra, body,
                 strlen(body), head, p);
}

/* The exposition; a database that stops answering is logged once. */
static void httpd_metrics(httpd_t *h, apr_socket_t *c, int head,
                          apr_pool_t *p)
{
    oxt_sink_t *sink = oxt_sink_buffer(HTTPD_BODY_MAX, p);
    oxt_result_t *res = oxt_result_make(p);
    const char *body;
    apr_size_t len;
    apr_status_t rv;

    rv = oxt_repl_metrics_write(sink, h->cfg, res, p);
    if (rv != APR_SUCCESS && !h->db_down) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, rv, OXTLOGNO(03906)
                       "metrics endpoint: without the database: %s",
                       oxt_result_text(res, p));
    }
    h->db_down = rv != APR_SUCCESS;
    if (oxt_sink_status(sink) != APR_SUCCESS) {
        httpd_error(c, "500 Internal Server Error", NULL, head, p);
        return;
    }
    body = oxt_sink_buffer_text(sink, &len);
    httpd_answer(c, "200 OK", OXT_METRICS_CONTENT_TYPE, NULL, body, len,
                 head, p);
}

/* ---- a connection ------------------------------------------------------ */

/* Reads until the head is complete, malformed, too long or late. */
static apr_status_t httpd_read(oxt_httpreq_t *req, apr_socket_t *c,
                               char *buf, apr_pool_t *p)
{
    apr_time_t deadline = apr_time_now() + HTTPD_DEADLINE;
    apr_size_t len = 0, n;
    apr_status_t rv = APR_INCOMPLETE, nrv;

    while (rv == APR_INCOMPLETE && len < OXT_HTTPREQ_MAX) {
        if (apr_time_now() >= deadline) {
            return APR_TIMEUP;
        }
        apr_socket_timeout_set(c, deadline - apr_time_now());
        n = OXT_HTTPREQ_MAX - len;
        nrv = apr_socket_recv(c, buf + len, &n);
        len += n;
        if (n == 0 && nrv == APR_EOF && len > 0) {
            return APR_INCOMPLETE;     /* the client stopped half-way */
        }
        if (n == 0 && nrv != APR_SUCCESS) {
            return nrv;                /* closed, reset or timed out */
        }
        rv = oxt_httpreq_parse(req, buf, len);
    }
    (void)p;
    return rv;
}

/* After an error answer: read (and drop) what the client still sends
 * for a moment, so closing does not reset the connection before the
 * client has read the answer. */
static void httpd_linger(apr_socket_t *c)
{
    char buf[4096];
    apr_size_t n, total = 0;

    apr_socket_shutdown(c, APR_SHUTDOWN_WRITE);
    apr_socket_timeout_set(c, apr_time_from_msec(500));
    do {
        n = sizeof(buf);
        if (apr_socket_recv(c, buf, &n) != APR_SUCCESS) {
            break;
        }
        total += n;
    } while (n > 0 && total < HTTPD_LINGER_MAX);
}

static void httpd_serve(httpd_t *h, apr_socket_t *c, apr_pool_t *p)
{
    char *buf = apr_palloc(p, OXT_HTTPREQ_MAX);
    oxt_httpreq_t req;
    apr_status_t rv;
    int head;

    rv = httpd_read(&req, c, buf, p);
    if (rv == APR_EINVAL || rv == APR_ENOSPC || rv == APR_INCOMPLETE) {
        httpd_error(c, "400 Bad Request", NULL, 0, p);
        httpd_linger(c);
        return;
    }
    if (rv != APR_SUCCESS) {
        return;                        /* nobody to answer */
    }
    apr_socket_timeout_set(c, HTTPD_DEADLINE);
    head = req.method == OXT_HTTPREQ_HEAD;
    if (req.method == OXT_HTTPREQ_OTHER) {
        httpd_error(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", 0,
                    p);
        httpd_linger(c);               /* a body may follow */
    }
    else if (!oxt_httpreq_path_is(&req, "/metrics")) {
        httpd_error(c, "404 Not Found", NULL, head, p);
    }
    else {
        httpd_metrics(h, c, head, p);
    }
}

/* ---- the thread -------------------------------------------------------- */

static int httpd_wait(httpd_t *h, apr_pool_t *p)
{
    apr_pollfd_t pfd;
    apr_int32_t n = 0;

    memset(&pfd, 0, sizeof(pfd));
    pfd.p = p;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.reqevents = APR_POLLIN;
    pfd.desc.s = h->listen;
    return apr_poll(&pfd, 1, &n, HTTPD_POLL) == APR_SUCCESS && n > 0;
}

static void *APR_THREAD_FUNC httpd_main(apr_thread_t *thread, void *data)
{
    httpd_t *h = data;
    apr_pool_t *p;
    apr_socket_t *c;
    sigset_t block;

    /* Signals are the main thread's (the daemon's SIGTERM). */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    /* A pool of its own allocator: nothing shared with the other thread. */
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        apr_thread_exit(thread, APR_ENOMEM);
        return NULL;
    }
    while (!apr_atomic_read32(&h->stop)) {
        apr_pool_clear(p);
        if (!httpd_wait(h, p)
            || apr_socket_accept(&c, h->listen, p) != APR_SUCCESS) {
            continue;
        }
        httpd_serve(h, c, p);
        apr_socket_close(c);
    }
    apr_pool_destroy(p);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static apr_status_t httpd_cleanup(void *data)
{
    httpd_t *h = data;
    apr_status_t trv;

    apr_atomic_set32(&h->stop, 1);
    apr_thread_join(&trv, h->thread);
    apr_socket_close(h->listen);
    return APR_SUCCESS;
}

static apr_status_t httpd_listen(httpd_t *h, const char *where,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_sockaddr_t *sa;
    char *host = NULL, *scope = NULL;
    apr_port_t port = 0;
    apr_status_t rv;

    rv = apr_parse_addr_port(&host, &scope, &port, where, p);
    if (rv == APR_SUCCESS && (host == NULL || port == 0)) {
        rv = APR_EINVAL;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0, p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_socket_create(&h->listen, sa->family, SOCK_STREAM,
                               APR_PROTO_TCP, p);
    }
    if (rv == APR_SUCCESS) {
        apr_socket_opt_set(h->listen, APR_SO_REUSEADDR, 1);
        apr_socket_opt_set(h->listen, APR_SO_NONBLOCK, 1);
        rv = apr_socket_bind(h->listen, sa);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_socket_listen(h->listen, 8);
    }
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot serve the metrics",
                              "listening on %s (metrics_listen)", where);
    }
    return APR_SUCCESS;
}

apr_status_t oxt_repl_httpd_start(oxt_repl_t *repl, oxt_result_t *res)
{
    const char *where = repl->cfg->metrics_listen;
    httpd_t *h;
    apr_status_t rv;

    if (where == NULL) {
        return APR_SUCCESS;
    }
    h = apr_pcalloc(repl->p, sizeof(*h));
    h->cfg = repl->cfg;
    rv = httpd_listen(h, where, res, repl->p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&h->thread, NULL, httpd_main, h, repl->p);
        if (rv != APR_SUCCESS) {
            apr_socket_close(h->listen);
            return oxt_result_set(res, rv, "Cannot serve the metrics",
                                  "no thread");
        }
        /* Before the pool's children go (the thread's own pool may be
         * one of them): the thread is stopped and joined first. */
        apr_pool_pre_cleanup_register(repl->p, h, httpd_cleanup);
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                       OXTLOGNO(03907) "metrics on http://%s/metrics", where);
    }
    return rv;
}
