/*
 * test_soap_curl.c — the libcurl transport against an in-process loopback
 * HTTP stub (one thread, one connection at a time): what goes on the wire,
 * keep-alive, the response cap while receiving, timeouts, dropped and
 * refused connections.
 */
#include <string.h>
#include <stdlib.h>
#include <apr_network_io.h>
#include <apr_thread_proc.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_soap.h"
#include "oxt_xml.h"

typedef enum {
    STUB_OK,                    /* canned SOAP answer, keep-alive */
    STUB_HUGE,                  /* endless body without Content-Length */
    STUB_HANG,                  /* read the request, never answer */
    STUB_DROP                   /* read the request, hang up */
} stub_mode_t;

typedef struct {
    apr_pool_t *p;
    apr_socket_t *lsock;
    apr_thread_t *thread;
    apr_port_t port;
    stub_mode_t mode;
    volatile int stop;
    int accepted;
    apr_size_t sent;
    char head[4096];            /* headers of the last request */
} stub_t;

#define OK_REPLY "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/" \
    "envelope/\"><s:Body><pingResponse/></s:Body></s:Envelope>"

/* Reads one request (headers, then Content-Length bytes); 0 at EOF. */
static int read_request(stub_t *s, apr_socket_t *c)
{
    char buf[8192];
    apr_size_t have = 0, n;
    const char *end = NULL, *cl;
    long body = 0;
    apr_status_t rv;

    while (end == NULL || have < (apr_size_t)(end + 4 - buf) + (apr_size_t)body) {
        n = sizeof(buf) - 1 - have;
        rv = n == 0 ? APR_EOF : apr_socket_recv(c, buf + have, &n);
        if (APR_STATUS_IS_TIMEUP(rv) && !s->stop) {
            continue;           /* short timeouts let stub_stop end us */
        }
        if (rv != APR_SUCCESS) {
            return 0;
        }
        have += n;
        buf[have] = '\0';
        if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            cl = strstr(buf, "Content-Length: ");
            body = cl ? strtol(cl + 16, NULL, 10) : 0;
            apr_cpystrn(s->head, buf, (apr_size_t)(end - buf) + 1);
        }
    }
    return 1;
}

static void send_all(stub_t *s, apr_socket_t *c, const char *data,
                     apr_size_t len)
{
    apr_size_t n = len;

    if (apr_socket_send(c, data, &n) == APR_SUCCESS) {
        s->sent += n;
    }
}

static void answer_ok(stub_t *s, apr_socket_t *c)
{
    char *head = apr_psprintf(s->p, "HTTP/1.1 200 OK\r\nContent-Type: "
                              "text/xml\r\nContent-Length: %d\r\n\r\n",
                              (int)strlen(OK_REPLY));

    send_all(s, c, head, strlen(head));
    send_all(s, c, OK_REPLY, strlen(OK_REPLY));
}

static void answer_huge(stub_t *s, apr_socket_t *c)
{
    static char block[65536];
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
        "Connection: close\r\n\r\n<s:Envelope>";
    apr_size_t n;
    apr_status_t rv;

    memset(block, 'x', sizeof(block));
    send_all(s, c, head, strlen(head));
    while (!s->stop && s->sent < 100u * 1024 * 1024) {
        n = sizeof(block);
        rv = apr_socket_send(c, block, &n);
        s->sent += n;
        if (rv != APR_SUCCESS && !APR_STATUS_IS_TIMEUP(rv)) {
            return;
        }
    }
}

static void serve(stub_t *s, apr_socket_t *c)
{
    while (!s->stop && read_request(s, c)) {
        if (s->mode == STUB_OK) {
            answer_ok(s, c);
            continue;
        }
        if (s->mode == STUB_HUGE) {
            answer_huge(s, c);
        }
        while (s->mode == STUB_HANG && !s->stop) {
            apr_sleep(apr_time_from_msec(20));
        }
        return;
    }
}

