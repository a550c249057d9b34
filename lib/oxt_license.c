/*
 * oxt_license.c — see oxt_license.h.
 */
#include <string.h>
#include <openssl/evp.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_time.h>
#include <apr_base64.h>

#include "oxt_license.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* The evaluation allowance: an installation without a key in force works
 * like the smallest key, Premium included, so a trial shows everything. */
#define EVAL_DOMAINS   10
#define EVAL_MAILBOXES 2000
#define EVAL_TIER      OXT_LICENSE_TIER_10

/* 88 characters: 64 bytes of base64 with its "==" padding. */
#define SIG_B64_LEN 88
#define MAX_COUNT 1000000000LL

/* ---- names -------------------------------------------------------------- */

static const char *const ownership_names[] = { "evaluation", "owned",
                                               "leased", NULL };
static const char *const ownership_labels[] = { "Evaluation", "Owned",
                                                "Leased" };
static const char *const tier_names[] = { "10", "100", "unlimited", NULL };
static const char *const tier_labels[] = { "10 domains", "100 domains",
                                           "unlimited domains" };
static const char *const verdict_names[] = {
    "ok", "empty", "oversized", "malformed", "truncated", "unsigned",
    "bad_signature", "wrong_ip", "expired"
};

const char *oxt_license_ownership_name(oxt_license_ownership_t o)
{
    return (unsigned)o <= OXT_LICENSE_LEASED ? ownership_names[o] : "?";
}

const char *oxt_license_ownership_label(oxt_license_ownership_t o)
{
    return (unsigned)o <= OXT_LICENSE_LEASED ? ownership_labels[o] : "?";
}

const char *oxt_license_tier_name(oxt_license_tier_t t)
{
    return (unsigned)t <= OXT_LICENSE_TIER_UNLIMITED ? tier_names[t] : "?";
}

const char *oxt_license_tier_label(oxt_license_tier_t t)
{
    return (unsigned)t <= OXT_LICENSE_TIER_UNLIMITED ? tier_labels[t] : "?";
}

const char *oxt_license_verdict_name(oxt_license_verdict_t v)
{
    return (unsigned)v <= OXT_LICENSE_EXPIRED ? verdict_names[v] : "?";
}

static int name_index(const char *const *names, const char *s)
{
    int i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return -1;
}

/* ---- values ------------------------------------------------------------- */

/* The number written by n decimal digits (checked by the caller). */
static int digits(const char *s, int n)
{
    int v = 0;

    while (n-- > 0) {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

int oxt_license_date_valid(const char *s)
{
    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31 };
    int i, y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    for (i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !apr_isdigit(s[i])) {
            return 0;
        }
    }
    y = digits(s, 4);
    m = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1
        || d > days[m - 1]) {
        return 0;
    }
    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

const char *oxt_license_today(apr_pool_t *p)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, apr_time_now());
    return apr_psprintf(p, "%04d-%02d-%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday);
}

/* "unlimited" or 1 to MAX_COUNT, no leading zero, no sign. */
static apr_status_t count_parse(long long *pv, const char *s)
{
    long long v = 0;
    const char *c;

    if (strcmp(s, "unlimited") == 0) {
        *pv = OXT_LICENSE_UNLIMITED;
        return APR_SUCCESS;
    }
    if (*s < '1' || *s > '9' || strlen(s) > 10) {
        return APR_EINVAL;
    }
    for (c = s; *c; c++) {
        if (!apr_isdigit(*c)) {
            return APR_EINVAL;
        }
        v = v * 10 + (*c - '0');
    }
    if (v > MAX_COUNT) {
        return APR_EINVAL;
    }
    *pv = v;
    return APR_SUCCESS;
}

const char *oxt_license_count_text(long long v, apr_pool_t *p)
{
    return v == OXT_LICENSE_UNLIMITED ? "unlimited" : oxt_util_lld(v, p);
}

