/*
 * oxsim_config.c — the knobs (command line and POST /oxsim/config share
 * one setter), the seeded random generator and the counters.
 *
 * Knobs change at runtime while requests are in flight, so every reader
 * takes a snapshot under the mutex and works on its copy.
 */
#include "oxsim.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OXSIM_MAX_RESELLERS 64
#define OXSIM_CRED_LEN 128

typedef struct {
    char login[OXSIM_CRED_LEN];
    char pass[OXSIM_CRED_LEN];
} oxsim_cred_t;

static pthread_mutex_t oxsim_cfg_mutex = PTHREAD_MUTEX_INITIALIZER;
static oxsim_knobs_t oxsim_knobs;
static oxsim_cred_t oxsim_master;
static oxsim_cred_t oxsim_resellers[OXSIM_MAX_RESELLERS];
static int oxsim_nresellers;
static unsigned long long oxsim_seed;
static uint64_t oxsim_rng_state;
static long oxsim_exc_base;
static long oxsim_exc_counter;

static pthread_mutex_t oxsim_cnt_mutex = PTHREAD_MUTEX_INITIALIZER;
static long oxsim_counters[OXSIM_CNT__MAX];
static long oxsim_conns_current;
static oxsim_map_t *oxsim_calls;

static const char *const oxsim_counter_names[OXSIM_CNT__MAX] = {
    "connections_accepted", "connections_refused",
    "connections_high_water", "requests", "faults_returned",
    "injected_soap_faults", "injected_http500", "injected_drops",
    "injected_hangs", "rejected_oversize", "rejected_xml",
    "soap_answers", "soap_answer_us", "soap_work_us"
};

/* ---- RNG: splitmix64, reproducible from --seed --------------------- */

static uint64_t oxsim_rng_next_locked(void)
{
    uint64_t z = (oxsim_rng_state += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double oxsim_rng_uniform(void)
{
    uint64_t v;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    v = oxsim_rng_next_locked();
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    return (double)(v >> 11) / 9007199254740992.0;
}

static void oxsim_reseed_locked(unsigned long long seed)
{
    oxsim_seed = seed;
    oxsim_rng_state = seed;
    /* OX's ids look like "-225208343-74": a per-start number and a counter */
    oxsim_exc_base = -(long)(oxsim_rng_next_locked() % 1000000000ull);
    oxsim_exc_counter = 0;
}

void oxsim_cfg_exception_id(char *out, size_t outlen)
{
    pthread_mutex_lock(&oxsim_cfg_mutex);
    if (oxsim_knobs.exception_id) {
        snprintf(out, outlen, "; exceptionId %ld-%ld", oxsim_exc_base,
                 ++oxsim_exc_counter);
    } else {
        out[0] = '\0';
    }
    pthread_mutex_unlock(&oxsim_cfg_mutex);
}

/* ---- setters ------------------------------------------------------------ */

static int oxsim_parse_num(const char *val, long lo, long hi, long *pv)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(val, &end, 10);
    if (errno || end == val || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *pv = v;
    return 0;
}

static int oxsim_parse_rate(const char *val, double *pv)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(val, &end);
    if (errno || end == val || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
        return -1;
    }
    *pv = v;
    return 0;
}

static int oxsim_parse_onoff(const char *val, int *pv)
{
    if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1")) {
        *pv = 1;
    } else if (!strcmp(val, "off") || !strcmp(val, "false")
               || !strcmp(val, "0")) {
        *pv = 0;
    } else {
        return -1;
    }
    return 0;
}

static int oxsim_parse_cred(const char *val, oxsim_cred_t *c)
{
    const char *colon = strchr(val, ':');
    size_t ll;

    if (colon == NULL || colon == val) {
        return -1;
    }
    ll = (size_t)(colon - val);
    if (ll >= sizeof(c->login) || strlen(colon + 1) >= sizeof(c->pass)) {
        return -1;
    }
    memcpy(c->login, val, ll);
    c->login[ll] = '\0';
    snprintf(c->pass, sizeof(c->pass), "%s", colon + 1);
    return 0;
}

static int oxsim_add_reseller_locked(const char *val)
{
    oxsim_cred_t c;
    int i;

    if (oxsim_parse_cred(val, &c)) {
        return -1;
    }
    for (i = 0; i < oxsim_nresellers; i++) {
        if (!strcmp(oxsim_resellers[i].login, c.login)) {
            oxsim_resellers[i] = c;   /* same login: new password */
            return 0;
        }
    }
    if (oxsim_nresellers == OXSIM_MAX_RESELLERS) {
        return -1;
    }
    oxsim_resellers[oxsim_nresellers++] = c;
    return 0;
}