static void *APR_THREAD_FUNC stub_main(apr_thread_t *t, void *data)
{
    stub_t *s = data;
    apr_socket_t *c;
    apr_pool_t *cp;

    apr_pool_create(&cp, s->p);
    while (!s->stop) {
        if (apr_socket_accept(&c, s->lsock, cp) != APR_SUCCESS) {
            continue;
        }
        s->accepted++;
        apr_socket_timeout_set(c, apr_time_from_msec(50));
        serve(s, c);
        apr_socket_close(c);
        apr_pool_clear(cp);
    }
    /* Plain return: apr_thread_exit's pthread_exit unwinding trips a known
     * ASan false positive (sigaltstack, glibc 2.36). */
    return NULL;
}

static stub_t *stub_start(stub_mode_t mode)
{
    stub_t *s = apr_pcalloc(oxt_test_pool, sizeof(*s));
    apr_sockaddr_t *sa;

    s->p = oxt_test_pool;
    s->mode = mode;
    ck_assert_int_eq(apr_sockaddr_info_get(&sa, "127.0.0.1", APR_INET, 0, 0,
                                           s->p), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_create(&s->lsock, APR_INET, SOCK_STREAM,
                                       APR_PROTO_TCP, s->p), APR_SUCCESS);
    apr_socket_opt_set(s->lsock, APR_SO_REUSEADDR, 1);
    ck_assert_int_eq(apr_socket_bind(s->lsock, sa), APR_SUCCESS);
    ck_assert_int_eq(apr_socket_listen(s->lsock, 16), APR_SUCCESS);
    /* a timeout on accept lets the thread notice stop */
    apr_socket_timeout_set(s->lsock, apr_time_from_msec(50));
    apr_socket_addr_get(&sa, APR_LOCAL, s->lsock);
    s->port = sa->port;
    ck_assert_int_eq(apr_thread_create(&s->thread, NULL, stub_main, s, s->p),
                     APR_SUCCESS);
    return s;
}

static void stub_stop(stub_t *s)
{
    apr_status_t trv;

    s->stop = 1;
    apr_thread_join(&trv, s->thread);
    apr_socket_close(s->lsock);
}

static oxt_soap_call_t *ping(apr_port_t port)
{
    xmlDoc *doc;
    xmlNode *body;
    oxt_soap_call_t *call = NULL;
    const char *url = apr_psprintf(oxt_test_pool,
                                   "http://127.0.0.1:%u/webservices/X",
                                   (unsigned)port);

    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &body, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_xml_add_elem(NULL, body, NULL, "ping"), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, url, "ping", doc,
                                        oxt_test_pool), APR_SUCCESS);
    return call;
}

static oxt_soap_client_t *client_with(apr_interval_time_t total,
                                      apr_size_t cap)
{
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client = NULL;

    ck_assert_int_eq(oxt_soap_library_init(), APR_SUCCESS);

    s.connect_timeout = apr_time_from_sec(2);
    s.total_timeout = total;
    s.max_conns = 1;
    s.response_cap = cap;
    ck_assert_int_eq(oxt_soap_client_create(&client, &s, NULL,
                                            oxt_test_pool), APR_SUCCESS);
    return client;
}

START_TEST(calls_post_soap_and_reuse_the_connection)
{
    stub_t *s = stub_start(STUB_OK);
    oxt_soap_client_t *client = client_with(apr_time_from_sec(5), 0);
    int i;

    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(oxt_soap_client_call(client, ping(s->port)),
                         APR_SUCCESS);
    }
    stub_stop(s);
    ck_assert_int_eq(s->accepted, 1);
    ck_assert_ptr_nonnull(strstr(s->head, "POST /webservices/X HTTP/1.1"));
    ck_assert_ptr_nonnull(strstr(s->head,
                                 "Content-Type: text/xml;charset=UTF-8"));
    ck_assert_ptr_nonnull(strstr(s->head, "SOAPAction: \"\""));
}
END_TEST