/* A key number: letters, digits, '.', '-'; starts with a letter or digit. */
static int number_valid(const char *s)
{
    size_t i, n = strlen(s);

    if (n < 1 || n > 40 || !apr_isalnum(s[0])) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if (!apr_isalnum(s[i]) && s[i] != '-' && s[i] != '.') {
            return 0;
        }
    }
    return 1;
}

static apr_status_t yes_no(int *pv, const char *s)
{
    if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0) {
        *pv = s[0] == 'y';
        return APR_SUCCESS;
    }
    return APR_EINVAL;
}

/* ---- the fields --------------------------------------------------------- */

enum {
    F_FORMAT = 0, F_NUMBER, F_OWNERSHIP, F_IP, F_TIER, F_DOMAINS,
    F_MAILBOXES, F_PREMIUM, F_FREE, F_SUS, F_RENEWED, F_EXPIRES, F_COUNT
};

/* The signature line comes last, after the signed fields. */
static const char *const field_names[F_COUNT + 1] = {
    "format", "number", "ownership", "ip", "tier", "domains", "mailboxes",
    "premium", "free-usage", "sus-expires", "renewed", "expires", "signature"
};

static apr_status_t date_set(const char **pdate, const char *s,
                             apr_pool_t *p)
{
    if (!oxt_license_date_valid(s)) {
        return APR_EINVAL;
    }
    *pdate = apr_pstrdup(p, s);
    return APR_SUCCESS;
}

static apr_status_t enum_set(int *pv, const char *const *names,
                             const char *s)
{
    int i = name_index(names, s);

    *pv = i;
    return i < 0 ? APR_EINVAL : APR_SUCCESS;
}

/* Field f of key from its text: APR_EINVAL unless it is the one way of
 * writing a valid value. */
static apr_status_t field_set(oxt_license_key_t *key, int f, const char *s,
                              apr_pool_t *p)
{
    const char *ip;
    int v = 0;
    apr_status_t rv;

    switch (f) {
    case F_FORMAT:
        return strcmp(s, "1") == 0 ? APR_SUCCESS : APR_EINVAL;
    case F_NUMBER:
        key->number = apr_pstrdup(p, s);
        return number_valid(s) ? APR_SUCCESS : APR_EINVAL;
    case F_OWNERSHIP:
        rv = enum_set(&v, ownership_names, s);
        key->ownership = (oxt_license_ownership_t)v;
        return rv;
    case F_IP:
        ip = oxt_license_ip_canonical(s, p);
        key->ip = ip;
        return ip != NULL && strcmp(ip, s) == 0 ? APR_SUCCESS : APR_EINVAL;
    case F_TIER:
        rv = enum_set(&v, tier_names, s);
        key->tier = (oxt_license_tier_t)v;
        return rv;
    case F_DOMAINS:
        return count_parse(&key->max_domains, s);
    case F_MAILBOXES:
        return count_parse(&key->max_mailboxes, s);
    case F_PREMIUM:
        return yes_no(&key->premium, s);
    case F_FREE:
        return yes_no(&key->free_usage, s);
    case F_SUS:
        return date_set(&key->sus_expires, s, p);
    case F_RENEWED:
        return date_set(&key->renewed, s, p);
    default:
        key->expires = NULL;
        return strcmp(s, "never") == 0 ? APR_SUCCESS
                                        : date_set(&key->expires, s, p);
    }
}

/* Field f of key as text (NULL where a string field is missing). */
static const char *field_text(const oxt_license_key_t *key, int f,
                              apr_pool_t *p)
{
    switch (f) {
    case F_FORMAT:    return "1";
    case F_NUMBER:    return key->number;
    case F_OWNERSHIP: return oxt_license_ownership_name(key->ownership);
    case F_IP:        return key->ip;
    case F_TIER:      return oxt_license_tier_name(key->tier);
    case F_DOMAINS:   return oxt_license_count_text(key->max_domains, p);
    case F_MAILBOXES: return oxt_license_count_text(key->max_mailboxes, p);
    case F_PREMIUM:   return key->premium ? "yes" : "no";
    case F_FREE:      return key->free_usage ? "yes" : "no";
    case F_SUS:       return key->sus_expires;
    case F_RENEWED:   return key->renewed;
    default:          return key->expires ? key->expires : "never";
    }
}

