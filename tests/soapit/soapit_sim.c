/*
 * soapit_sim.c — starting, driving and stopping the emulator for a test
 * group; helpers shared by the soapit tests.
 */
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_thread_proc.h>
#include <apr_env.h>
#include <curl/curl.h>

#include "soapit.h"

struct soapit_sim_t {
    apr_pool_t *p;
    apr_proc_t proc;
    const char *dir;
    const char *base;           /* http://127.0.0.1:PORT */
};

soapit_sim_t *soapit_sim;
apr_pool_t *soapit_pool;
static apr_pool_t *group_pool;

const oxt_ox_creds_t soapit_admin = { "admin", "adminpw" };

/* ---- emulator process ------------------------------------------------- */

static const char *sim_binary(apr_pool_t *p)
{
    char *path = NULL;

    if (apr_env_get(&path, "OXT_OXSIM", p) == APR_SUCCESS && path && *path) {
        return path;
    }
    return "tests/oxsim/oxsim";
}

static const char *make_dir(apr_pool_t *p)
{
    static int n;
    const char *tmp = NULL;
    const char *dir;

    ck_assert_int_eq(apr_temp_dir_get(&tmp, p), APR_SUCCESS);
    dir = apr_psprintf(p, "%s/oxt-soapit-%ld-%d", tmp, (long)getpid(), ++n);
    ck_assert_int_eq(apr_dir_make(dir, APR_FPROT_OS_DEFAULT, p),
                     APR_SUCCESS);
    return dir;
}

static const char **sim_args(const char *bin, const char *port_file,
                             const char *const *flags, apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, 16, sizeof(const char *));

    APR_ARRAY_PUSH(a, const char *) = bin;
    APR_ARRAY_PUSH(a, const char *) = "--listen";
    APR_ARRAY_PUSH(a, const char *) = "127.0.0.1:0";
    APR_ARRAY_PUSH(a, const char *) = "--port-file";
    APR_ARRAY_PUSH(a, const char *) = port_file;
    while (flags != NULL && *flags != NULL) {
        APR_ARRAY_PUSH(a, const char *) = *flags++;
    }
    APR_ARRAY_PUSH(a, const char *) = NULL;
    return (const char **)a->elts;
}

/* The emulator writes the port file atomically once it listens. */
static long wait_for_port(soapit_sim_t *sim, const char *port_file)
{
    char *text = NULL;
    apr_file_t *f;
    apr_size_t n;
    int i;

    for (i = 0; i < 200; i++) {
        if (apr_file_open(&f, port_file, APR_FOPEN_READ, 0, sim->p)
            == APR_SUCCESS) {
            text = apr_pcalloc(sim->p, 32);
            n = 31;
            apr_file_read(f, text, &n);
            apr_file_close(f);
            if (strchr(text, '\n') != NULL) {
                return strtol(text, NULL, 10);
            }
        }
        apr_sleep(apr_time_from_msec(50));
    }
    return 0;
}

void soapit_group_start(const char *const *flags)
{
    soapit_sim_t *sim;
    apr_procattr_t *attr;
    const char *bin, *port_file;
    long port;

    apr_pool_create(&group_pool, NULL);
    sim = apr_pcalloc(group_pool, sizeof(*sim));
    sim->p = group_pool;
    sim->dir = make_dir(sim->p);
    port_file = apr_pstrcat(sim->p, sim->dir, "/port", NULL);
    bin = sim_binary(sim->p);
    apr_procattr_create(&attr, sim->p);
    apr_procattr_cmdtype_set(attr, APR_PROGRAM);
    ck_assert_msg(apr_proc_create(&sim->proc, bin, sim_args(bin, port_file,
                                  flags, sim->p), NULL, attr, sim->p)
                  == APR_SUCCESS, "cannot start %s", bin);
    soapit_sim = sim;
    port = wait_for_port(sim, port_file);
    ck_assert_msg(port > 0, "emulator did not write %s", port_file);
    sim->base = apr_psprintf(sim->p, "http://127.0.0.1:%ld", port);
}

void soapit_group_stop(void)
{
    apr_exit_why_e why;
    int code, i;

    if (soapit_sim == NULL) {
        return;
    }
    apr_proc_kill(&soapit_sim->proc, SIGTERM);
    for (i = 0; i < 100; i++) {
        if (apr_proc_wait(&soapit_sim->proc, &code, &why, APR_NOWAIT)
            == APR_CHILD_DONE) {
            break;
        }
        apr_sleep(apr_time_from_msec(50));
    }
    if (i == 100) {
        apr_proc_kill(&soapit_sim->proc, SIGKILL);
        apr_proc_wait(&soapit_sim->proc, &code, &why, APR_WAIT);
    }
    apr_file_remove(apr_pstrcat(soapit_sim->p, soapit_sim->dir, "/port",
                                NULL), soapit_sim->p);
    apr_dir_remove(soapit_sim->dir, soapit_sim->p);
    soapit_sim = NULL;
    apr_pool_destroy(group_pool);
}

/* ---- control endpoints ------------------------------------------------ */

typedef struct {
    char *data;
    apr_size_t len;
    apr_pool_t *p;
} body_t;

static size_t on_body(char *d, size_t size, size_t n, void *baton)
{
    body_t *b = baton;
    char *data = apr_palloc(b->p, b->len + size * n + 1);

    memcpy(data, b->data, b->len);
    memcpy(data + b->len, d, size * n);
    b->len += size * n;
    data[b->len] = '\0';
    b->data = data;
    return size * n;
}

