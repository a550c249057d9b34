/*
 * oxt-license — the licensing authority's tool: makes the Ed25519 key
 * pair, mints license keys and the licensing server's answers
 * (tools/license/README.md, docs/license.md).
 *
 *   oxt-license genkey PRIVATE        new key pair; prints the public key
 *   oxt-license pubkey PRIVATE        the public key (license_public_key)
 *   oxt-license mint -k PRIVATE --number N --ip IP [FIELDS]
 *   oxt-license answer --message TEXT (--refused | -k PRIVATE ... |
 *                                      --key-file FILE)
 *
 * The key format and the answer format are the core's (oxt_license.h,
 * oxt_licsrv.h): the tool fills the fields, the core writes the bytes, and
 * every key minted is parsed and verified again before it is printed.
 * The private key never leaves this program; it is refused when others
 * may read it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <apr_general.h>
#include <apr_getopt.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_base64.h>

#include "oxt_license.h"
#include "oxt_licsrv.h"
#include "oxt_util.h"

#define PRIVATE_MAX 4096

static apr_pool_t *pool;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                     noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("oxt-license: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(void)
{
    fputs("usage: oxt-license genkey PRIVATE\n"
          "       oxt-license pubkey PRIVATE\n"
          "       oxt-license mint -k PRIVATE --number N --ip IP"
          " [--ownership evaluation|owned|leased]\n"
          "           [--tier 10|100|unlimited] [--domains N|unlimited]"
          " [--mailboxes N|unlimited]\n"
          "           [--premium yes|no] [--free-usage yes|no]"
          " [--renewed DATE] [--sus-expires DATE]\n"
          "           [--expires DATE|never]\n"
          "       oxt-license answer --message TEXT (--refused |"
          " --key-file FILE | -k PRIVATE MINT-OPTIONS)\n", stderr);
    exit(2);
}

/* ---- keys --------------------------------------------------------------- */

static const char *pub_b64(EVP_PKEY *pk)
{
    unsigned char raw[OXT_LICENSE_PUBKEY_LEN];
    size_t n = sizeof(raw);
    char *out;

    if (EVP_PKEY_get_raw_public_key(pk, raw, &n) != 1
        || n != OXT_LICENSE_PUBKEY_LEN) {
        die("not an Ed25519 key");
    }
    out = apr_palloc(pool, (apr_size_t)apr_base64_encode_len((int)n));
    apr_base64_encode_binary(out, raw, (int)n);
    return out;
}

static EVP_PKEY *private_load(const char *path)
{
    oxt_result_t *res = oxt_result_make(pool);
    EVP_PKEY *pk;
    BIO *bio;
    char *buf;
    apr_size_t len;

    /* The authority's secret: refused when group or others may read it. */
    if (oxt_util_file_read_checked(&buf, &len, path, PRIVATE_MAX,
                                   OXT_FILE_MODE, res, pool) != APR_SUCCESS) {
        die("%s", oxt_result_text(res, pool));
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(buf, len);
    if (pk == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
        die("%s is not an Ed25519 private key in PEM", path);
    }
    return pk;
}

static int cmd_genkey(const char *path)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    FILE *f;
    int fd;

    if (pk == NULL) {
        die("cannot make an Ed25519 key");
    }
    /* Never over an existing key: that would lose every key it signed. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        die("cannot create %s: %s", path, strerror(errno));
    }
    if (PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1
        || fclose(f) != 0) {
        die("cannot write %s", path);
    }
    printf("%s\n", pub_b64(pk));
    EVP_PKEY_free(pk);
    return 0;
}

static int cmd_pubkey(const char *path)
{
    EVP_PKEY *pk = private_load(path);

    printf("%s\n", pub_b64(pk));
    EVP_PKEY_free(pk);
    return 0;
}

/* ---- minting ------------------------------------------------------------ */

static const char *today_plus_year(const char *today)
{
    int y = (int)strtol(today, NULL, 10) + 1;
    const char *d = apr_psprintf(pool, "%04d%s", y, today + 4);

    /* 29 February has no twin a year later. */
    return oxt_license_date_valid(d) ? d
                                     : apr_psprintf(pool, "%04d-02-28", y);
}

static void mint_defaults(oxt_license_key_t *k)
{
    memset(k, 0, sizeof(*k));
    k->ownership = OXT_LICENSE_OWNED;
    k->tier = OXT_LICENSE_TIER_10;
    k->max_domains = 0;              /* 0: from the tier */
    k->max_mailboxes = 2000;
    k->renewed = oxt_license_today(pool);
}

static long long count_opt(const char *name, const char *v)
{
    char *end;
    long long n;

    if (strcmp(v, "unlimited") == 0) {
        return OXT_LICENSE_UNLIMITED;
    }
    n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 1) {
        die("--%s: a number from 1, or unlimited", name);
    }
    return n;
}

