/*
 * oxsim_throughput — calls per second the OX emulator answers.
 *
 *   bench/bin/oxsim_throughput [--oxsim PATH] [--conns N] [--seconds S]
 *                              [--latency-ms MS]
 *
 * Starts tests/oxsim/oxsim on a free loopback port, creates one context,
 * then N threads each send OXContextService.exists over their own
 * keep-alive connection (one CURL easy handle each) for S seconds, and
 * prints the total rate. Not part of the test run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OXSIM_BENCH_MAX_CONNS 256

static const char *oxsim_bench_exists =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
    " xmlns:s=\"http://soap.admin.openexchange.com\""
    " xmlns:d=\"http://dataobjects.soap.admin.openexchange.com/xsd\""
    " xmlns:r=\"http://dataobjects.rmi.admin.openexchange.com/xsd\"><soapenv:Body>"
    "<s:exists><s:ctx><d:id>1</d:id></s:ctx><s:auth><r:login>oxadminmaster"
    "</r:login><r:password>secret</r:password></s:auth></s:exists>"
    "</soapenv:Body></soapenv:Envelope>";

static const char *oxsim_bench_create =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
    " xmlns:s=\"http://soap.admin.openexchange.com\""
    " xmlns:d=\"http://dataobjects.soap.admin.openexchange.com/xsd\""
    " xmlns:r=\"http://dataobjects.rmi.admin.openexchange.com/xsd\"><soapenv:Body>"
    "<s:create><s:ctx><d:id>1</d:id><d:name>bench.example</d:name>"
    "<d:maxQuota>100</d:maxQuota></s:ctx><s:admin_user><d:name>oxadmin</d:name>"
    "<d:password>pw</d:password><d:display_name>A</d:display_name>"
    "<d:given_name>A</d:given_name><d:sur_name>A</d:sur_name>"
    "<d:primaryEmail>a@bench.example</d:primaryEmail></s:admin_user>"
    "<s:auth><r:login>oxadminmaster</r:login><r:password>secret</r:password>"
    "</s:auth></s:create></soapenv:Body></soapenv:Envelope>";

typedef struct {
    char url[128];
    double until;
    long calls;
    long errors;
} oxsim_bench_worker_t;

static double oxsim_bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t oxsim_bench_sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static CURL *oxsim_bench_handle(const char *url, const char *body,
                                struct curl_slist *hdrs)
{
    CURL *h = curl_easy_init();

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, oxsim_bench_sink);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    return h;
}

static void *oxsim_bench_worker(void *arg)
{
    oxsim_bench_worker_t *w = arg;
    struct curl_slist *hdrs = curl_slist_append(NULL,
        "Content-Type: text/xml;charset=UTF-8");
    CURL *h = oxsim_bench_handle(w->url, oxsim_bench_exists, hdrs);
    long code = 0;

    while (oxsim_bench_now() < w->until) {
        if (curl_easy_perform(h) != CURLE_OK) {
            w->errors++;
            continue;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code == 200) {
            w->calls++;
        } else {
            w->errors++;
        }
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return NULL;
}

static pid_t oxsim_bench_spawn(const char *bin, const char *pf,
                               const char *latency)
{
    pid_t pid = fork();

    if (pid == 0) {
        execl(bin, bin, "--listen", "127.0.0.1:0", "--port-file", pf,
              "--latency-ms", latency, "--max-conns", "1024", (char *)NULL);
        perror("exec oxsim");
        _exit(127);
    }
    return pid;
}

static int oxsim_bench_port(const char *pf)
{
    int i, port = 0;
    FILE *f;

    for (i = 0; i < 1000 && port == 0; i++) {
        f = fopen(pf, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1) {
                port = 0;
            }
            fclose(f);
        }
        if (port == 0) {
            usleep(10000);
        }
    }
    return port;
}

static int oxsim_bench_run(int port, int conns, double seconds)
{
    oxsim_bench_worker_t w[OXSIM_BENCH_MAX_CONNS];
    pthread_t t[OXSIM_BENCH_MAX_CONNS];
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: text/xml");
    char url[128];
    long calls = 0, errors = 0;
    double start;
    CURL *h;
    int i;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/webservices/OXContextService",
             port);
    h = oxsim_bench_handle(url, oxsim_bench_create, hdrs);
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    start = oxsim_bench_now();
    for (i = 0; i < conns; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        snprintf(w[i].url, sizeof(w[i].url), "%s", url);
        w[i].until = start + seconds;
        pthread_create(&t[i], NULL, oxsim_bench_worker, &w[i]);
    }
    for (i = 0; i < conns; i++) {
        pthread_join(t[i], NULL);
        calls += w[i].calls;
        errors += w[i].errors;
    }
    printf("oxsim_throughput: %d connections, %.1f s: %ld calls, %ld errors, "
           "%.0f calls/s\n", conns, oxsim_bench_now() - start, calls, errors,
           (double)calls / (oxsim_bench_now() - start));
    return errors == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *bin = "tests/oxsim/oxsim", *latency = "0";
    char dir[] = "/tmp/oxsim-bench-XXXXXX", pf[64];
    int i, conns = 8, port, rc, status;
    double seconds = 3.0;
    pid_t pid;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--oxsim")) {
            bin = argv[i + 1];
        } else if (!strcmp(argv[i], "--conns")) {
            conns = (int)strtol(argv[i + 1], NULL, 10);
        } else if (!strcmp(argv[i], "--seconds")) {
            seconds = strtod(argv[i + 1], NULL);
        } else if (!strcmp(argv[i], "--latency-ms")) {
            latency = argv[i + 1];
        }
    }
    if (conns < 1 || conns > OXSIM_BENCH_MAX_CONNS || mkdtemp(dir) == NULL) {
        fprintf(stderr, "oxsim_throughput: bad --conns or no temp dir\n");
        return 2;
    }
    snprintf(pf, sizeof(pf), "%s/port", dir);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pid = oxsim_bench_spawn(bin, pf, latency);
    port = oxsim_bench_port(pf);
    rc = port > 0 ? oxsim_bench_run(port, conns, seconds) : 2;
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    unlink(pf);
    rmdir(dir);
    curl_global_cleanup();
    return rc;
}
