/*
 * oxt-gendata — deterministic generator of Plesk `psa` data as SQL.
 *
 *   oxt-gendata --plesk 9 --resellers 3 --clients 20 --domains 50 \
 *       --mailboxes 400 --seed 1 --secret-key /tmp/psa.key | mariadb psa
 *
 * The output loads into the schema of sql/psa/psa-<version>.sql. The same
 * options always give the same bytes: nothing depends on the clock, the
 * host or the order of hash tables, and every per-object random choice is a
 * pure function of (seed, kind, id). The identity conventions that tests
 * and the demo rely on are documented in tools/gendata/README.md; the
 * awkward cases every run contains are listed in seed_* below.
 *
 * Only SQL goes to stdout; progress and timing go to stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#define KEY_LEN 16
#define DEFAULT_BATCH 1000
#define MAX_COUNT 100000000L

/* Ids of the first, specially shaped objects (see README.md). */
#define MIN_CLIENTS 3
#define MIN_DOMAINS 8
#define MIN_MAILBOXES 12
#define SPECIAL_DOMAINS 8
#define SPECIAL_MAILBOXES 12

/* Status bits (docs/reference/psa-schema.md §3). */
#define ST_PARENT 2u
#define ST_ADMIN 16u
#define ST_CLIENT 64u
#define ST_EXPIRED 256u

/* ---- options ------------------------------------------------------------- */

typedef struct {
    int version;                /* 8, 9 or 10 */
    long resellers, clients, domains, mailboxes;
    unsigned long long seed;
    const char *admin_password;
    const char *key_file;
    const char *admin_shadow;   /* optional: admin password file */
    long batch;
} opts_t;

/* ---- derived layout, computed once --------------------------------------- */

typedef struct {
    const opts_t *o;
    long admin_id;              /* clients.id of the admin, 0 on Plesk 8 */
    long first_reseller;        /* clients.id of reseller1 */
    long first_client;          /* clients.id of client1 */
    long n_clients_rows;        /* rows in clients = accounts 1..n */
    long dom_acct_base;         /* accounts.id = base + domains.id (8/9) */
    long mail_acct_base;        /* accounts.id = base + mail.id */
    long n_subdomains;
    unsigned char key[KEY_LEN];
} gen_t;

/* ---- deterministic randomness -------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A value that depends only on the seed, a purpose and an object id, so the
 * data of one object never changes when another count changes. */
static uint64_t rnd(const gen_t *g, unsigned kind, uint64_t id, unsigned n)
{
    return mix64(mix64(g->o->seed ^ ((uint64_t)kind << 56)) ^ mix64(id)
                 ^ ((uint64_t)n << 40));
}

static void rnd_bytes(const gen_t *g, unsigned kind, uint64_t id,
                      unsigned char *out, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        out[i] = (unsigned char)(rnd(g, kind, id, (unsigned)(i / 8))
                                 >> (8 * (i % 8)));
    }
}

enum { R_KEY = 1, R_IV, R_SALT, R_GUID, R_LOCALE, R_SESSION };

/* ---- output buffer ------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("oxt-gendata: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void buf_reserve(buf_t *b, size_t more)
{
    if (b->len + more + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;

        while (b->len + more + 1 > cap) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        if (b->p == NULL) {
            die("out of memory");
        }
        b->cap = cap;
    }
}

static void buf_mem(buf_t *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(buf_t *b, const char *s)
{
    buf_mem(b, s, strlen(s));
}

static void buf_fmt(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    buf_reserve(b, 64);
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        die("formatting failed");
    }
    if ((size_t)n >= b->cap - b->len) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* ---- multi-row INSERT batches -------------------------------------------- */

/* One batch per table; rows accumulate until the batch size, then the
 * statement is written followed by COMMIT, so every batch is its own
 * transaction (autocommit is off for the whole stream). */
typedef struct {
    const char *table;
    const char *cols;
    long batch;
    long rows;                  /* rows in the pending statement */
    long total;
    int fields;                 /* fields in the current row */
    buf_t b;
} batch_t;

static void batch_init(batch_t *t, const char *table, const char *cols,
                       long batch)
{
    memset(t, 0, sizeof(*t));
    t->table = table;
    t->cols = cols;
    t->batch = batch;
}

static void batch_flush(batch_t *t)
{
    if (t->rows == 0) {
        return;
    }
    printf("INSERT INTO `%s` (%s) VALUES\n", t->table, t->cols);
    fwrite(t->b.p, 1, t->b.len, stdout);
    fputs(";\nCOMMIT;\n", stdout);
    t->b.len = 0;
    t->rows = 0;
}

static void row_begin(batch_t *t)
{
    buf_str(&t->b, t->rows ? ",\n(" : "(");
    t->fields = 0;
}

static void row_end(batch_t *t)
{
    buf_mem(&t->b, ")", 1);
    t->rows++;
    t->total++;
    if (t->rows >= t->batch) {
        batch_flush(t);
    }
}

static void f_sep(batch_t *t)
{
    if (t->fields++ > 0) {
        buf_mem(&t->b, ",", 1);
    }
}

static void f_int(batch_t *t, long long v)
{
    f_sep(t);
    buf_fmt(&t->b, "%lld", v);
}

static void f_null(batch_t *t)
{
    f_sep(t);
    buf_mem(&t->b, "NULL", 4);
}

/* SQL string literal: quotes and backslashes escaped; our values are UTF-8
 * text without NULs. */
static void f_str(batch_t *t, const char *s)
{
    f_sep(t);
    buf_reserve(&t->b, 2 * strlen(s) + 2);
    t->b.p[t->b.len++] = '\'';
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\') {
            t->b.p[t->b.len++] = '\\';
        }
        t->b.p[t->b.len++] = *s;
    }
    t->b.p[t->b.len++] = '\'';
    t->b.p[t->b.len] = '\0';
}

static void f_strnull(batch_t *t, const char *s)
{
    if (s == NULL) {
        f_null(t);
    }
    else {
        f_str(t, s);
    }
}