typedef enum { OXSIM_K_LONG, OXSIM_K_RATE, OXSIM_K_ONOFF } oxsim_kind_t;

typedef struct {
    const char *name;
    oxsim_kind_t kind;
    size_t off;
    long lo, hi;
} oxsim_knob_def_t;

#define OXSIM_OFF(f) offsetof(oxsim_knobs_t, f)
static const oxsim_knob_def_t oxsim_knob_defs[] = {
    { "latency_ms", OXSIM_K_LONG, OXSIM_OFF(latency_ms), 0, 600000 },
    { "jitter_ms", OXSIM_K_LONG, OXSIM_OFF(jitter_ms), 0, 600000 },
    { "fault_rate", OXSIM_K_RATE, OXSIM_OFF(fault_rate), 0, 0 },
    { "http500_rate", OXSIM_K_RATE, OXSIM_OFF(http500_rate), 0, 0 },
    { "drop_rate", OXSIM_K_RATE, OXSIM_OFF(drop_rate), 0, 0 },
    { "hang_rate", OXSIM_K_RATE, OXSIM_OFF(hang_rate), 0, 0 },
    { "max_conns", OXSIM_K_LONG, OXSIM_OFF(max_conns), 1, 100000 },
    { "max_request_bytes", OXSIM_K_LONG, OXSIM_OFF(max_request_bytes),
      1024, 256L * 1024 * 1024 },
    { "hang_max_ms", OXSIM_K_LONG, OXSIM_OFF(hang_max_ms), 1, 3600000 },
    { "hang_call", OXSIM_K_LONG, OXSIM_OFF(hang_call), 0, 1000000000 },
    { "exception_id", OXSIM_K_ONOFF, OXSIM_OFF(exception_id), 0, 0 },
    { "unicode_mappings", OXSIM_K_ONOFF, OXSIM_OFF(unicode_mappings), 0, 0 },
    { "master_override", OXSIM_K_ONOFF, OXSIM_OFF(master_override), 0, 0 },
    { "username_changeable", OXSIM_K_ONOFF, OXSIM_OFF(username_changeable),
      0, 0 },
    { "primary_mail_unchangeable", OXSIM_K_ONOFF,
      OXSIM_OFF(primary_mail_unchangeable), 0, 0 },
    { "fault_detail", OXSIM_K_ONOFF, OXSIM_OFF(fault_detail), 0, 0 },
    { NULL, OXSIM_K_LONG, 0, 0, 0 }
};

static int oxsim_set_knob_locked(const oxsim_knob_def_t *d, const char *val)
{
    char *base = (char *)&oxsim_knobs + d->off;

    switch (d->kind) {
    case OXSIM_K_LONG:
        return oxsim_parse_num(val, d->lo, d->hi, (long *)(void *)base);
    case OXSIM_K_RATE:
        return oxsim_parse_rate(val, (double *)(void *)base);
    case OXSIM_K_ONOFF:
        return oxsim_parse_onoff(val, (int *)(void *)base);
    }
    return -1;
}

static int oxsim_set_special_locked(const char *key, const char *val, int *rc)
{
    char *end;
    unsigned long long seed;

    if (!strcmp(key, "seed")) {
        errno = 0;
        seed = strtoull(val, &end, 10);
        *rc = (errno || end == val || *end) ? -1 : 0;
        if (*rc == 0) {
            oxsim_reseed_locked(seed);
        }
        return 1;
    }
    if (!strcmp(key, "master")) {
        oxsim_cred_t c;
        *rc = oxsim_parse_cred(val, &c);
        if (*rc == 0) {
            oxsim_master = c;
        }
        return 1;
    }
    if (!strcmp(key, "reseller")) {
        *rc = oxsim_add_reseller_locked(val);
        return 1;
    }
    if (!strcmp(key, "resellers_clear")) {
        oxsim_nresellers = 0;
        *rc = 0;
        return 1;
    }
    return 0;
}