/*
 * One kept-alive control connection per process (Check forks per test), so
 * the emulator's connection counters see exactly one connection besides
 * the client's: high-water = cap + 1, accepted = cap after a reset.
 */
static CURL *ctl_easy;
static pid_t ctl_pid;

static CURL *control_handle(void)
{
    if (ctl_easy == NULL || ctl_pid != getpid()) {
        ctl_easy = curl_easy_init();    /* a parent's handle is left alone */
        ctl_pid = getpid();
    }
    curl_easy_reset(ctl_easy);
    return ctl_easy;
}

static const char *control(const char *path, const char *post, apr_pool_t *p)
{
    CURL *e = control_handle();
    body_t b = { "", 0, p };
    long code = 0;
    CURLcode rc;

    curl_easy_setopt(e, CURLOPT_URL, apr_pstrcat(p, soapit_sim->base, path,
                                                 NULL));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    if (post != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
    }
    rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    ck_assert_msg(rc == CURLE_OK && code == 200, "%s %s: curl %d HTTP %ld: %s",
                  post ? "POST" : "GET", path, (int)rc, code, b.data);
    return b.data;
}

const char *soapit_get(const char *path, apr_pool_t *p)
{
    return control(path, NULL, p);
}

void soapit_config(const char *form)
{
    control("/oxsim/config", form, soapit_pool);
}

long soapit_counter(const char *key)
{
    const char *json = soapit_get("/oxsim/counters", soapit_pool);
    const char *at = strstr(json, apr_pstrcat(soapit_pool, "\"", key, "\":",
                                              NULL));

    return at != NULL ? strtol(at + strlen(key) + 3, NULL, 10) : 0;
}

void soapit_quiesce(void)
{
    int i;

    for (i = 0; i < 250 && soapit_counter("connections_current") > 1; i++) {
        apr_sleep(apr_time_from_msec(20));
    }
    ck_assert_int_eq(soapit_counter("connections_current"), 1);
    control("/oxsim/reset", "", soapit_pool);
}

const char *soapit_base_url(void)
{
    return apr_pstrcat(soapit_pool, soapit_sim->base, "/webservices", NULL);
}

/* ---- fixtures --------------------------------------------------------- */

static void test_setup(void)
{
    apr_pool_create(&soapit_pool, NULL);
    control("/oxsim/reset", "", soapit_pool);
    soapit_config("latency_ms=0&jitter_ms=0&fault_rate=0&http500_rate=0"
                  "&drop_rate=0&hang_rate=0");
}

static void test_teardown(void)
{
    apr_pool_destroy(soapit_pool);
    soapit_pool = NULL;
}

TCase *soapit_tcase(const char *name, void (*setup)(void),
                    void (*teardown)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_checked_fixture(tc, test_setup, test_teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

/* ---- clients and objects ---------------------------------------------- */

oxt_ox_t *soapit_ox(const oxt_ox_settings_t *os, const oxt_soap_settings_t *ss)
{
    oxt_soap_client_t *client = NULL;
    oxt_ox_t *ox = NULL;

    ck_assert_int_eq(oxt_soap_client_create(&client, ss, NULL, soapit_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_ox_create(&ox, os, client, soapit_pool),
                     APR_SUCCESS);
    return ox;
}

oxt_ox_t *soapit_ox_default(void)
{
    oxt_ox_settings_t os = { 0 };
    oxt_soap_settings_t ss = { 0 };

    os.base_url = soapit_base_url();
    os.master.login = "oxadminmaster";
    os.master.password = "secret";
    ss.total_timeout = apr_time_from_sec(10);
    return soapit_ox(&os, &ss);
}

static apr_array_header_t *one(const char *s)
{
    apr_array_header_t *a = apr_array_make(soapit_pool, 1,
                                           sizeof(const char *));

    APR_ARRAY_PUSH(a, const char *) = s;
    return a;
}

oxt_ox_user_t *soapit_user(const char *name, const char *domain)
{
    oxt_ox_user_t *u = oxt_ox_user_make(soapit_pool);
    const char *addr = apr_pstrcat(soapit_pool, name, "@", domain, NULL);

    u->name = name;
    u->password = "Pa55word!";
    u->display_name = apr_pstrcat(soapit_pool, "User ", addr, NULL);
    u->given_name = "Given";
    u->sur_name = name;
    u->primary_email = addr;
    u->email1 = addr;
    u->aliases = one(addr);
    u->imap_login = addr;
    u->imap_server = "imap://mail.example.com:143";
    u->smtp_server = "smtp://mail.example.com:25";
    u->language = "en_US";
    u->timezone = "Europe/Berlin";
    return u;
}

int soapit_make_context(oxt_ox_t *ox, const char *name)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);
    oxt_ox_user_t *admin = soapit_user("admin", name);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;
    apr_status_t rv;

    admin->password = soapit_admin.password;
    ctx->name = name;
    ctx->max_quota = 100;
    ctx->login_mappings = one(name);
    ck_assert_int_eq(oxt_ox_context_create(&op, ox, ctx, admin,
                                           "groupware_standard",
                                           soapit_pool), APR_SUCCESS);
    rv = oxt_ox_call(&reply, ox, op);
    ck_assert_msg(rv == APR_SUCCESS, "create %s: %s", name,
                  oxt_result_text(reply->res, soapit_pool));
    ck_assert_int_gt(reply->context->id, 0);
    return reply->context->id;
}
