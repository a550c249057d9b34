/*
 * soap_throughput.c — SOAP client calls per second against the emulator
 * with 20 ms latency per call, for 1, 4 and 16 connections. The bound is
 * connections / latency (50, 200, 800 calls/s); the client should come
 * close to it, which shows that calls really overlap and connections are
 * reused.
 *
 *   make bench && bench/bin/soap_throughput [calls-per-connection [latency-ms]]
 *
 * With a latency of 0 the figure is the transport's own cost per call
 * (the client, loopback HTTP and the emulator's parse and answer): what
 * a call takes beyond the emulator's latency at 20 ms.
 *
 * The emulator comes from $OXT_OXSIM, else tests/oxsim/oxsim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_env.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include "oxt_ox.h"

/* The emulator's latency, ms (the second argument; 20 by default). */
static int latency_ms = 20;

static long read_port(const char *file, apr_pool_t *p)
{
    char buf[32] = "";
    apr_file_t *f;
    apr_size_t n;
    int i;

    for (i = 0; i < 200; i++) {
        if (apr_file_open(&f, file, APR_FOPEN_READ, 0, p) == APR_SUCCESS) {
            n = sizeof(buf) - 1;
            apr_file_read(f, buf, &n);
            apr_file_close(f);
            if (n > 0 && buf[n - 1] == '\n') {
                return strtol(buf, NULL, 10);
            }
        }
        apr_sleep(apr_time_from_msec(50));
    }
    return 0;
}

static long start_sim(apr_proc_t *proc, const char *dir, apr_pool_t *p)
{
    char *bin = NULL;
    const char *port_file = apr_pstrcat(p, dir, "/port", NULL);
    const char *args[] = { NULL, "--listen", "127.0.0.1:0", "--port-file",
                           port_file, "--latency-ms",
                           apr_itoa(p, latency_ms), NULL };
    apr_procattr_t *attr;

    if (apr_env_get(&bin, "OXT_OXSIM", p) != APR_SUCCESS || !*bin) {
        bin = "tests/oxsim/oxsim";
    }
    args[0] = bin;
    apr_procattr_create(&attr, p);
    apr_procattr_cmdtype_set(attr, APR_PROGRAM);
    if (apr_proc_create(proc, bin, args, NULL, attr, p) != APR_SUCCESS) {
        fprintf(stderr, "cannot start %s\n", bin);
        return 0;
    }
    return read_port(port_file, p);
}

typedef struct {
    int ok;
    int failed;
} tally_t;

static void count(void *baton, oxt_ox_op_t *op, const oxt_ox_reply_t *reply)
{
    tally_t *t = baton;

    if (reply->status == APR_SUCCESS) {
        t->ok++;
    }
    else {
        t->failed++;
    }
}

/* Calls made in one pool at the most: each call registers a cleanup in
 * its pool, and a finished call's is looked for among them all (APR's
 * cleanups are a list), so thousands of calls in one pool cost the client
 * a scan each; the replicator makes a few in each domain's pool. */
#define CALLS_A_POOL 64

static apr_status_t submit_all(oxt_ox_t *ox, int n, tally_t *t,
                               apr_pool_t *p)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(p);
    oxt_ox_op_t *op;
    apr_pool_t *cp = p;
    apr_status_t rv = APR_SUCCESS;
    int i;

    ctx->name = "bench.example";
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        if (i % CALLS_A_POOL == 0) {
            apr_pool_create(&cp, p);
        }
        rv = oxt_ox_context_exists(&op, ox, ctx, cp);
        if (rv == APR_SUCCESS) {
            rv = oxt_ox_submit(ox, op, count, t);
        }
    }
    return rv;
}

