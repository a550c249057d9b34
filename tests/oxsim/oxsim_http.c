/*
 * oxsim_http.c — libmicrohttpd front: routing, the request size cap, fault
 * injection and latency.
 *
 * Latency is counted from the request's arrival (its headers read), as a
 * real OX's processing is inside its answer time: the parse, the store
 * and the answer's text run inside the delay, and an answer whose work
 * took longer than the delay leaves as soon as it is ready (never
 * before). Latency does not hold a thread: a delayed connection is
 * suspended and a timer thread resumes it when its deadline passes, so
 * 16 connections at 20 ms each still give ~800 calls/s on two cores. A "hang" is the same
 * with a deadline of hang_max_ms, after which the connection is closed
 * unanswered (MHD cannot see that a suspended client went away). Control
 * endpoints under /oxsim/ never see injection or latency.
 */
#include "oxsim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

typedef enum {
    OXSIM_ST_NEW = 0,
    OXSIM_ST_SUSPENDED,
    OXSIM_ST_RESUMED
} oxsim_state_t;

typedef struct {
    struct MHD_Connection *conn;
    oxsim_buf_t in;
    oxsim_buf_t out;
    int too_big;
    int drop;
    int status;
    const char *ctype;
    oxsim_state_t state;
    long long arrived;    /* CLOCK_MONOTONIC microseconds: headers read */
    long long deadline;   /* ... the answer due */
    long long ready;      /* ... the answer ready (its work done) */
} oxsim_req_t;

static struct MHD_Daemon *oxsim_daemon;
static int oxsim_quiesced_fd = -1;

/* ---- timer: a min-heap of suspended requests by deadline --------------- */

static pthread_mutex_t oxsim_tmr_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t oxsim_tmr_cond;
static pthread_t oxsim_tmr_thread;
static oxsim_req_t **oxsim_heap;
static size_t oxsim_heap_len, oxsim_heap_cap;
static int oxsim_tmr_stop;
static long oxsim_suspended;   /* suspended and not yet seen resumed */

/* Microseconds: a millisecond clock would answer up to 1 ms early. */
static long long oxsim_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void oxsim_heap_swap(size_t a, size_t b)
{
    oxsim_req_t *t = oxsim_heap[a];

    oxsim_heap[a] = oxsim_heap[b];
    oxsim_heap[b] = t;
}

static void oxsim_heap_push(oxsim_req_t *r)
{
    size_t i;

    if (oxsim_heap_len == oxsim_heap_cap) {
        size_t cap = oxsim_heap_cap ? oxsim_heap_cap * 2 : 64;
        oxsim_req_t **h = realloc(oxsim_heap, cap * sizeof(*h));
        if (h == NULL) {
            abort();
        }
        oxsim_heap = h;
        oxsim_heap_cap = cap;
    }
    i = oxsim_heap_len++;
    oxsim_heap[i] = r;
    while (i > 0 && oxsim_heap[(i - 1) / 2]->deadline > oxsim_heap[i]->deadline) {
        oxsim_heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static oxsim_req_t *oxsim_heap_pop(void)
{
    oxsim_req_t *top = oxsim_heap[0];
    size_t i = 0;

    oxsim_heap[0] = oxsim_heap[--oxsim_heap_len];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < oxsim_heap_len && oxsim_heap[l]->deadline < oxsim_heap[m]->deadline) {
            m = l;
        }
        if (r < oxsim_heap_len && oxsim_heap[r]->deadline < oxsim_heap[m]->deadline) {
            m = r;
        }
        if (m == i) {
            break;
        }
        oxsim_heap_swap(i, m);
        i = m;
    }
    return top;
}

static void oxsim_wait_until(long long deadline)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline / 1000000);
    ts.tv_nsec = (long)(deadline % 1000000) * 1000L;
    pthread_cond_timedwait(&oxsim_tmr_cond, &oxsim_tmr_mutex, &ts);
}

static void *oxsim_timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&oxsim_tmr_mutex);
    while (!oxsim_tmr_stop) {
        if (oxsim_heap_len == 0) {
            pthread_cond_wait(&oxsim_tmr_cond, &oxsim_tmr_mutex);
            continue;
        }
        if (oxsim_heap[0]->deadline > oxsim_now_us()) {
            oxsim_wait_until(oxsim_heap[0]->deadline);
            continue;
        }
        {
            oxsim_req_t *r = oxsim_heap_pop();
            r->state = OXSIM_ST_RESUMED;
            MHD_resume_connection(r->conn);
        }
    }
    pthread_mutex_unlock(&oxsim_tmr_mutex);
    return NULL;
}

/* Called from the access handler once the answer is ready: delay_ms
 * after the request arrived; -1 when that time has passed already (the
 * answer goes now) or the timer is stopping. The connection is suspended
 * first, so the timer can never resume one that is not suspended yet. */