apr_status_t oxt_license_body(const char **pbody, const oxt_license_key_t *key,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_license_key_t check;
    const char *body = "", *v;
    int f;

    memset(&check, 0, sizeof(check));
    for (f = 0; f < F_COUNT; f++) {
        v = field_text(key, f, p);
        /* The same rule as the parser's, so nothing is signed that the
         * parser would refuse. */
        if (v == NULL || field_set(&check, f, v, p) != APR_SUCCESS) {
            return oxt_result_set(res, APR_EINVAL, "Invalid license field",
                                  "%s", field_names[f]);
        }
        body = apr_pstrcat(p, body, field_names[f], ": ", v, "\n", NULL);
    }
    *pbody = body;
    return APR_SUCCESS;
}

const char *oxt_license_signed_bytes(apr_size_t *plen, const char *body,
                                     apr_size_t body_len, apr_pool_t *p)
{
    apr_size_t clen = sizeof(OXT_LICENSE_CONTEXT) - 1;
    char *out = apr_palloc(p, clen + body_len + 1);

    memcpy(out, OXT_LICENSE_CONTEXT, clen);
    memcpy(out + clen, body, body_len);
    out[clen + body_len] = '\0';
    *plen = clen + body_len;
    return out;
}

static const char *sig_b64(const unsigned char *sig, apr_pool_t *p)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len(
                                  OXT_LICENSE_SIG_LEN));

    apr_base64_encode_binary(out, sig, OXT_LICENSE_SIG_LEN);
    return out;
}

const char *oxt_license_armor(const char *body, const unsigned char *sig,
                              apr_pool_t *p)
{
    return apr_pstrcat(p, OXT_LICENSE_BEGIN "\n", body, "signature: ",
                       sig_b64(sig, p), "\n" OXT_LICENSE_END "\n", NULL);
}

/* ---- the parser --------------------------------------------------------- */

#define REFUSE(pv, v, res, ...) \
    (*(pv) = (v), oxt_result_set((res), OXT_ELICENSE, \
                                 "License key refused", __VA_ARGS__))

typedef struct {
    const char *pos, *end;          /* what is left */
    int lineno;
    const char *line;               /* the current line, without its LF */
    apr_size_t len;
} cursor_t;

/* The next line; 0 when the text is used up. */
static int cursor_next(cursor_t *c)
{
    const char *nl;

    if (c->pos >= c->end) {
        return 0;
    }
    nl = memchr(c->pos, '\n', (size_t)(c->end - c->pos));
    c->line = c->pos;
    c->len = nl ? (apr_size_t)(nl - c->pos) : (apr_size_t)(c->end - c->pos);
    c->pos += c->len + (nl != NULL);
    c->lineno++;
    return 1;
}

static int line_is(const cursor_t *c, const char *s)
{
    return c->len == strlen(s) && memcmp(c->line, s, c->len) == 0;
}

/* Only printable ASCII and LF: no CR, no NUL, nothing a page or a log
 * could misread. */
static apr_status_t parse_bytes(oxt_license_verdict_t *pv, const char *text,
                                apr_size_t len, oxt_result_t *res)
{
    apr_size_t i;
    int line = 1;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];

        if (ch == '\n') {
            line++;
        }
        else if (ch == '\r') {
            return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: a"
                          " carriage return (was the key saved with Windows"
                          " line ends? upload the file as issued)", line);
        }
        else if (ch < 0x20 || ch > 0x7e) {
            return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: byte"
                          " 0x%02x has no place in a license key", line, ch);
        }
    }
    return APR_SUCCESS;
}