/* ---- punycode (RFC 3492) ------------------------------------------------- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
       PC_BIAS = 72, PC_N = 128 };

static unsigned pc_adapt(unsigned delta, unsigned npoints, int first)
{
    unsigned k = 0;

    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / npoints;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char pc_digit(unsigned d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Decodes UTF-8 into code points; returns the count. Input is our own
 * word list, so it is valid UTF-8. */
static size_t utf8_decode(const char *s, uint32_t *cp, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;

    while (*u && n < max) {
        if (*u < 0x80) {
            cp[n++] = *u++;
        }
        else if ((*u & 0xe0) == 0xc0) {
            cp[n++] = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
            u += 2;
        }
        else if ((*u & 0xf0) == 0xe0) {
            cp[n++] = ((uint32_t)(u[0] & 0x0f) << 12)
                    | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
            u += 3;
        }
        else {
            cp[n++] = ((uint32_t)(u[0] & 0x07) << 18)
                    | ((uint32_t)(u[1] & 0x3f) << 12)
                    | ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
            u += 4;
        }
    }
    return n;
}

static void pc_encode_delta(buf_t *out, unsigned q, unsigned bias)
{
    unsigned k, t;

    for (k = PC_BASE;; k += PC_BASE) {
        t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
        if (q < t) {
            break;
        }
        buf_mem(out, (char[]){ pc_digit(t + (q - t) % (PC_BASE - t)) }, 1);
        q = (q - t) / (PC_BASE - t);
    }
    buf_mem(out, (char[]){ pc_digit(q) }, 1);
}

/* Appends the punycode of a UTF-8 label (without the "xn--" prefix). */
static void punycode(buf_t *out, const char *label)
{
    uint32_t cp[64], n = PC_N, m;
    size_t len = utf8_decode(label, cp, 64), i;
    unsigned delta = 0, bias = PC_BIAS, h, b = 0;

    for (i = 0; i < len; i++) {
        if (cp[i] < 0x80) {
            buf_mem(out, (char[]){ (char)cp[i] }, 1);
            b++;
        }
    }
    if (b > 0) {
        buf_mem(out, "-", 1);
    }
    for (h = b; h < len; n++, delta++) {
        m = UINT32_MAX;
        for (i = 0; i < len; i++) {
            if (cp[i] >= n && cp[i] < m) {
                m = cp[i];
            }
        }
        delta += (m - n) * (h + 1);
        n = m;
        for (i = 0; i < len; i++) {
            if (cp[i] < n) {
                delta++;
            }
            else if (cp[i] == n) {
                pc_encode_delta(out, delta, bias);
                bias = pc_adapt(delta, h + 1, h == b);
                delta = 0;
                h++;
            }
        }
    }
}

/* ACE form of one label: unchanged when ASCII, else "xn--" + punycode. */
static void ace_label(buf_t *out, const char *label)
{
    const char *s;

    for (s = label; *s && (unsigned char)*s < 0x80; s++) {
    }
    if (*s == '\0') {
        buf_str(out, label);
        return;
    }
    buf_str(out, "xn--");
    punycode(out, label);
}

/* ---- crypto: Plesk sym and crypt(3) -------------------------------------- */

static void b64(buf_t *out, const unsigned char *in, int len)
{
    unsigned char tmp[512];

    if (len > 360) {
        die("value too long to encode");
    }
    EVP_EncodeBlock(tmp, in, len);
    buf_str(out, (const char *)tmp);
}

/* "$AES-128-CBC$<b64 iv>$<b64 ciphertext>" with Plesk's NUL padding to the
 * block size (docs/reference/plesk-passwords.md §2); the IV is derived
 * from (seed, id). */
static void sym_encrypt(buf_t *out, const gen_t *g, uint64_t id,
                        const char *plain)
{
    unsigned char iv[16], in[256], ct[272];
    size_t len = strlen(plain), padded = (len + 15) / 16 * 16;
    int n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *ctx;

    if (padded == 0 || padded > sizeof(in)) {
        die("sym password length out of range");
    }
    memset(in, 0, sizeof(in));
    memcpy(in, plain, len);
    rnd_bytes(g, R_IV, id, iv, sizeof(iv));
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL
        || EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, g->key, iv) != 1
        || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1
        || EVP_EncryptUpdate(ctx, ct, &n1, in, (int)padded) != 1
        || EVP_EncryptFinal_ex(ctx, ct + n1, &n2) != 1) {
        die("AES-128-CBC encryption failed");
    }
    EVP_CIPHER_CTX_free(ctx);
    buf_str(out, "$AES-128-CBC$");
    b64(out, iv, sizeof(iv));
    buf_str(out, "$");
    b64(out, ct, n1 + n2);
}

/* A real crypt(3) hash: MD5-crypt ("$1$") for the bulk, because it is fast,
 * SHA-512-crypt ("$6$") when strong is set. The salt comes from (seed, id). */
static void crypt_hash(buf_t *out, const gen_t *g, uint64_t id,
                       const char *plain, int strong)
{
    static const char salt_chars[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char setting[32], salt[17], hash[CRYPT_OUTPUT_SIZE];
    static struct crypt_data cd;
    unsigned i;

    for (i = 0; i < 16; i++) {
        salt[i] = salt_chars[rnd(g, R_SALT, id, i) % 64];
    }
    salt[strong ? 16 : 8] = '\0';
    snprintf(setting, sizeof(setting), "%s%s$", strong ? "$6$" : "$1$", salt);
    memset(&cd, 0, sizeof(cd));
    if (crypt_rn(plain, setting, &cd, sizeof(cd)) == NULL
        || cd.output[0] == '*') {
        die("crypt(3) failed for setting %s", setting);
    }
    snprintf(hash, sizeof(hash), "%s", cd.output);
    buf_str(out, hash);
}

/* ---- the secret key file -------------------------------------------------- */

static void key_load_or_create(gen_t *g)
{
    int fd = open(g->o->key_file, O_RDONLY);
    ssize_t n;
    unsigned char extra;

    if (fd >= 0) {
        n = read(fd, g->key, KEY_LEN);
        if (n != KEY_LEN || read(fd, &extra, 1) != 0) {
            die("%s: expected exactly %d bytes", g->o->key_file, KEY_LEN);
        }
        close(fd);
        return;
    }
    if (errno != ENOENT) {
        die("%s: %s", g->o->key_file, strerror(errno));
    }
    /* Seeded, so a rerun with the same seed recreates the same key. */
    rnd_bytes(g, R_KEY, 0, g->key, KEY_LEN);
    fd = open(g->o->key_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, g->key, KEY_LEN) != KEY_LEN || close(fd) != 0) {
        die("%s: cannot write the key: %s", g->o->key_file, strerror(errno));
    }
    fprintf(stderr, "oxt-gendata: wrote a new Plesk secret key to %s\n",
            g->o->key_file);
}

