/*
 * read_floor.c — the cheapest read of the rows a full pass needs: one
 * streamed query per table (no join, no WHERE, the text protocol, rows
 * fetched and thrown away). bench/full_pass.py divides the pass's time by
 * this one; nothing the replicator does with the rows can be cheaper.
 *
 *   bench/bin/read_floor (--socket PATH | --host H --port N) --user U \
 *       --psa DB --oxtender DB [--verbose]
 *
 * The password comes from $OXT_BENCH_DB_PASSWORD (never the command
 * line). Prints "floor <seconds> s, <rows> rows" on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mysql.h>

typedef struct {
    const char *socket, *host, *user, *psa, *oxt;
    unsigned int port;
    int verbose;
} floor_opts_t;

/* The columns the pass reads, table by table; {psa} and {oxt} are the
 * database names. */
static const char *const queries[][2] = {
    { "psa", "SELECT id, name, displayName, status, cl_id FROM %s.domains" },
    { "psa", "SELECT id, login, type, status, parent_id, locale"
             " FROM %s.clients" },
    { "psa", "SELECT dom_id, type, status FROM %s.DomainServices" },
    { "psa", "SELECT dom_id, name, mail, status FROM %s.domainaliases" },
    { "psa", "SELECT id, dom_id, mail_name, postbox, redirect, mbox_quota,"
             " account_id FROM %s.mail" },
    { "psa", "SELECT id, type, password FROM %s.accounts" },
    { "psa", "SELECT mn_id, alias FROM %s.mail_aliases" },
    { "oxt", "SELECT level, plesk_id, access, webmail_forever,"
             " default_quota_mb, max_quota_mb, language, timezone,"
             " service_type, webmail_now_at FROM %s.prefs" },
    { "oxt", "SELECT dom_id, ox_context_id, context_name, admin_login,"
             " admin_password_enc, applied_login_mappings, applied_quota_mb,"
             " status FROM %s.domain_state" },
    { "oxt", "SELECT mail_id, dom_id, ox_context_id, ox_user_id,"
             " applied_mail_name, applied_address, applied_display_name,"
             " applied_aliases, applied_service_type, applied_language,"
             " applied_timezone, applied_imap_server, applied_smtp_server,"
             " applied_password_fp, status, status_reason"
             " FROM %s.mailbox_state" },
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(floor_opts_t *o, int argc, char **argv)
{
    int i;

    memset(o, 0, sizeof(*o));
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "--verbose") == 0) {
            o->verbose = 1;
            continue;
        }
        if (v == NULL) {
            return 0;
        }
        if (strcmp(argv[i], "--socket") == 0) {
            o->socket = v;
        }
        else if (strcmp(argv[i], "--host") == 0) {
            o->host = v;
        }
        else if (strcmp(argv[i], "--port") == 0) {
            o->port = (unsigned int)strtoul(v, NULL, 10);
        }
        else if (strcmp(argv[i], "--user") == 0) {
            o->user = v;
        }
        else if (strcmp(argv[i], "--psa") == 0) {
            o->psa = v;
        }
        else if (strcmp(argv[i], "--oxtender") == 0) {
            o->oxt = v;
        }
        else {
            return 0;
        }
        i++;
    }
    return o->user && o->psa && o->oxt && (o->socket || o->host);
}

/* Streams one query's rows and drops them; returns the row count or -1. */
static long long drain(MYSQL *m, const char *sql)
{
    MYSQL_RES *r;
    long long n = 0;

    if (mysql_real_query(m, sql, strlen(sql)) != 0) {
        fprintf(stderr, "read_floor: %s: %s\n", sql, mysql_error(m));
        return -1;
    }
    r = mysql_use_result(m);
    if (r == NULL) {
        fprintf(stderr, "read_floor: %s: %s\n", sql, mysql_error(m));
        return -1;
    }
    while (mysql_fetch_row(r) != NULL) {
        n++;
    }
    mysql_free_result(r);
    return n;
}

int main(int argc, char **argv)
{
    floor_opts_t o;
    MYSQL *m;
    char sql[1024];
    double t0, t1;
    long long rows = 0, n;
    size_t i;

    if (!parse(&o, argc, argv)) {
        fprintf(stderr, "usage: read_floor (--socket PATH | --host H --port"
                " N) --user U --psa DB --oxtender DB [--verbose]\n");
        return 2;
    }
    m = mysql_init(NULL);
    if (m == NULL || mysql_real_connect(m, o.socket ? NULL : o.host, o.user,
                                        getenv("OXT_BENCH_DB_PASSWORD"),
                                        NULL, o.port, o.socket, 0) == NULL) {
        fprintf(stderr, "read_floor: connect: %s\n",
                m ? mysql_error(m) : "out of memory");
        return 1;
    }
    mysql_set_character_set(m, "utf8mb4");
    t0 = now_s();
    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        double q0 = now_s();

        snprintf(sql, sizeof(sql), queries[i][1],
                 strcmp(queries[i][0], "psa") == 0 ? o.psa : o.oxt);
        n = drain(m, sql);
        if (n < 0) {
            mysql_close(m);
            return 1;
        }
        rows += n;
        if (o.verbose) {
            fprintf(stderr, "%8.3f s %9lld rows  %s\n", now_s() - q0, n, sql);
        }
    }
    t1 = now_s();
    mysql_close(m);
    printf("floor %.3f s, %lld rows\n", t1 - t0, rows);
    return 0;
}