int oxsim_cfg_set(const char *key_in, const char *val, char *err,
                  size_t errlen)
{
    char key[64];
    size_t i;
    int rc = -1, known = 0;

    snprintf(key, sizeof(key), "%s", key_in);
    for (i = 0; key[i]; i++) {
        key[i] = key[i] == '-' ? '_' : key[i];
    }
    pthread_mutex_lock(&oxsim_cfg_mutex);
    if (oxsim_set_special_locked(key, val, &rc)) {
        known = 1;
    } else {
        for (i = 0; oxsim_knob_defs[i].name; i++) {
            if (!strcmp(oxsim_knob_defs[i].name, key)) {
                known = 1;
                rc = oxsim_set_knob_locked(&oxsim_knob_defs[i], val);
                break;
            }
        }
    }
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    if (!known) {
        snprintf(err, errlen, "unknown knob '%s'", key_in);
    } else if (rc) {
        snprintf(err, errlen, "bad value '%s' for %s", val, key_in);
    }
    return known && rc == 0 ? 0 : -1;
}

void oxsim_cfg_init(void)
{
    oxsim_knobs.max_conns = 256;
    oxsim_knobs.max_request_bytes = 1024 * 1024;
    oxsim_knobs.hang_max_ms = 120000;
    oxsim_knobs.exception_id = 0;
    oxsim_knobs.fault_detail = 1;
    snprintf(oxsim_master.login, sizeof(oxsim_master.login), "oxadminmaster");
    snprintf(oxsim_master.pass, sizeof(oxsim_master.pass), "secret");
    oxsim_reseed_locked(1);
    oxsim_calls = oxsim_map_new();
}


int oxsim_cfg_take_hang_call(void)
{
    int due = 0;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    if (oxsim_knobs.hang_call > 0) {
        due = --oxsim_knobs.hang_call == 0;
    }
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    return due;
}

void oxsim_cfg_snapshot(oxsim_knobs_t *k)
{
    pthread_mutex_lock(&oxsim_cfg_mutex);
    *k = oxsim_knobs;
    pthread_mutex_unlock(&oxsim_cfg_mutex);
}

int oxsim_cfg_is_master(const char *login, const char *pass)
{
    int ok;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    ok = login && pass && !strcmp(login, oxsim_master.login)
         && !strcmp(pass, oxsim_master.pass);
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    return ok;
}

int oxsim_cfg_is_master_login(const char *login)
{
    int is;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    is = login && !strcmp(login, oxsim_master.login);
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    return is;
}

int oxsim_cfg_is_reseller(const char *login, const char *pass)
{
    int i, ok = 0;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    for (i = 0; login && pass && i < oxsim_nresellers && !ok; i++) {
        ok = !strcmp(login, oxsim_resellers[i].login)
             && !strcmp(pass, oxsim_resellers[i].pass);
    }
    pthread_mutex_unlock(&oxsim_cfg_mutex);
    return ok;
}

void oxsim_cfg_json(oxsim_buf_t *b)
{
    oxsim_knobs_t k;
    int i;

    pthread_mutex_lock(&oxsim_cfg_mutex);
    k = oxsim_knobs;
    oxsim_buf_printf(b, "{\"latency_ms\":%ld,\"jitter_ms\":%ld,"
                     "\"fault_rate\":%g,\"http500_rate\":%g,"
                     "\"drop_rate\":%g,\"hang_rate\":%g,\"max_conns\":%ld,"
                     "\"max_request_bytes\":%ld,\"hang_max_ms\":%ld,"
                     "\"hang_call\":%ld,\"seed\":%llu,",
                     k.latency_ms, k.jitter_ms, k.fault_rate, k.http500_rate,
                     k.drop_rate, k.hang_rate, k.max_conns,
                     k.max_request_bytes, k.hang_max_ms, k.hang_call,
                     oxsim_seed);
    oxsim_buf_printf(b, "\"exception_id\":\"%s\",\"unicode_mappings\":\"%s\","
                     "\"master_override\":\"%s\",",
                     k.exception_id ? "on" : "off",
                     k.unicode_mappings ? "on" : "off",
                     k.master_override ? "on" : "off");
    oxsim_buf_printf(b, "\"username_changeable\":\"%s\","
                     "\"primary_mail_unchangeable\":\"%s\","
                     "\"fault_detail\":\"%s\",\"master\":",
                     k.username_changeable ? "on" : "off",
                     k.primary_mail_unchangeable ? "on" : "off",
                     k.fault_detail ? "on" : "off");
    oxsim_buf_json(b, oxsim_master.login);
    oxsim_buf_puts(b, ",\"resellers\":[");
    for (i = 0; i < oxsim_nresellers; i++) {
        oxsim_buf_puts(b, i ? "," : "");
        oxsim_buf_json(b, oxsim_resellers[i].login);
    }
    oxsim_buf_puts(b, "]}");
    pthread_mutex_unlock(&oxsim_cfg_mutex);
}