static void admin_shadow_write(const gen_t *g)
{
    FILE *f;

    if (g->o->admin_shadow == NULL) {
        return;
    }
    f = fopen(g->o->admin_shadow, "w");
    if (f == NULL || fprintf(f, "%s\n", g->o->admin_password) < 0
        || fclose(f) != 0) {
        die("%s: cannot write: %s", g->o->admin_shadow, strerror(errno));
    }
    chmod(g->o->admin_shadow, 0600);
}

/* ---- naming ---------------------------------------------------------------- */

static const char *const idn_words[] = {
    "bücher", "räksmörgås", "münchen", "élève", "café", "日本語", "почта",
    "ελληνικά"
};
#define N_IDN_WORDS (sizeof(idn_words) / sizeof(idn_words[0]))

static int domain_is_idn(long k)
{
    return k == 2 || k % 100 == 42;
}

/* UTF-8 display name and ASCII (ACE) name of domain k. */
static void domain_names(long k, buf_t *display, buf_t *ace)
{
    char label[96];

    display->len = ace->len = 0;
    if (domain_is_idn(k)) {
        snprintf(label, sizeof(label), "%s%ld",
                 idn_words[(unsigned long)(k / 100) % N_IDN_WORDS], k);
    }
    else {
        snprintf(label, sizeof(label), "dom%ld", k);
    }
    buf_str(display, label);
    buf_str(display, ".example");
    ace_label(ace, label);
    buf_str(ace, ".example");
}

static const char *locale_of(const gen_t *g, long id)
{
    static const char *const locales[] = {
        "en-US", "en-US", "en-US", "de-DE", "fr-FR", "ro-RO", "ru-RU", "es-ES"
    };

    return locales[rnd(g, R_LOCALE, (uint64_t)id, 0) % 8];
}

