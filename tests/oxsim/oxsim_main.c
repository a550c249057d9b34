/*
 * oxsim_main.c — command line, listening socket, port file, signals.
 *
 *   oxsim --listen 127.0.0.1:0 --port-file FILE [knobs]
 *
 * The socket is bound here (not by MHD) so the chosen port is known before
 * anyone is told; the port file is written under a temporary name and
 * renamed, so a reader never sees half a number. See README.md.
 */
#include "oxsim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <apr_general.h>
#include <libxml/parser.h>

typedef struct {
    const char *listen;
    const char *port_file;
    int allow_any;
    long threads;
    const char *change_log;
} oxsim_opts_t;

static void oxsim_usage(FILE *f)
{
    fputs("usage: oxsim --listen ADDR:PORT --port-file FILE [--allow-any]\n"
          "  [--threads N] [--latency-ms N] [--jitter-ms N] [--fault-rate F]\n"
          "  [--http500-rate F] [--drop-rate F] [--hang-rate F]\n"
          "  [--hang-max-ms N] [--hang-call N] [--max-conns N]\n"
          "  [--max-request-bytes N]\n"
          "  [--seed N] [--exception-id on|off] [--unicode-mappings on|off]\n"
          "  [--master-override on|off] [--username-changeable on|off]\n"
          "  [--primary-mail-unchangeable on|off] [--fault-detail on|off]\n"
          "  [--master LOGIN:PASS] [--reseller LOGIN:PASS]...\n"
          "  [--change-log FILE]\n", f);
}

/* External entities must never be fetched, whatever a request says. */
static xmlParserInputPtr oxsim_no_entities(const char *url, const char *id,
                                           xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static int oxsim_parse_args(int argc, char **argv, oxsim_opts_t *o)
{
    char err[256];
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--allow-any")) {
            o->allow_any = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            oxsim_usage(stdout);
            exit(0);
        }
        if (strncmp(a, "--", 2) || i + 1 >= argc) {
            fprintf(stderr, "oxsim: bad argument '%s'\n", a);
            return -1;
        }
        if (!strcmp(a, "--listen")) {
            o->listen = argv[++i];
        } else if (!strcmp(a, "--port-file")) {
            o->port_file = argv[++i];
        } else if (!strcmp(a, "--threads")) {
            o->threads = strtol(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--change-log")) {
            o->change_log = argv[++i];
        } else if (oxsim_cfg_set(a + 2, argv[i + 1], err, sizeof(err))) {
            fprintf(stderr, "oxsim: %s\n", err);
            return -1;
        } else {
            i++;
        }
    }
    if (o->listen == NULL) {
        fprintf(stderr, "oxsim: --listen is required\n");
        return -1;
    }
    return 0;
}

static int oxsim_listen_socket(const oxsim_opts_t *o, int *pport)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    const char *colon = strrchr(o->listen, ':');
    char host[64];
    int fd, one = 1;

    if (colon == NULL || (size_t)(colon - o->listen) >= sizeof(host)) {
        fprintf(stderr, "oxsim: --listen wants ADDR:PORT\n");
        return -1;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - o->listen), o->listen);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "oxsim: bad IPv4 address '%s'\n", host);
        return -1;
    }
    /* tests must never listen beyond 127.0.0.0/8: only a person running
     * it by hand may ask for more */
    if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127 && !o->allow_any) {
        fprintf(stderr, "oxsim: refusing non-loopback %s without --allow-any\n",
                host);
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("oxsim: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024)
        || getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        fprintf(stderr, "oxsim: cannot listen on %s: %s\n", o->listen,
                strerror(errno));
        close(fd);
        return -1;
    }
    *pport = ntohs(sa.sin_port);
    return fd;
}

static int oxsim_write_port_file(const char *path, int port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "oxsim: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "oxsim: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int oxsim_serve(const oxsim_opts_t *o, sigset_t *sigs)
{
    int port, fd, sig = 0;

    fd = oxsim_listen_socket(o, &port);
    if (fd < 0) {
        return 1;
    }
    if (oxsim_http_start(fd, (unsigned)o->threads)) {
        fprintf(stderr, "oxsim: cannot start the HTTP server\n");
        close(fd);
        return 1;
    }
    if (o->port_file && oxsim_write_port_file(o->port_file, port)) {
        oxsim_http_stop();
        return 1;
    }
    printf("oxsim: listening on 127.0.0.1:%d\n", port);
    fflush(stdout);
    sigwait(sigs, &sig);
    oxsim_http_stop();
    return 0;
}

int main(int argc, char **argv)
{
    oxsim_opts_t o = { NULL, NULL, 0, 4, NULL };
    sigset_t sigs;
    int rc;

    apr_initialize();
    xmlInitParser();
    xmlSetExternalEntityLoader(oxsim_no_entities);
    oxsim_cfg_init();
    oxsim_store_init();
    if (oxsim_parse_args(argc, argv, &o)) {
        oxsim_usage(stderr);
        return 2;
    }
    if (o.change_log != NULL && oxsim_store_change_log_open(o.change_log)) {
        fprintf(stderr, "oxsim: cannot open %s: %s\n", o.change_log,
                strerror(errno));
        return 2;
    }
    if (o.threads < 1 || o.threads > 64) {
        o.threads = 4;
    }
    /* block the stop signals in every thread; main waits for them */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = oxsim_serve(&o, &sigs);
    oxsim_store_cleanup();
    oxsim_cfg_cleanup();
    xmlCleanupParser();
    apr_terminate();
    return rc;
}