static int oxsim_delay(oxsim_req_t *r, long long delay_ms)
{
    long long due = r->arrived + delay_ms * 1000;

    if (due <= oxsim_now_us()) {
        return -1;
    }
    pthread_mutex_lock(&oxsim_tmr_mutex);
    if (oxsim_tmr_stop) {
        pthread_mutex_unlock(&oxsim_tmr_mutex);
        return -1;
    }
    r->deadline = due;
    r->state = OXSIM_ST_SUSPENDED;
    oxsim_suspended++;
    MHD_suspend_connection(r->conn);
    oxsim_heap_push(r);
    pthread_cond_signal(&oxsim_tmr_cond);
    pthread_mutex_unlock(&oxsim_tmr_mutex);
    return 0;
}

/* ---- responses --------------------------------------------------------- */

static enum MHD_Result oxsim_respond(struct MHD_Connection *conn, int status,
                                     const char *ctype, oxsim_buf_t *body,
                                     int close_conn)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;
    size_t len = body->len;
    char *s = body->s;

    oxsim_buf_init(body);   /* MHD owns the bytes now */
    resp = MHD_create_response_from_buffer(len, s ? s : (char *)"",
                                           s ? MHD_RESPMEM_MUST_FREE
                                             : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (close_conn) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    rc = MHD_queue_response(conn, (unsigned int)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result oxsim_respond_text(struct MHD_Connection *conn,
                                          int status, const char *text,
                                          int close_conn)
{
    oxsim_buf_t b;

    oxsim_buf_init(&b);
    oxsim_buf_puts(&b, text);
    return oxsim_respond(conn, status, "text/plain; charset=UTF-8", &b,
                         close_conn);
}

/* ---- SOAP with injection ------------------------------------------------ */

static int oxsim_roll(double rate)
{
    return rate > 0.0 && oxsim_rng_uniform() < rate;
}

static enum MHD_Result oxsim_finish(oxsim_req_t *r)
{
    if (r->drop) {
        return MHD_NO;   /* MHD closes the socket without an answer */
    }
    /* the answer's time as the emulator sees it, beside its latency */
    oxsim_count(OXSIM_CNT_ANSWERS, 1);
    oxsim_count(OXSIM_CNT_ANSWER_US, (long)(oxsim_now_us() - r->arrived));
    oxsim_count(OXSIM_CNT_WORK_US, (long)(r->ready - r->arrived));
    return oxsim_respond(r->conn, r->status, r->ctype, &r->out, 0);
}

static enum MHD_Result oxsim_soap(oxsim_req_t *r, const char *service)
{
    oxsim_knobs_t k;
    long long delay;
    int hang, nth;

    oxsim_cfg_snapshot(&k);
    oxsim_count(OXSIM_CNT_REQUESTS, 1);
    r->ctype = "text/xml;charset=UTF-8";
    /* hang_call: this very call is applied and never answered, so a test
     * can kill its client at a chosen call */
    nth = oxsim_cfg_take_hang_call();
    r->drop = !nth && oxsim_roll(k.drop_rate);
    hang = nth || (!r->drop && oxsim_roll(k.hang_rate));
    if (nth) {
        oxsim_soap_handle(service, r->in.s ? r->in.s : "", r->in.len,
                          &r->status, &r->out);
    } else if (oxsim_roll(k.http500_rate)) {
        oxsim_count(OXSIM_CNT_INJ_HTTP500, 1);
        r->status = 500;
        r->ctype = "text/html";
        oxsim_buf_puts(&r->out, "<html><body><h1>500 Internal Server Error"
                       "</h1></body></html>");
    } else if (oxsim_roll(k.fault_rate)) {
        oxsim_count(OXSIM_CNT_INJ_FAULT, 1);
        r->status = 500;
        oxsim_soap_injected_fault(service, &r->out);
    } else {
        /* dropped and hung calls are applied: the client cannot know */
        oxsim_soap_handle(service, r->in.s ? r->in.s : "", r->in.len,
                          &r->status, &r->out);
    }
    oxsim_count(OXSIM_CNT_INJ_DROP, r->drop);
    oxsim_count(OXSIM_CNT_INJ_HANG, hang);
    r->drop = r->drop || hang;
    r->ready = oxsim_now_us();
    delay = hang ? k.hang_max_ms
                 : k.latency_ms + (long long)(oxsim_rng_uniform()
                                              * (double)k.jitter_ms);
    if (delay > 0 && oxsim_delay(r, delay) == 0) {
        return MHD_YES;
    }
    return oxsim_finish(r);
}

/* ---- MHD callbacks ---------------------------------------------------- */

static enum MHD_Result oxsim_route(oxsim_req_t *r, const char *url,
                                   const char *method)
{
    const char *ctype;

    if (r->too_big) {
        oxsim_count(OXSIM_CNT_REJECTED_SIZE, 1);
        return oxsim_respond_text(r->conn, 413, "request too large\n", 1);
    }
    if (!strncmp(url, "/oxsim/", 7)) {
        ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_CONTENT_TYPE);
        r->status = oxsim_ctl_handle(method, url, r->in.s ? r->in.s : "",
                                     r->in.len, ctype, &r->out);
        return oxsim_respond(r->conn, r->status, "application/json",
                             &r->out, 0);
    }
    if (!strncmp(url, "/webservices/", 13)) {
        if (strcmp(method, "POST")) {
            return oxsim_respond_text(r->conn, 405, "POST a SOAP request\n", 0);
        }
        return oxsim_soap(r, url + 13);
    }
    return oxsim_respond_text(r->conn, 404, "not found\n", 0);
}

static int oxsim_declared_too_big(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    oxsim_knobs_t k;

    oxsim_cfg_snapshot(&k);
    return cl != NULL && strtoll(cl, NULL, 10) > k.max_request_bytes;
}

static void oxsim_append(oxsim_req_t *r, const char *data, size_t n)
{
    oxsim_knobs_t k;

    if (r->too_big) {
        return;   /* keep reading and discarding: answer once it is in */
    }
    oxsim_cfg_snapshot(&k);
    if (r->in.len + n > (size_t)k.max_request_bytes) {
        r->too_big = 1;
        oxsim_buf_free(&r->in);
        return;
    }
    oxsim_buf_add(&r->in, data, n);
}

static enum MHD_Result oxsim_access(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    oxsim_req_t *r = *con_cls;

    (void)cls;
    (void)version;
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL) {
            return MHD_NO;
        }
        r->conn = conn;
        r->arrived = oxsim_now_us();
        r->too_big = oxsim_declared_too_big(conn);
        *con_cls = r;
        return MHD_YES;
    }
    if (r->state == OXSIM_ST_RESUMED) {
        pthread_mutex_lock(&oxsim_tmr_mutex);
        oxsim_suspended--;
        pthread_mutex_unlock(&oxsim_tmr_mutex);
        r->state = OXSIM_ST_NEW;
        return oxsim_finish(r);
    }
    if (*upload_data_size != 0) {
        oxsim_append(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return oxsim_route(r, url, method);
}

static void oxsim_completed(void *cls, struct MHD_Connection *conn,
                            void **con_cls, enum MHD_RequestTerminationCode t)
{
    oxsim_req_t *r = *con_cls;

    (void)cls;
    (void)conn;
    (void)t;
    if (r != NULL) {
        oxsim_buf_free(&r->in);
        oxsim_buf_free(&r->out);
        free(r);
        *con_cls = NULL;
    }
}

static enum MHD_Result oxsim_accept(void *cls, const struct sockaddr *addr,
                                    socklen_t addrlen)
{
    oxsim_knobs_t k;

    (void)cls;
    (void)addr;
    (void)addrlen;
    oxsim_cfg_snapshot(&k);
    return oxsim_conn_open(k.max_conns) ? MHD_YES : MHD_NO;
}

static void oxsim_conn_notify(void *cls, struct MHD_Connection *conn,
                              void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)conn;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        oxsim_conn_close();
    }
}