static int text_has(const char *text, apr_size_t len, const char *s,
                    apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i + n <= len; i++) {
        if (memcmp(text + i, s, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The frame: BEGIN first, END last (one LF after it allowed). */
static apr_status_t parse_frame(oxt_license_verdict_t *pv, cursor_t *c,
                                const char *text, apr_size_t len,
                                oxt_result_t *res)
{
    static const char end1[] = "\n" OXT_LICENSE_END;
    static const char end2[] = "\n" OXT_LICENSE_END "\n";
    apr_size_t n1 = sizeof(end1) - 1, n2 = sizeof(end2) - 1;

    c->pos = text;
    c->end = text + len;
    if (!cursor_next(c) || !line_is(c, OXT_LICENSE_BEGIN)) {
        return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "this is not an"
                      " OXtender license key: it must start with the line"
                      " %s", OXT_LICENSE_BEGIN);
    }
    if ((len >= n1 && memcmp(text + len - n1, end1, n1) == 0)
        || (len >= n2 && memcmp(text + len - n2, end2, n2) == 0)) {
        return APR_SUCCESS;
    }
    if (text_has(text, len, end1, n1)) {
        return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "there is more after"
                      " the line %s", OXT_LICENSE_END);
    }
    return REFUSE(pv, OXT_LICENSE_TRUNCATED, res, "the key does not end with"
                  " its line %s: it was cut short", OXT_LICENSE_END);
}

static apr_status_t parse_field(oxt_license_verdict_t *pv,
                                oxt_license_key_t *key, int f, cursor_t *c,
                                oxt_result_t *res, apr_pool_t *p)
{
    const char *name = field_names[f];
    apr_size_t n = strlen(name);

    if (!cursor_next(c) || line_is(c, OXT_LICENSE_END)) {
        return f == F_COUNT
            ? REFUSE(pv, OXT_LICENSE_UNSIGNED, res, "the key has no"
                     " signature line")
            : REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: the field"
                     " '%s' is missing", c->lineno, name);
    }
    if (c->len <= n + 2 || memcmp(c->line, name, n) != 0
        || c->line[n] != ':' || c->line[n + 1] != ' ') {
        return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: expected"
                      " the field '%s'", c->lineno, name);
    }
    if (f < F_COUNT
        && field_set(key, f, apr_pstrmemdup(p, c->line + n + 2,
                                            c->len - n - 2), p)
           != APR_SUCCESS) {
        return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: the value"
                      " of '%s' is not valid", c->lineno, name);
    }
    return APR_SUCCESS;
}

/* The signature line: exactly the canonical base64 of 64 bytes. */
static apr_status_t parse_signature(oxt_license_verdict_t *pv,
                                    oxt_license_key_t *key,
                                    const cursor_t *c, oxt_result_t *res,
                                    apr_pool_t *p)
{
    static const char tag[] = "signature: ";
    apr_size_t n = sizeof(tag) - 1;
    unsigned char sig[OXT_LICENSE_SIG_LEN + 3];
    const char *b64 = apr_pstrmemdup(p, c->line + n, c->len - n);
    apr_size_t i;

    for (i = 0; i < SIG_B64_LEN - 2; i++) {
        if (!apr_isalnum(b64[i]) && b64[i] != '+' && b64[i] != '/') {
            break;
        }
    }
    if (c->len != n + SIG_B64_LEN || i != SIG_B64_LEN - 2
        || strcmp(b64 + i, "==") != 0
        || apr_base64_decode_binary(sig, b64) != OXT_LICENSE_SIG_LEN
        || strcmp(sig_b64(sig, p), b64) != 0) {
        return REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: the"
                      " signature is not 64 bytes of base64", c->lineno);
    }
    memcpy(key->sig, sig, OXT_LICENSE_SIG_LEN);
    return APR_SUCCESS;
}