START_TEST(an_endless_reply_is_cut_at_the_cap)
{
    stub_t *s = stub_start(STUB_HUGE);
    oxt_soap_client_t *client = client_with(apr_time_from_sec(20),
                                            256 * 1024);
    oxt_soap_call_t *call = ping(s->port);

    ck_assert_int_eq(oxt_soap_client_call(client, call), OXT_ESOAP_TOOBIG);
    stub_stop(s);
    /* the client hung up long before the 100 MiB the stub wanted to send */
    ck_assert_uint_lt(s->sent, 32u * 1024 * 1024);
}
END_TEST

START_TEST(a_hanging_server_times_out)
{
    stub_t *s = stub_start(STUB_HANG);
    oxt_soap_client_t *client = client_with(apr_time_from_msec(300), 0);
    apr_time_t start = apr_time_now();

    ck_assert_int_eq(oxt_soap_client_call(client, ping(s->port)),
                     OXT_ESOAP_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - start, apr_time_from_sec(3));
    stub_stop(s);
}
END_TEST

START_TEST(a_dropped_connection_is_retryable)
{
    stub_t *s = stub_start(STUB_DROP);
    oxt_soap_client_t *client = client_with(apr_time_from_sec(5), 0);
    apr_status_t rv = oxt_soap_client_call(client, ping(s->port));

    stub_stop(s);
    ck_assert_int_eq(rv, OXT_ESOAP_CONNECT);
    ck_assert(oxt_soap_status_is_retryable(rv));
}
END_TEST

START_TEST(a_refused_connection_is_retryable)
{
    stub_t *s = stub_start(STUB_OK);
    apr_port_t port = s->port;
    oxt_soap_client_t *client = client_with(apr_time_from_sec(5), 0);
    oxt_soap_call_t *call;

    stub_stop(s);
    call = ping(port);
    ck_assert_int_eq(oxt_soap_client_call(client, call), OXT_ESOAP_CONNECT);
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_result(call)->detail,
                                 "ping http://127.0.0.1:"));
}
END_TEST

START_TEST(destroying_the_client_abandons_calls_in_flight)
{
    stub_t *s = stub_start(STUB_HANG);
    apr_pool_t *cp;
    oxt_soap_client_t *client = NULL;
    oxt_soap_settings_t set = { 0 };

    apr_pool_create(&cp, oxt_test_pool);
    ck_assert_int_eq(oxt_soap_library_init(), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_create(&client, &set, NULL, cp),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_submit(client, ping(s->port), NULL,
                                            NULL), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_submit(client, ping(s->port), NULL,
                                            NULL), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_run(client, apr_time_from_msec(200)),
                     APR_TIMEUP);
    ck_assert_int_eq(oxt_soap_client_pending(client), 2);
    apr_pool_destroy(cp);       /* must not touch freed handles (ASan) */
    stub_stop(s);
}
END_TEST

/* Each test runs in its own process, which main never started libcurl
 * in: a client before oxt_soap_library_init is refused, never started
 * lazily. */
START_TEST(the_library_is_started_once_not_lazily)
{
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client = NULL;

    ck_assert_int_eq(oxt_soap_client_create(&client, &s, NULL,
                                            oxt_test_pool), APR_EINIT);
    ck_assert_int_eq(oxt_soap_library_started(), 0);
    ck_assert_int_eq(oxt_soap_library_init(), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_library_init(), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_library_started(), 1);
    ck_assert_int_eq(oxt_soap_client_create(&client, &s, NULL,
                                            oxt_test_pool), APR_SUCCESS);
}
END_TEST

TCase *oxt_soap_curl_test_case(void)
{
    TCase *tc = oxt_unit_tcase("soap_curl");

    tcase_add_test(tc, calls_post_soap_and_reuse_the_connection);
    tcase_add_test(tc, an_endless_reply_is_cut_at_the_cap);
    tcase_add_test(tc, a_hanging_server_times_out);
    tcase_add_test(tc, a_dropped_connection_is_retryable);
    tcase_add_test(tc, a_refused_connection_is_retryable);
    tcase_add_test(tc, destroying_the_client_abandons_calls_in_flight);
    tcase_add_test(tc, the_library_is_started_once_not_lazily);
    return tc;
}