static apr_status_t measure(const char *base, int conns, int per_conn,
                            apr_pool_t *parent)
{
    oxt_soap_settings_t ss = { 0 };
    oxt_ox_settings_t os = { 0 };
    oxt_soap_client_t *client;
    oxt_ox_t *ox;
    tally_t t = { 0, 0 };
    apr_pool_t *p;
    apr_time_t start;
    double secs;
    apr_status_t rv;

    apr_pool_create(&p, parent);
    ss.max_conns = conns;
    os.base_url = base;
    os.master.login = "oxadminmaster";
    os.master.password = "secret";
    rv = oxt_soap_client_create(&client, &ss, NULL, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_create(&ox, &os, client, p);
    }
    if (rv == APR_SUCCESS) {
        rv = submit_all(ox, conns * per_conn, &t, p);
    }
    start = apr_time_now();
    if (rv == APR_SUCCESS) {
        rv = oxt_soap_client_run(client, -1);
    }
    secs = (double)(apr_time_now() - start) / APR_USEC_PER_SEC;
    if (rv != APR_SUCCESS) {
        char ebuf[128];

        fprintf(stderr, "%d connections: %s\n", conns,
                apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    else if (t.ok + t.failed == 0) {
        printf("%2d connections: no call made\n", conns);
    }
    else if (latency_ms > 0) {
        printf("%2d connections: %5d calls in %6.2f s = %7.1f calls/s "
               "(bound %4d/s, %3.0f%%), %.3f ms a call on a connection,"
               " %d failed\n", conns, t.ok + t.failed, secs, t.ok / secs,
               conns * 1000 / latency_ms,
               100.0 * t.ok / secs / (conns * 1000.0 / latency_ms),
               secs * 1000.0 * conns / (t.ok + t.failed), t.failed);
    }
    else {
        printf("%2d connections: %5d calls in %6.2f s = %7.1f calls/s,"
               " %.3f ms a call on a connection, %d failed\n", conns,
               t.ok + t.failed, secs, t.ok / secs,
               secs * 1000.0 * conns / (t.ok + t.failed), t.failed);
    }
    apr_pool_destroy(p);
    return rv;
}

int main(int argc, const char *const *argv)
{
    static const int conns[] = { 1, 4, 16 };
    int per_conn = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100;
    apr_pool_t *p;
    apr_proc_t proc;
    const char *tmp = NULL, *dir;
    long port;
    size_t i;
    int code, failed = 0;
    apr_exit_why_e why;

    if (argc > 2) {
        latency_ms = (int)strtol(argv[2], NULL, 10);
    }
    if (per_conn < 1 || latency_ms < 0) {
        fprintf(stderr, "usage: soap_throughput [calls-per-connection (1 or"
                " more) [latency-ms (0 or more)]]\n");
        return EXIT_FAILURE;
    }
    apr_initialize();
    /* A client made before libcurl is started fails (APR_EINIT). */
    if (oxt_soap_library_init() != APR_SUCCESS) {
        fprintf(stderr, "cannot start libcurl\n");
        return EXIT_FAILURE;
    }
    apr_pool_create(&p, NULL);
    apr_temp_dir_get(&tmp, p);
    dir = apr_psprintf(p, "%s/oxt-bench-%ld", tmp, (long)getpid());
    apr_dir_make(dir, APR_FPROT_OS_DEFAULT, p);
    port = start_sim(&proc, dir, p);
    if (port <= 0) {
        return EXIT_FAILURE;
    }
    printf("emulator latency %d ms, context exists, %d calls per "
           "connection\n", latency_ms, per_conn);
    for (i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
        if (measure(apr_psprintf(p, "http://127.0.0.1:%ld/webservices",
                                 port), conns[i], per_conn, p)
            != APR_SUCCESS) {
            failed = 1;
        }
    }
    apr_proc_kill(&proc, SIGTERM);
    apr_proc_wait(&proc, &code, &why, APR_WAIT);
    apr_file_remove(apr_pstrcat(p, dir, "/port", NULL), p);
    apr_dir_remove(dir, p);
    oxt_soap_library_end();
    apr_terminate();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