/* Fields, signature, END, in that order, then the canonical check. */
static apr_status_t parse_lines(oxt_license_verdict_t *pv,
                                oxt_license_key_t *key, cursor_t *c,
                                oxt_result_t *res, apr_pool_t *p)
{
    const char *body = c->pos, *canon;
    apr_status_t rv = APR_SUCCESS;
    int f;

    for (f = 0; rv == APR_SUCCESS && f <= F_COUNT; f++) {
        /* F_COUNT stands for the signature line's name. */
        rv = parse_field(pv, key, f, c, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    key->body = body;
    key->body_len = (apr_size_t)(c->line - body);
    rv = parse_signature(pv, key, c, res, p);
    if (rv == APR_SUCCESS && (!cursor_next(c) || !line_is(c, OXT_LICENSE_END)
                              || c->pos < c->end)) {
        rv = REFUSE(pv, OXT_LICENSE_MALFORMED, res, "line %d: expected %s"
                    " and nothing after it", c->lineno, OXT_LICENSE_END);
    }
    if (rv == APR_SUCCESS
        && (oxt_license_body(&canon, key, NULL, p) != APR_SUCCESS
            || strlen(canon) != key->body_len
            || memcmp(canon, body, key->body_len) != 0)) {
        rv = REFUSE(pv, OXT_LICENSE_MALFORMED, res, "the key is not written"
                    " the one way a key is written");
    }
    return rv;
}

static int text_blank(const char *text, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (!apr_isspace(text[i])) {
            return 0;
        }
    }
    return 1;
}

apr_status_t oxt_license_parse(oxt_license_key_t **pkey,
                               oxt_license_verdict_t *pverdict,
                               const char *text, apr_size_t len,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_license_key_t *key;
    cursor_t c;
    apr_status_t rv;

    *pkey = NULL;
    *pverdict = OXT_LICENSE_OK;
    if (len > OXT_LICENSE_MAX_BYTES) {
        /* The reader may stop one byte past the cap: "more than" stays
         * true however much was left unread. */
        return REFUSE(pverdict, OXT_LICENSE_OVERSIZED, res, "the file has"
                      " more than %d bytes, the most a license key has",
                      OXT_LICENSE_MAX_BYTES);
    }
    if (text == NULL || text_blank(text, len)) {
        return REFUSE(pverdict, OXT_LICENSE_EMPTY, res, "no license key"
                      " was given (the file is empty)");
    }
    memset(&c, 0, sizeof(c));
    rv = parse_bytes(pverdict, text, len, res);
    if (rv == APR_SUCCESS) {
        rv = parse_frame(pverdict, &c, text, len, res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    key = apr_pcalloc(p, sizeof(*key));
    key->text = apr_pstrmemdup(p, text, len);
    key->text_len = len;
    /* The body must point into the copy that outlives the caller's text. */
    c.pos = key->text + (c.pos - text);
    c.end = key->text + len;
    rv = parse_lines(pverdict, key, &c, res, p);
    if (rv == APR_SUCCESS) {
        *pkey = key;
    }
    return rv;
}

/* ---- the signature ------------------------------------------------------ */

apr_status_t oxt_license_verify(const oxt_license_key_t *key,
                                const unsigned char *pubkey)
{
    /* The context and a body of at most a whole key: no allocation. */
    unsigned char msg[sizeof(OXT_LICENSE_CONTEXT) + OXT_LICENSE_MAX_BYTES];
    apr_size_t clen = sizeof(OXT_LICENSE_CONTEXT) - 1;
    EVP_PKEY *pk = NULL;
    EVP_MD_CTX *ctx = NULL;
    int ok = 0;

    if (key == NULL || key->body == NULL
        || key->body_len > OXT_LICENSE_MAX_BYTES) {
        return OXT_ELICENSE;
    }
    memcpy(msg, OXT_LICENSE_CONTEXT, clen);
    memcpy(msg + clen, key->body, key->body_len);
    pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pubkey,
                                     OXT_LICENSE_PUBKEY_LEN);
    ctx = EVP_MD_CTX_new();
    if (pk != NULL && ctx != NULL
        && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1) {
        ok = EVP_DigestVerify(ctx, key->sig, OXT_LICENSE_SIG_LEN, msg,
                              clen + key->body_len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok ? APR_SUCCESS : OXT_ELICENSE;
}

apr_status_t oxt_license_check(oxt_license_key_t **pkey,
                               oxt_license_verdict_t *pverdict,
                               const char *text, apr_size_t len,
                               const unsigned char *pubkey,
                               const char *server_ip, const char *today,
                               oxt_result_t *res, apr_pool_t *p)
{
    const char *ip = server_ip ? oxt_license_ip_canonical(server_ip, p)
                               : NULL;
    oxt_license_key_t *key;
    apr_status_t rv;

    rv = oxt_license_parse(&key, pverdict, text, len, res, p);
    *pkey = key;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (oxt_license_verify(key, pubkey) != APR_SUCCESS) {
        return REFUSE(pverdict, OXT_LICENSE_BAD_SIGNATURE, res, "the"
                      " signature does not match: the key was changed, or it"
                      " was not issued by the licensing authority this"
                      " server trusts");
    }
    if (ip == NULL || strcmp(ip, key->ip) != 0) {
        return REFUSE(pverdict, OXT_LICENSE_WRONG_IP, res, "the key was"
                      " issued for %s; this server's main IP is %s", key->ip,
                      ip ? ip : "unknown");
    }
    if (key->expires != NULL && strcmp(key->expires, today) < 0) {
        return REFUSE(pverdict, OXT_LICENSE_EXPIRED, res, "the key expired"
                      " on %s", key->expires);
    }
    return APR_SUCCESS;
}

/* ---- terms -------------------------------------------------------------- */

long long oxt_license_tier_cap(oxt_license_tier_t tier)
{
    switch (tier) {
    case OXT_LICENSE_TIER_10:
        return 50;
    case OXT_LICENSE_TIER_100:
        return 150;
    default:
        return 250;
    }
}

void oxt_license_terms(oxt_license_terms_t *terms,
                       const oxt_license_key_t *key)
{
    memset(terms, 0, sizeof(*terms));
    if (key == NULL) {
        terms->max_domains = EVAL_DOMAINS;
        terms->max_mailboxes = EVAL_MAILBOXES;
        terms->groupware_cap = oxt_license_tier_cap(EVAL_TIER);
        terms->premium = 1;
        return;
    }
    terms->from_key = 1;
    terms->max_domains = key->max_domains;
    terms->max_mailboxes = key->max_mailboxes;
    terms->groupware_cap = key->free_usage ? OXT_LICENSE_UNLIMITED
                                           : oxt_license_tier_cap(key->tier);
    terms->premium = key->premium;
}

int oxt_license_service_allowed(const oxt_license_terms_t *terms,
                                oxt_service_t s)
{
    return s != OXT_SERVICE_PREMIUM || terms->premium;
}

int oxt_license_restricted(const oxt_license_terms_t *terms,
                           long long plesk_mailboxes)
{
    return terms->max_mailboxes != OXT_LICENSE_UNLIMITED
        && plesk_mailboxes > terms->max_mailboxes;
}

/* ---- messages ----------------------------------------------------------- */

/* 2000 as "2,000", as the guide writes it. */
static const char *thousands(long long v, apr_pool_t *p)
{
    const char *s = oxt_util_lld(v, p);
    apr_size_t n = strlen(s), i, o = 0;
    char *out = apr_palloc(p, n + n / 3 + 1);

    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

const char *oxt_license_text_restricted(oxt_role_t role,
                                        const oxt_license_terms_t *terms,
                                        apr_pool_t *p)
{
    if (role != OXT_ROLE_ADMIN) {
        return "It is not possible to use this license. Please contact your"
               " administrator, the error code is #62.";
    }
    return apr_psprintf(p, "It is not possible to use this license with more"
                        " than %s mailboxes in Parallels Plesk Panel. For"
                        " more details, contact " OXT_LICENSE_VENDOR ".",
                        thousands(terms->max_mailboxes, p));
}

const char *oxt_license_text_limit(oxt_role_t role)
{
    if (role != OXT_ROLE_ADMIN) {
        return "It is not possible to create more OX Groupware accounts (all"
               " types). Please contact your administrator, the error code"
               " is #61.";
    }
    return "It is not possible to create more OX Groupware accounts (all"
           " types) because you reached a licensing limit. For more details,"
           " contact " OXT_LICENSE_VENDOR ".";
}