static void oxsim_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("oxsim: mhd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ---------------------------------------------------- */

int oxsim_http_start(int listen_fd, unsigned threads)
{
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&oxsim_tmr_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&oxsim_tmr_thread, NULL, oxsim_timer_main, NULL)) {
        return -1;
    }
    oxsim_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL
        | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
        0, oxsim_accept, NULL, oxsim_access, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, oxsim_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)20000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
        MHD_OPTION_NOTIFY_COMPLETED, oxsim_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, oxsim_conn_notify, NULL,
        MHD_OPTION_END);
    return oxsim_daemon ? 0 : -1;
}

/* Stops accepting, resumes every suspended connection (each is closed
 * unanswered), waits until MHD has seen them, then stops the daemon. */
void oxsim_http_stop(void)
{
    long left;
    int i;

    if (oxsim_daemon == NULL) {
        return;
    }
    oxsim_quiesced_fd = MHD_quiesce_daemon(oxsim_daemon);
    pthread_mutex_lock(&oxsim_tmr_mutex);
    oxsim_tmr_stop = 1;
    while (oxsim_heap_len > 0) {
        oxsim_req_t *r = oxsim_heap_pop();
        r->drop = 1;
        r->state = OXSIM_ST_RESUMED;
        MHD_resume_connection(r->conn);
    }
    pthread_cond_signal(&oxsim_tmr_cond);
    pthread_mutex_unlock(&oxsim_tmr_mutex);
    pthread_join(oxsim_tmr_thread, NULL);
    for (i = 0; i < 200; i++) {
        pthread_mutex_lock(&oxsim_tmr_mutex);
        left = oxsim_suspended;
        pthread_mutex_unlock(&oxsim_tmr_mutex);
        if (left <= 0) {
            break;
        }
        usleep(10000);
    }
    MHD_stop_daemon(oxsim_daemon);
    oxsim_daemon = NULL;
    if (oxsim_quiesced_fd >= 0) {
        close(oxsim_quiesced_fd);
    }
    free(oxsim_heap);
    oxsim_heap = NULL;
    pthread_cond_destroy(&oxsim_tmr_cond);
}