static int enum_opt(const char *name, const char *v, const char *const *ok)
{
    int i;

    for (i = 0; ok[i]; i++) {
        if (strcmp(v, ok[i]) == 0) {
            return i;
        }
    }
    die("--%s: not one of the allowed values", name);
}

enum {
    O_NUMBER = 256, O_IP, O_OWNERSHIP, O_TIER, O_DOMAINS, O_MAILBOXES,
    O_PREMIUM, O_FREE, O_RENEWED, O_SUS, O_EXPIRES, O_MESSAGE, O_REFUSED,
    O_KEYFILE
};

static const apr_getopt_option_t options[] = {
    { "key", 'k', 1, "private key" },
    { "number", O_NUMBER, 1, "key number" },
    { "ip", O_IP, 1, "issued for IP" },
    { "ownership", O_OWNERSHIP, 1, "evaluation, owned, leased" },
    { "tier", O_TIER, 1, "10, 100, unlimited" },
    { "domains", O_DOMAINS, 1, "maximum domains" },
    { "mailboxes", O_MAILBOXES, 1, "maximum Plesk mailboxes" },
    { "premium", O_PREMIUM, 1, "yes, no" },
    { "free-usage", O_FREE, 1, "yes, no" },
    { "renewed", O_RENEWED, 1, "renewed on" },
    { "sus-expires", O_SUS, 1, "SUS expiry" },
    { "expires", O_EXPIRES, 1, "last day, or never" },
    { "message", O_MESSAGE, 1, "the answer's message" },
    { "refused", O_REFUSED, 0, "a refusal" },
    { "key-file", O_KEYFILE, 1, "a key to answer with" },
    { NULL, 0, 0, NULL }
};

typedef struct {
    oxt_license_key_t key;
    const char *private_path, *message, *key_file;
    int refused;
} opts_t;

static void opt_field(opts_t *o, int c, const char *v)
{
    static const char *const yes_no[] = { "no", "yes", NULL };
    static const char *const own[] = { "evaluation", "owned", "leased",
                                       NULL };
    static const char *const tiers[] = { "10", "100", "unlimited", NULL };
    oxt_license_key_t *k = &o->key;

    switch (c) {
    case 'k':         o->private_path = v; break;
    case O_NUMBER:    k->number = v; break;
    case O_IP:        k->ip = oxt_license_ip_canonical(v, pool);
                      k->ip = k->ip ? k->ip : v; break;
    case O_OWNERSHIP: k->ownership = enum_opt("ownership", v, own); break;
    case O_TIER:      k->tier = enum_opt("tier", v, tiers); break;
    case O_DOMAINS:   k->max_domains = count_opt("domains", v); break;
    case O_MAILBOXES: k->max_mailboxes = count_opt("mailboxes", v); break;
    case O_PREMIUM:   k->premium = enum_opt("premium", v, yes_no); break;
    case O_FREE:      k->free_usage = enum_opt("free-usage", v, yes_no);
                      break;
    case O_RENEWED:   k->renewed = v; break;
    case O_SUS:       k->sus_expires = v; break;
    case O_EXPIRES:   k->expires = strcmp(v, "never") ? v : NULL; break;
    case O_MESSAGE:   o->message = v; break;
    case O_REFUSED:   o->refused = 1; break;
    case O_KEYFILE:   o->key_file = v; break;
    default:          usage();
    }
}