/* ---- counters ------------------------------------------------------- */

/* Per-operation counts live in a map keyed "Service.op"; the key list is
 * kept separately (the map has no iterator) in insertion order. */
typedef struct oxsim_callcnt {
    struct oxsim_callcnt *next;
    long n;
    char key[];
} oxsim_callcnt_t;

static oxsim_callcnt_t *oxsim_callcnts;

void oxsim_count(oxsim_counter_t c, long delta)
{
    pthread_mutex_lock(&oxsim_cnt_mutex);
    oxsim_counters[c] += delta;
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}

void oxsim_count_call(const char *service, const char *op)
{
    char key[160];
    oxsim_callcnt_t *cc;
    size_t n;

    snprintf(key, sizeof(key), "%s.%s", service, op);
    pthread_mutex_lock(&oxsim_cnt_mutex);
    cc = oxsim_map_get(oxsim_calls, key);
    if (cc == NULL) {
        n = strlen(key);
        cc = malloc(sizeof(*cc) + n + 1);
        if (cc == NULL) {
            abort();
        }
        memcpy(cc->key, key, n + 1);
        cc->n = 0;
        cc->next = oxsim_callcnts;
        oxsim_callcnts = cc;
        oxsim_map_put(oxsim_calls, key, cc);
    }
    cc->n++;
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}

int oxsim_conn_open(long max_conns)
{
    int ok;

    pthread_mutex_lock(&oxsim_cnt_mutex);
    ok = oxsim_conns_current < max_conns;
    if (ok) {
        oxsim_conns_current++;
        oxsim_counters[OXSIM_CNT_CONN_ACCEPTED]++;
        if (oxsim_conns_current > oxsim_counters[OXSIM_CNT_CONN_HWM]) {
            oxsim_counters[OXSIM_CNT_CONN_HWM] = oxsim_conns_current;
        }
    } else {
        oxsim_counters[OXSIM_CNT_CONN_REFUSED]++;
    }
    pthread_mutex_unlock(&oxsim_cnt_mutex);
    return ok;
}

void oxsim_conn_close(void)
{
    pthread_mutex_lock(&oxsim_cnt_mutex);
    oxsim_conns_current--;
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}

void oxsim_counters_json(oxsim_buf_t *b)
{
    oxsim_callcnt_t *cc;
    int i;

    pthread_mutex_lock(&oxsim_cnt_mutex);
    oxsim_buf_puts(b, "{");
    for (i = 0; i < OXSIM_CNT__MAX; i++) {
        oxsim_buf_printf(b, "\"%s\":%ld,", oxsim_counter_names[i],
                         oxsim_counters[i]);
    }
    oxsim_buf_printf(b, "\"connections_current\":%ld,\"calls\":{",
                     oxsim_conns_current);
    for (cc = oxsim_callcnts; cc != NULL; cc = cc->next) {
        oxsim_buf_json(b, cc->key);
        oxsim_buf_printf(b, ":%ld%s", cc->n, cc->next ? "," : "");
    }
    oxsim_buf_puts(b, "}}");
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}

static void oxsim_callcnts_free_locked(void)
{
    while (oxsim_callcnts != NULL) {
        oxsim_callcnt_t *next = oxsim_callcnts->next;
        oxsim_map_del(oxsim_calls, oxsim_callcnts->key);
        free(oxsim_callcnts);
        oxsim_callcnts = next;
    }
}

void oxsim_cfg_cleanup(void)
{
    pthread_mutex_lock(&oxsim_cnt_mutex);
    oxsim_callcnts_free_locked();
    oxsim_map_free(oxsim_calls);
    oxsim_calls = NULL;
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}

void oxsim_counters_reset(void)
{
    int i;

    pthread_mutex_lock(&oxsim_cnt_mutex);
    for (i = 0; i < OXSIM_CNT__MAX; i++) {
        oxsim_counters[i] = 0;
    }
    /* the high-water mark restarts from the connections open now */
    oxsim_counters[OXSIM_CNT_CONN_HWM] = oxsim_conns_current;
    oxsim_callcnts_free_locked();
    pthread_mutex_unlock(&oxsim_cnt_mutex);
}