static void guid_of(const gen_t *g, char *out, size_t n, unsigned kind,
                    long id)
{
    uint64_t a = rnd(g, R_GUID, ((uint64_t)kind << 32) | (uint64_t)id, 0);
    uint64_t b = rnd(g, R_GUID, ((uint64_t)kind << 32) | (uint64_t)id, 1);

    snprintf(out, n, "%08lx-%04lx-4%03lx-8%03lx-%012llx",
             (unsigned long)(a >> 32), (unsigned long)((a >> 16) & 0xffff),
             (unsigned long)(a & 0xfff), (unsigned long)(b >> 52),
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* A fixed, plausible creation date per object: deterministic, no clock. */
static void date_of(char *out, size_t n, long id)
{
    snprintf(out, n, "20%02ld-%02ld-%02ld", 5 + id % 6, 1 + id % 12,
             1 + id % 28);
}

/* ---- ownership ------------------------------------------------------------ */

static long reseller_id(const gen_t *g, long r)     /* r is 1-based */
{
    return g->first_reseller + r - 1;
}

static long client_id(const gen_t *g, long c)       /* c is 1-based */
{
    return g->first_client + c - 1;
}

/* client2 is suspended by the admin (16), client3 expired and suspended
 * (272); with three or more resellers the last one is suspended (16) and its
 * customers carry status 2, as Plesk cascades. */
static int reseller_suspended(const gen_t *g, long r)
{
    return g->o->resellers >= 3 && r == g->o->resellers;
}

/* clients.parent_id of customer c: every fifth customer belongs to the
 * admin, the others go round-robin over the resellers. */
static long client_parent(const gen_t *g, long c)
{
    if (g->o->version == 8) {
        return 0;
    }
    if (g->o->resellers == 0 || c % 5 == 0) {
        return g->admin_id;
    }
    return reseller_id(g, (c - 1) % g->o->resellers + 1);
}

static unsigned client_status(const gen_t *g, long c)
{
    long parent = client_parent(g, c);

    if (c == 2) {
        return ST_ADMIN;
    }
    if (c == 3) {
        return ST_EXPIRED | ST_ADMIN;
    }
    if (parent > g->admin_id
        && reseller_suspended(g, parent - g->first_reseller + 1)) {
        return ST_PARENT;
    }
    return 0;
}

/* Owner (clients.id) of domain k. dom1-6 belong to client1 (active), dom7
 * to reseller1 (client1 on Plesk 8), dom8 to the suspended client2; later
 * domains go round-robin over customers, every 50th to a reseller. On Plesk
 * 10 every tenth domain (k % 10 == 5) is an additional domain of the
 * subscription k-1 and shares its owner. */
static long domain_owner(const gen_t *g, long k)
{
    long C = g->o->clients, R = g->o->resellers;

    if (k <= 6) {
        return client_id(g, 1);
    }
    if (k == 7) {
        return R > 0 ? reseller_id(g, 1) : client_id(g, 1);
    }
    if (k == 8) {
        return client_id(g, 2);
    }
    if (g->o->version == 10 && k % 10 == 5) {
        return domain_owner(g, k - 1);
    }
    if (R > 0 && k % 50 == 0) {
        return reseller_id(g, (k / 50) % R + 1);
    }
    return client_id(g, (k - 9) % C + 1);
}

static int owner_suspended(const gen_t *g, long owner)
{
    if (owner >= g->first_client) {
        return client_status(g, owner - g->first_client + 1) != 0;
    }
    if (owner >= g->first_reseller && owner > g->admin_id) {
        return reseller_suspended(g, owner - g->first_reseller + 1);
    }
    return 0;
}

/* dom3 16, dom4 64, dom5 272; domains of suspended owners 2; a sprinkle of
 * admin suspensions (k % 997 == 0) in large runs. */
static unsigned domain_status(const gen_t *g, long k)
{
    if (k == 3) {
        return ST_ADMIN;
    }
    if (k == 4) {
        return ST_CLIENT;
    }
    if (k == 5) {
        return ST_EXPIRED | ST_ADMIN;
    }
    if (owner_suspended(g, domain_owner(g, k))) {
        return ST_PARENT;
    }
    return k % 997 == 0 ? ST_ADMIN : 0;
}

/* dom6 (and every 500th domain from 506 on) has its mail service off. */
static unsigned domain_mail_status(long k)
{
    return (k == 6 || (k > 500 && k % 500 == 6)) ? ST_ADMIN : 0;
}

static long domain_webspace(const gen_t *g, long k)
{
    return (g->o->version == 10 && k > SPECIAL_DOMAINS && k % 10 == 5)
           ? k - 1 : 0;
}

/* Domains with no mailboxes at all (the guide shows "0 Total"). */
static int domain_empty(long k)
{
    return k > SPECIAL_DOMAINS && k % 13 == 0;
}

/* Subdomains: one for dom1, then one per 20 domains (k % 20 == 3). */
static int domain_has_subdomain(long k)
{
    return k == 1 || (k > SPECIAL_DOMAINS && k % 20 == 3);
}

/* ---- tables ---------------------------------------------------------------- */

typedef struct {
    batch_t accounts, clients, domains, services, dlu, smb, aliases, subs,
            mail, mail_aliases, redir, resp, actions, sessions, ips, misc;
} out_t;

static void out_init(out_t *t, const gen_t *g)
{
    long b = g->o->batch;
    int v = g->o->version;

    batch_init(&t->accounts, "accounts", "id,type,password", b);
    batch_init(&t->clients, "clients", v == 8
        ? "id,cr_date,cname,pname,login,account_id,status,email,locale,guid"
        : "id,parent_id,type,cr_date,cname,pname,login,account_id,status,"
          "email,locale,guid", b);
    batch_init(&t->domains, "domains", v == 10
        ? "id,cr_date,name,displayName,dns_zone_id,status,htype,real_size,"
          "cl_id,guid,webspace_id,parentDomainId"
        : "id,cr_date,name,displayName,dns_zone_id,status,htype,real_size,"
          "cl_id,guid", b);
    batch_init(&t->services, "DomainServices", "id,dom_id,type,status", b);
    batch_init(&t->dlu, "dom_level_usrs", "dom_id,account_id,state", b);
    batch_init(&t->smb, "smb_users", "id,login,password,contactName,email,"
               "ownerId,isLocked,subscriptionDomainId", b);
    batch_init(&t->aliases, "domainaliases", "id,dom_id,dns_zone_id,status,"
               "name,displayName,dns,mail,web,tomcat", b);
    batch_init(&t->subs, "subdomains", "id,dom_id,name,displayName,"
               "sys_user_id", b);
    batch_init(&t->mail, "mail", "id,mail_name,perm_id,postbox,account_id,"
               "redirect,redir_addr,mail_group,autoresponder,spamfilter,"
               "virusfilter,mbox_quota,dom_id", b);
    batch_init(&t->mail_aliases, "mail_aliases", "id,mn_id,alias", b);
    batch_init(&t->redir, "mail_redir", "id,mn_id,address", b);
    batch_init(&t->resp, "mail_resp", "id,mn_id,resp_name,subject,text,"
               "resp_on", b);
    batch_init(&t->actions, "actions", "id,name,descr,enabled", b);
    batch_init(&t->sessions, "sessions", "sess_id,type,login,ip_address,"
               "login_time,click_time", b);
    batch_init(&t->ips, "IP_Addresses", v == 8
        ? "id,ip_address,mask,iface,type,ssl_certificate_id"
        : "id,ip_address,mask,iface,ssl_certificate_id,ftps", b);
    batch_init(&t->misc, "misc", "param,val", b);
}

static batch_t *out_all(out_t *t, size_t *pn)
{
    *pn = sizeof(*t) / sizeof(batch_t);
    return (batch_t *)t;
}

/* ---- accounts -------------------------------------------------------------- */

typedef enum { PW_PLAIN, PW_SYM, PW_CRYPT, PW_CRYPT6, PW_EMPTY, PW_NULL }
    pw_kind_t;

static void emit_account(out_t *t, const gen_t *g, long id, pw_kind_t kind,
                         const char *plain)
{
    static buf_t v;
    static const char *const types[] = {
        "plain", "sym", "crypt", "crypt", "plain", "plain"
    };

    v.len = 0;
    row_begin(&t->accounts);
    f_int(&t->accounts, id);
    f_str(&t->accounts, types[kind]);
    switch (kind) {
    case PW_SYM:
        sym_encrypt(&v, g, (uint64_t)id, plain);
        f_str(&t->accounts, v.p);
        break;
    case PW_CRYPT:
    case PW_CRYPT6:
        crypt_hash(&v, g, (uint64_t)id, plain, kind == PW_CRYPT6);
        f_str(&t->accounts, v.p);
        break;
    case PW_EMPTY:
        f_str(&t->accounts, "");
        break;
    case PW_NULL:
        f_null(&t->accounts);
        break;
    default:
        f_str(&t->accounts, plain);
    }
    row_end(&t->accounts);
}

/* ---- sessions --------------------------------------------------------------- */

/* Sign-ins Plesk left behind long ago: every real psa.sessions holds such
 * rows, and none of them may ever sign anybody in (idle far beyond any
 * timeout). Ids are 32 hex digits like the panel's; addresses are from
 * TEST-NET-1. The meaning of type is not known beyond 1 (admin), so every
 * row says 1; nothing of ours reads it. */
static void emit_sessions(out_t *t, const gen_t *g)
{
    const char *logins[5];
    char sid[33], ip[16], when[32], login_at[32];
    uint64_t a, b;
    int i, n = 0;

    logins[n++] = "admin";
    if (g->o->version != 8) {
        logins[n++] = "reseller1";
    }
    logins[n++] = "client1";
    logins[n++] = "dom1.example";
    logins[n++] = "user1@dom1.example";
    for (i = 0; i < n; i++) {
        a = rnd(g, R_SESSION, (uint64_t)i, 0);
        b = rnd(g, R_SESSION, (uint64_t)i, 1);
        snprintf(sid, sizeof(sid), "%016llx%016llx", (unsigned long long)a,
                 (unsigned long long)b);
        snprintf(ip, sizeof(ip), "192.0.2.%d", 10 + i);
        snprintf(login_at, sizeof(login_at), "2011-09-07 10:%02d:00", i);
        snprintf(when, sizeof(when), "2011-09-07 10:%02d:30", i + 5);
        row_begin(&t->sessions);
        f_str(&t->sessions, sid);
        f_int(&t->sessions, 1);
        f_str(&t->sessions, logins[i]);
        f_str(&t->sessions, ip);
        f_str(&t->sessions, login_at);
        f_str(&t->sessions, when);
        row_end(&t->sessions);
    }
}

/* ---- the server's addresses (docs/reference/licensing.md) ------------------ */

/* Three addresses from TEST-NET-1/2 (never reachable); misc.def_ip_id
 * names the first as the main one, as a fresh Plesk does. */
static void emit_ips(out_t *t, const gen_t *g)
{
    static const char *const ips[] = { "192.0.2.10", "192.0.2.11",
                                       "198.51.100.7" };
    size_t i;

    for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
        row_begin(&t->ips);
        f_int(&t->ips, (long long)i + 1);
        f_str(&t->ips, ips[i]);
        f_str(&t->ips, "255.255.255.0");
        f_str(&t->ips, i < 2 ? "eth0" : "eth1");
        if (g->o->version == 8) {
            f_str(&t->ips, i == 0 ? "shared" : "exclusive");
            f_int(&t->ips, 0);
        }
        else {
            f_int(&t->ips, 0);
            f_str(&t->ips, "false");
        }
        row_end(&t->ips);
    }
    row_begin(&t->misc);
    f_str(&t->misc, "def_ip_id");
    f_str(&t->misc, "1");
    row_end(&t->misc);
}

/* ---- actions (event names, docs/reference/plesk-events.md §1) ------------ */

static void emit_actions(out_t *t)
{
    static const char *const names[] = {
        "client_create", "client_update", "client_delete",
        "client_status_update", "domain_create", "domain_update",
        "domain_delete", "subdomain_create", "subdomain_update",
        "subdomain_delete", "phys_hosting_create", "phys_hosting_update",
        "phys_hosting_delete", "mailname_create", "mailname_update",
        "mailname_delete", "domain_alias_create", "domain_alias_update",
        "domain_alias_delete", "site_create", "site_update", "site_delete",
        "cp_user_login", "cp_user_logout"
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        row_begin(&t->actions);
        f_int(&t->actions, (long long)i + 1);
        f_str(&t->actions, names[i]);
        f_str(&t->actions, names[i]);
        f_str(&t->actions, "true");
        row_end(&t->actions);
    }
}

/* ---- clients ---------------------------------------------------------------- */

static void emit_client_row(out_t *t, const gen_t *g, long id, long parent,
                            const char *type, const char *login,
                            const char *pname, const char *cname,
                            unsigned status)
{
    char date[16], guid[40], email[64];

    date_of(date, sizeof(date), id);
    guid_of(g, guid, sizeof(guid), 1, id);
    snprintf(email, sizeof(email), "%s@mail.example", login);
    row_begin(&t->clients);
    f_int(&t->clients, id);
    if (g->o->version != 8) {
        if (parent > 0) {
            f_int(&t->clients, parent);
        }
        else {
            f_null(&t->clients);
        }
        f_str(&t->clients, type);
    }
    f_str(&t->clients, date);
    f_strnull(&t->clients, cname);
    f_str(&t->clients, pname);
    f_str(&t->clients, login);
    f_int(&t->clients, id);             /* account_id = clients.id */
    f_int(&t->clients, status);
    f_str(&t->clients, email);
    f_str(&t->clients, strcmp(type, "admin") == 0 ? "en-US"
                                                   : locale_of(g, id));
    f_str(&t->clients, guid);
    row_end(&t->clients);
}

/* Person names: mostly plain, a few with an apostrophe or non-ASCII
 * letters so that escaping and UTF-8 are exercised on every page. */
static void person_name(char *out, size_t n, const char *role, long i)
{
    if (i % 7 == 1) {
        snprintf(out, n, "%s %ld O'Brien", role, i);
    }
    else if (i % 7 == 2) {
        snprintf(out, n, "%s %ld Müller-Ştefănescu", role, i);
    }
    else {
        snprintf(out, n, "%s %ld", role, i);
    }
}

static void emit_clients(out_t *t, const gen_t *g)
{
    char login[32], pw[64], pname[96], cname[96];
    long i;

    if (g->admin_id > 0) {
        emit_client_row(t, g, g->admin_id, 0, "admin", "admin",
                        "Administrator", NULL, 0);
        emit_account(t, g, g->admin_id, PW_PLAIN, g->o->admin_password);
    }
    for (i = 1; i <= g->o->resellers; i++) {
        snprintf(login, sizeof(login), "reseller%ld", i);
        snprintf(pw, sizeof(pw), "%s-pw", login);
        person_name(pname, sizeof(pname), "Reseller", i);
        snprintf(cname, sizeof(cname), "Hosting Partner %ld Ltd", i);
        emit_client_row(t, g, reseller_id(g, i), g->admin_id, "reseller",
                        login, pname, cname,
                        reseller_suspended(g, i) ? ST_ADMIN : 0);
        emit_account(t, g, reseller_id(g, i), PW_PLAIN, pw);
    }
    for (i = 1; i <= g->o->clients; i++) {
        snprintf(login, sizeof(login), "client%ld", i);
        snprintf(pw, sizeof(pw), "%s-pw", login);
        person_name(pname, sizeof(pname), "Client", i);
        snprintf(cname, sizeof(cname), "Customer %ld GmbH", i);
        emit_client_row(t, g, client_id(g, i), client_parent(g, i), "client",
                        login, pname, i % 3 ? cname : NULL,
                        client_status(g, i));
        emit_account(t, g, client_id(g, i), PW_PLAIN, pw);
    }
}

/* ---- domains ---------------------------------------------------------------- */

static void emit_domain_row(out_t *t, const gen_t *g, long id,
                            const char *ace, const char *display, long owner,
                            unsigned status, long webspace, long parent)
{
    char date[16], guid[40];

    date_of(date, sizeof(date), id);
    guid_of(g, guid, sizeof(guid), 2, id);
    row_begin(&t->domains);
    f_int(&t->domains, id);
    f_str(&t->domains, date);
    f_str(&t->domains, ace);
    f_str(&t->domains, display);
    f_int(&t->domains, id);                     /* dns_zone_id */
    f_int(&t->domains, status);
    f_str(&t->domains, id % 10 == 9 ? "none" : "vrt_hst");
    f_int(&t->domains, (id % 50) * 1048576LL);  /* real_size */
    f_int(&t->domains, owner);
    f_str(&t->domains, guid);
    if (g->o->version == 10) {
        f_int(&t->domains, webspace);
        f_int(&t->domains, parent);
    }
    row_end(&t->domains);
}

static void emit_mail_service(out_t *t, long dom_id, unsigned status)
{
    row_begin(&t->services);
    f_int(&t->services, dom_id);
    f_int(&t->services, dom_id);
    f_str(&t->services, "mail");
    f_int(&t->services, status);
    row_end(&t->services);
}

/* The domain administrator: dom_level_usrs + accounts on 8/9, a Panel user
 * in smb_users on 10 (every third one with a sym password, as 10.2+ stores
 * them). Login: the ASCII domain name; password "<name>-pw". */
static void emit_domain_admin(out_t *t, const gen_t *g, long k,
                              const char *ace, long owner)
{
    static buf_t v;
    char pw[300], email[300];
    long acct = g->dom_acct_base + k;

    snprintf(pw, sizeof(pw), "%s-pw", ace);
    if (g->o->version != 10) {
        row_begin(&t->dlu);
        f_int(&t->dlu, k);
        f_int(&t->dlu, acct);
        f_str(&t->dlu, (k > SPECIAL_DOMAINS && k % 7 == 0) ? "false" : "true");
        row_end(&t->dlu);
        emit_account(t, g, acct, PW_PLAIN, pw);
        return;
    }
    v.len = 0;
    if (k % 3 == 0) {
        sym_encrypt(&v, g, (uint64_t)(MAX_COUNT * 4 + k), pw);
    }
    else {
        buf_str(&v, pw);
    }
    snprintf(email, sizeof(email), "admin@%s", ace);
    row_begin(&t->smb);
    f_int(&t->smb, k);
    f_str(&t->smb, ace);
    f_str(&t->smb, v.p);
    f_str(&t->smb, "Domain Administrator");
    f_str(&t->smb, email);
    f_int(&t->smb, owner);
    f_int(&t->smb, 0);
    f_int(&t->smb, domain_webspace(g, k) ? domain_webspace(g, k) : k);
    row_end(&t->smb);
}

static void emit_alias(out_t *t, long *next_id, long dom, const char *label,
                       int mail)
{
    buf_t ace = { 0 }, disp = { 0 };

    ace_label(&ace, label);
    buf_str(&ace, ".example");
    buf_str(&disp, label);
    buf_str(&disp, ".example");
    row_begin(&t->aliases);
    f_int(&t->aliases, ++*next_id);
    f_int(&t->aliases, dom);
    f_int(&t->aliases, MAX_COUNT + *next_id);
    f_int(&t->aliases, 0);
    f_str(&t->aliases, ace.p);
    f_str(&t->aliases, disp.p);
    f_str(&t->aliases, "true");
    f_str(&t->aliases, mail ? "true" : "false");
    f_str(&t->aliases, "true");
    f_str(&t->aliases, "false");
    row_end(&t->aliases);
    free(ace.p);
    free(disp.p);
}

/* Mail-enabled and web-only domain aliases: dom1 has one of each, the IDN
 * dom2 an IDN mail alias; later every 20th domain has one of each kind. */
static void emit_domain_aliases(out_t *t, long *next_id, long k)
{
    char label[96];

    if (k == 1 || (k > SPECIAL_DOMAINS && k % 20 == 1)) {
        snprintf(label, sizeof(label), "alias-dom%ld", k);
        emit_alias(t, next_id, k, label, 1);
    }
    if (k == 1 || (k > SPECIAL_DOMAINS && k % 20 == 11)) {
        snprintf(label, sizeof(label), "www-dom%ld", k);
        emit_alias(t, next_id, k, label, 0);
    }
    if (k == 2) {
        snprintf(label, sizeof(label), "%s-alias%ld", idn_words[0], k);
        emit_alias(t, next_id, k, label, 1);
    }
}

/* 8/9: a subdomains row. 10: a domains row with parentDomainId, numbered
 * after the N top-level domains. */
static void emit_subdomain(out_t *t, const gen_t *g, long *next_id, long k,
                           const char *ace, const char *display, long owner,
                           unsigned status)
{
    char sub_ace[300], sub_disp[300];
    long id = ++*next_id;

    snprintf(sub_ace, sizeof(sub_ace), "shop.%s", ace);
    snprintf(sub_disp, sizeof(sub_disp), "shop.%s", display);
    if (g->o->version != 10) {
        row_begin(&t->subs);
        f_int(&t->subs, id);
        f_int(&t->subs, k);
        f_str(&t->subs, sub_ace);
        f_str(&t->subs, sub_disp);
        f_int(&t->subs, k);
        row_end(&t->subs);
        return;
    }
    id += g->o->domains;
    emit_domain_row(t, g, id, sub_ace, sub_disp, owner, status,
                    domain_webspace(g, k) ? domain_webspace(g, k) : k, k);
    emit_mail_service(t, id, 0);
}

static void emit_domains(out_t *t, const gen_t *g)
{
    buf_t ace = { 0 }, disp = { 0 };
    long k, alias_id = 0, sub_id = 0, owner;
    unsigned status;

    for (k = 1; k <= g->o->domains; k++) {
        domain_names(k, &disp, &ace);
        owner = domain_owner(g, k);
        status = domain_status(g, k);
        emit_domain_row(t, g, k, ace.p, disp.p, owner, status,
                        domain_webspace(g, k), 0);
        emit_mail_service(t, k, domain_mail_status(k));
        emit_domain_admin(t, g, k, ace.p, owner);
        emit_domain_aliases(t, &alias_id, k);
        if (domain_has_subdomain(k)) {
            emit_subdomain(t, g, &sub_id, k, ace.p, disp.p, owner, status);
        }
    }
    free(ace.p);
    free(disp.p);
}

/* ---- mailboxes --------------------------------------------------------------- */

/* Mailbox i lives in domain ((i-1) mod N) + 1, except that "empty" domains
 * hand theirs to the previous domain. So user1..user8 land in the eight
 * special domains. */
static long mailbox_domain(const gen_t *g, long i)
{
    long d = (i - 1) % g->o->domains + 1;

    return domain_empty(d) ? d - 1 : d;
}

static pw_kind_t mailbox_pw_kind(const gen_t *g, long i)
{
    static const pw_kind_t special[SPECIAL_MAILBOXES + 1] = {
        PW_PLAIN, PW_PLAIN, PW_SYM, PW_PLAIN, PW_CRYPT6, PW_EMPTY, PW_NULL,
        PW_PLAIN, PW_PLAIN, PW_SYM, PW_CRYPT, PW_PLAIN, PW_PLAIN
    };
    long r = i % 100;

    if (i <= SPECIAL_MAILBOXES) {
        return special[i];
    }
    if (r == 5 || r == 55 || (g->o->version == 10 && i % 10 == 5)) {
        return PW_SYM;
    }
    return r == 9 ? PW_CRYPT : r == 19 ? PW_EMPTY : r == 29 ? PW_NULL
                                                            : PW_PLAIN;
}

typedef struct {
    int postbox, redirect, group, autoresp, n_aliases;
} mbox_shape_t;

/* user3 is forward-only, user11 forwards and keeps a copy, user12 is a
 * mail group (8/9; a multi-forward on 10); user7 has two aliases, user9
 * one; user8 has an autoresponder. Later mailboxes follow the same kinds
 * by i mod 50 / 10 / 100. */
static mbox_shape_t mailbox_shape(long i)
{
    mbox_shape_t s = { 1, 0, 0, 0, 0 };
    long r = i <= SPECIAL_MAILBOXES ? -1 : i % 50;

    if (i == 3 || r == 3) {
        s.postbox = 0;
        s.redirect = 1;
    }
    if (i == 11 || r == 13) {
        s.redirect = 1;
    }
    if (i == 12 || r == 23) {
        s.group = 1;
    }
    if (i == 7 || (i > SPECIAL_MAILBOXES && i % 100 == 1)) {
        s.n_aliases = 2;
    }
    else if (i == 9 || (i > SPECIAL_MAILBOXES && i % 10 == 1)) {
        s.n_aliases = 1;
    }
    s.autoresp = i == 8 || (i > SPECIAL_MAILBOXES && i % 100 == 7);
    return s;
}

static long long mailbox_quota(long i)
{
    return i % 3 == 0 ? -1 : (long long)(1 + i % 10) * 100LL * 1048576LL;
}

static void emit_mail_row(out_t *t, const gen_t *g, long i, long dom,
                          mbox_shape_t s, const char *fwd)
{
    char name[32];

    snprintf(name, sizeof(name), "user%ld", i);
    row_begin(&t->mail);
    f_int(&t->mail, i);
    f_str(&t->mail, name);
    f_int(&t->mail, 0);
    f_str(&t->mail, s.postbox ? "true" : "false");
    f_int(&t->mail, g->mail_acct_base + i);
    f_str(&t->mail, s.redirect ? "true" : "false");
    f_strnull(&t->mail, s.redirect ? fwd : NULL);
    f_str(&t->mail, s.group && g->o->version != 10 ? "true" : "false");
    f_str(&t->mail, s.autoresp ? "true" : "false");
    f_str(&t->mail, i % 4 == 0 ? "true" : "false");
    f_str(&t->mail, i % 5 == 0 ? "incoming" : "none");
    f_int(&t->mail, mailbox_quota(i));
    f_int(&t->mail, dom);
    row_end(&t->mail);
}

static void emit_mail_extras(out_t *t, const gen_t *g, long i,
                             mbox_shape_t s, const char *fwd,
                             long *alias_id, long *redir_id)
{
    char v[300];
    int a;

    for (a = 0; a < s.n_aliases; a++) {
        snprintf(v, sizeof(v), "alias%ld%s", i, a ? "b" : "");
        row_begin(&t->mail_aliases);
        f_int(&t->mail_aliases, ++*alias_id);
        f_int(&t->mail_aliases, i);
        f_str(&t->mail_aliases, v);
        row_end(&t->mail_aliases);
    }
    /* 8/9: mail_redir holds group members; 10: the forward list. */
    for (a = 0; a < 2 && (s.group || (s.redirect && g->o->version == 10));
         a++) {
        snprintf(v, sizeof(v), "member%ld@elsewhere.example", i);
        row_begin(&t->redir);
        f_int(&t->redir, ++*redir_id);
        f_int(&t->redir, i);
        f_str(&t->redir, a ? v : fwd);
        row_end(&t->redir);
    }
    if (s.autoresp) {
        row_begin(&t->resp);
        f_int(&t->resp, i);
        f_int(&t->resp, i);
        f_str(&t->resp, "vacation");
        f_str(&t->resp, "Out of office");
        f_str(&t->resp, "I'm away until Monday.");
        f_str(&t->resp, "true");
        row_end(&t->resp);
    }
}

static void emit_mailboxes(out_t *t, const gen_t *g)
{
    buf_t ace = { 0 }, disp = { 0 };
    char pw[320], fwd[64];
    long i, dom, alias_id = 0, redir_id = 0;
    mbox_shape_t s;

    for (i = 1; i <= g->o->mailboxes; i++) {
        dom = mailbox_domain(g, i);
        domain_names(dom, &disp, &ace);
        s = mailbox_shape(i);
        snprintf(fwd, sizeof(fwd), "fwd%ld@elsewhere.example", i);
        snprintf(pw, sizeof(pw), "user%ld@%s-pw", i, ace.p);
        emit_mail_row(t, g, i, dom, s, fwd);
        emit_account(t, g, g->mail_acct_base + i, mailbox_pw_kind(g, i), pw);
        emit_mail_extras(t, g, i, s, fwd, &alias_id, &redir_id);
        if (i % 100000 == 0) {
            fprintf(stderr, "oxt-gendata: %ld mailboxes\n", i);
        }
    }
    free(ace.p);
    free(disp.p);
}

/* ---- options ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: oxt-gendata --plesk 8|9|10 --resellers N --clients N"
          " --domains N\n"
          "         --mailboxes N --seed S --secret-key FILE"
          " [--admin-password P]\n"
          "         [--admin-shadow FILE] [--batch N]\n"
          "Writes psa data as SQL to stdout (see tools/gendata/README.md).\n",
          stderr);
    exit(2);
}

static long parse_count(const char *name, const char *s, long min)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < min
        || v > MAX_COUNT) {
        die("%s: '%s' is not a number between %ld and %ld", name, s, min,
            MAX_COUNT);
    }
    return v;
}

static unsigned long long parse_seed(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || *s == '\0' || *end != '\0') {
        die("--seed: '%s' is not a number", s);
    }
    return v;
}

static void parse_one(opts_t *o, const char *name, const char *val)
{
    if (strcmp(name, "--plesk") == 0) {
        o->version = (int)parse_count(name, val, 8);
    }
    else if (strcmp(name, "--resellers") == 0) {
        o->resellers = parse_count(name, val, 0);
    }
    else if (strcmp(name, "--clients") == 0) {
        o->clients = parse_count(name, val, MIN_CLIENTS);
    }
    else if (strcmp(name, "--domains") == 0) {
        o->domains = parse_count(name, val, MIN_DOMAINS);
    }
    else if (strcmp(name, "--mailboxes") == 0) {
        o->mailboxes = parse_count(name, val, MIN_MAILBOXES);
    }
    else if (strcmp(name, "--seed") == 0) {
        o->seed = parse_seed(val);
    }
    else if (strcmp(name, "--admin-password") == 0) {
        o->admin_password = val;
    }
    else if (strcmp(name, "--secret-key") == 0) {
        o->key_file = val;
    }
    else if (strcmp(name, "--admin-shadow") == 0) {
        o->admin_shadow = val;
    }
    else if (strcmp(name, "--batch") == 0) {
        o->batch = parse_count(name, val, 1);
    }
    else {
        usage();
    }
}

static void parse_args(opts_t *o, int argc, char **argv)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->resellers = o->clients = o->domains = o->mailboxes = -1;
    o->admin_password = "admin-pw";
    o->batch = DEFAULT_BATCH;
    for (i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            usage();
        }
        parse_one(o, argv[i], argv[i + 1]);
    }
    if (o->version != 8 && o->version != 9 && o->version != 10) {
        die("--plesk must be 8, 9 or 10");
    }
    if (o->resellers < 0 || o->clients < 0 || o->domains < 0
        || o->mailboxes < 0 || o->key_file == NULL) {
        usage();
    }
    if (o->version == 8 && o->resellers > 0) {
        fprintf(stderr, "oxt-gendata: Plesk 8 has no resellers;"
                " --resellers %ld ignored\n", o->resellers);
        o->resellers = 0;
    }
    if (o->version != 8 && o->resellers < 1) {
        die("--resellers must be at least 1 for Plesk %d", o->version);
    }
}

static void layout(gen_t *g, const opts_t *o)
{
    long k;

    memset(g, 0, sizeof(*g));
    g->o = o;
    g->admin_id = o->version == 8 ? 0 : 1;
    g->first_reseller = g->admin_id + 1;
    g->first_client = g->first_reseller + o->resellers;
    g->n_clients_rows = g->first_client - 1 + o->clients;
    g->dom_acct_base = g->n_clients_rows;
    g->mail_acct_base = g->n_clients_rows
                        + (o->version == 10 ? 0 : o->domains);
    for (k = 1; k <= o->domains; k++) {
        g->n_subdomains += domain_has_subdomain(k);
    }
}

/* ---- main ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit_header(const opts_t *o)
{
    printf("-- psa data for Plesk %d from oxt-gendata: %ld resellers, %ld"
           " clients, %ld domains, %ld mailboxes, seed %llu\n",
           o->version, o->resellers, o->clients, o->domains, o->mailboxes,
           o->seed);
    printf("SET NAMES utf8mb4;\n"
           "SET autocommit=0, foreign_key_checks=0, unique_checks=0;\n");
}

static void finish(out_t *t, double t0)
{
    size_t n, i;
    batch_t *all = out_all(t, &n);

    for (i = 0; i < n; i++) {
        batch_flush(&all[i]);
    }
    printf("COMMIT;\nSET foreign_key_checks=1, unique_checks=1,"
           " autocommit=1;\n");
    if (fflush(stdout) != 0) {
        die("writing the output failed: %s", strerror(errno));
    }
    for (i = 0; i < n; i++) {
        if (all[i].total > 0) {
            fprintf(stderr, "oxt-gendata: %-15s %10ld rows\n", all[i].table,
                    all[i].total);
        }
        free(all[i].b.p);
    }
    fprintf(stderr, "oxt-gendata: generated in %.2f s\n", now_s() - t0);
}

int main(int argc, char **argv)
{
    static char outbuf[1 << 20];
    opts_t o;
    gen_t g;
    out_t t;
    double t0 = now_s();

    parse_args(&o, argc, argv);
    layout(&g, &o);
    key_load_or_create(&g);
    admin_shadow_write(&g);
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    out_init(&t, &g);
    emit_header(&o);
    emit_actions(&t);
    emit_clients(&t, &g);
    emit_domains(&t, &g);
    emit_mailboxes(&t, &g);
    emit_sessions(&t, &g);
    emit_ips(&t, &g);
    finish(&t, t0);
    return 0;
}