static void opts_parse(opts_t *o, int argc, const char *const *argv)
{
    apr_getopt_t *g;
    const char *v;
    int c;
    apr_status_t rv;

    memset(o, 0, sizeof(*o));
    mint_defaults(&o->key);
    apr_getopt_init(&g, pool, argc, argv);
    g->ind = 2;
    while ((rv = apr_getopt_long(g, options, &c, &v)) == APR_SUCCESS) {
        opt_field(o, c, v);
    }
    if (rv != APR_EOF || g->ind != argc) {
        usage();
    }
    if (o->key.max_domains == 0) {
        o->key.max_domains = o->key.tier == OXT_LICENSE_TIER_10 ? 10
            : o->key.tier == OXT_LICENSE_TIER_100 ? 100
            : OXT_LICENSE_UNLIMITED;
    }
    if (o->key.sus_expires == NULL && o->key.renewed != NULL) {
        o->key.sus_expires = today_plus_year(o->key.renewed);
    }
}

static const char *mint(opts_t *o)
{
    oxt_result_t *res = oxt_result_make(pool);
    unsigned char sig[OXT_LICENSE_SIG_LEN];
    size_t siglen = sizeof(sig);
    const char *body, *msg, *text;
    apr_size_t len;
    EVP_PKEY *pk;
    EVP_MD_CTX *ctx;
    oxt_license_key_t *check;
    oxt_license_verdict_t v;

    if (o->private_path == NULL || o->key.number == NULL || o->key.ip == NULL) {
        die("mint needs -k PRIVATE, --number and --ip");
    }
    if (oxt_license_body(&body, &o->key, res, pool) != APR_SUCCESS) {
        die("invalid value for --%s", res->detail);
    }
    pk = private_load(o->private_path);
    msg = oxt_license_signed_bytes(&len, body, strlen(body), pool);
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) != 1
        || EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg,
                          len) != 1 || siglen != sizeof(sig)) {
        die("signing failed");
    }
    EVP_MD_CTX_free(ctx);
    text = oxt_license_armor(body, sig, pool);
    /* What is printed is what the product will read. */
    if (oxt_license_parse(&check, &v, text, strlen(text), res, pool)
        != APR_SUCCESS) {
        die("the minted key does not parse: %s", oxt_result_text(res, pool));
    }
    EVP_PKEY_free(pk);
    return text;
}

static int cmd_answer(opts_t *o)
{
    oxt_result_t *res = oxt_result_make(pool);
    const char *key = NULL, *body;
    char *buf;
    apr_size_t len;

    if (o->key_file != NULL) {
        if (oxt_util_file_read(&buf, &len, o->key_file,
                               OXT_LICSRV_MAX_ANSWER, pool) != APR_SUCCESS) {
            die("cannot read %s", o->key_file);
        }
        key = buf;
    }
    else if (!o->refused) {
        key = mint(o);
    }
    if (oxt_licsrv_answer_format(&body, !o->refused, o->message, key, res,
                                 pool) != APR_SUCCESS) {
        die("%s", oxt_result_text(res, pool));
    }
    fputs(body, stdout);
    return 0;
}

int main(int argc, const char *const *argv)
{
    opts_t o;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    if (argc == 3 && strcmp(argv[1], "genkey") == 0) {
        return cmd_genkey(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "pubkey") == 0) {
        return cmd_pubkey(argv[2]);
    }
    if (argc < 2 || (strcmp(argv[1], "mint") != 0
                     && strcmp(argv[1], "answer") != 0)) {
        usage();
    }
    opts_parse(&o, argc, argv);
    if (strcmp(argv[1], "mint") == 0) {
        fputs(mint(&o), stdout);
        return 0;
    }
    return cmd_answer(&o);
}
