/*
 * test_license.c — license keys: the format, the signature, every way a
 * key is refused, the terms and the guide's messages.
 *
 * Keys are minted here with a key pair made for each test, as the
 * authority's tool does (oxt_license_body, then Ed25519 over
 * oxt_license_signed_bytes), so the parser is tested against the writer.
 */
#include <string.h>
#include <openssl/evp.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_license.h"
#include "oxt_status.h"

#define IP "192.0.2.10"
#define TODAY "2025-06-15"

static EVP_PKEY *authority;
static unsigned char pub[OXT_LICENSE_PUBKEY_LEN];

static void license_setup(void)
{
    size_t n = sizeof(pub);

    authority = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ck_assert_ptr_nonnull(authority);
    ck_assert_int_eq(EVP_PKEY_get_raw_public_key(authority, pub, &n), 1);
}

static void license_teardown(void)
{
    EVP_PKEY_free(authority);
}

static void fields(oxt_license_key_t *k)
{
    memset(k, 0, sizeof(*k));
    k->number = "OXT-2025-0001";
    k->ownership = OXT_LICENSE_LEASED;
    k->ip = IP;
    k->tier = OXT_LICENSE_TIER_100;
    k->max_domains = 100;
    k->max_mailboxes = OXT_LICENSE_UNLIMITED;
    k->premium = 1;
    k->free_usage = 0;
    k->sus_expires = "2026-06-30";
    k->renewed = "2025-06-30";
    k->expires = "2025-12-31";
}

/* Signs the bytes of body as the authority (or another key). */
static const char *sign(const char *body, EVP_PKEY *pk)
{
    unsigned char sig[OXT_LICENSE_SIG_LEN];
    size_t siglen = sizeof(sig);
    apr_size_t len;
    const char *msg = oxt_license_signed_bytes(&len, body, strlen(body),
                                               oxt_test_pool);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk), 1);
    ck_assert_int_eq(EVP_DigestSign(ctx, sig, &siglen,
                                    (const unsigned char *)msg, len), 1);
    EVP_MD_CTX_free(ctx);
    return oxt_license_armor(body, sig, oxt_test_pool);
}

static const char *mint(const oxt_license_key_t *k)
{
    const char *body;

    ck_assert_int_eq(oxt_license_body(&body, k, NULL, oxt_test_pool),
                     APR_SUCCESS);
    return sign(body, authority);
}

static const char *good_key(void)
{
    oxt_license_key_t k;

    fields(&k);
    return mint(&k);
}

/* text with the first from replaced by to. */
static const char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);

    ck_assert_msg(at != NULL, "'%s' is not in the key", from);
    return apr_pstrcat(oxt_test_pool,
                       apr_pstrmemdup(oxt_test_pool, text,
                                      (apr_size_t)(at - text)),
                       to, at + strlen(from), NULL);
}

static oxt_license_verdict_t check(const char *text, apr_size_t len,
                                   const char *ip, const char *today)
{
    oxt_license_key_t *key;
    oxt_license_verdict_t v = OXT_LICENSE_OK;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_status_t rv;

    rv = oxt_license_check(&key, &v, text, len, pub, ip, today, res,
                           oxt_test_pool);
    ck_assert_int_eq(rv, v == OXT_LICENSE_OK ? APR_SUCCESS : OXT_ELICENSE);
    if (v != OXT_LICENSE_OK) {
        ck_assert_str_eq(res->problem, "License key refused");
        ck_assert_ptr_nonnull(res->detail);
    }
    return v;
}

START_TEST(a_minted_key_parses_verifies_and_gives_its_fields)
{
    const char *text = good_key();
    oxt_license_key_t *key;
    oxt_license_verdict_t v;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    ck_assert_int_eq(oxt_license_check(&key, &v, text, strlen(text), pub, IP,
                                       TODAY, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(key->number, "OXT-2025-0001");
    ck_assert_int_eq(key->ownership, OXT_LICENSE_LEASED);
    ck_assert_str_eq(key->ip, IP);
    ck_assert_int_eq(key->tier, OXT_LICENSE_TIER_100);
    ck_assert_int_eq(key->max_domains, 100);
    ck_assert_int_eq(key->max_mailboxes, OXT_LICENSE_UNLIMITED);
    ck_assert_int_eq(key->premium, 1);
    ck_assert_int_eq(key->free_usage, 0);
    ck_assert_str_eq(key->sus_expires, "2026-06-30");
    ck_assert_str_eq(key->renewed, "2025-06-30");
    ck_assert_str_eq(key->expires, "2025-12-31");
    ck_assert_str_eq(key->text, text);
    /* One LF after END is the file as issued; none is the same key. */
    ck_assert_int_eq(check(text, strlen(text) - 1, IP, TODAY),
                     OXT_LICENSE_OK);
}
END_TEST

START_TEST(the_last_day_is_valid_and_the_day_after_is_not)
{
    const char *text = good_key();

    ck_assert_int_eq(check(text, strlen(text), IP, "2025-12-31"),
                     OXT_LICENSE_OK);
    ck_assert_int_eq(check(text, strlen(text), IP, "2026-01-01"),
                     OXT_LICENSE_EXPIRED);
    text = edit(good_key(), "expires: 2025-12-31", "expires: never");
    ck_assert_int_eq(check(text, strlen(text), IP, "2999-01-01"),
                     OXT_LICENSE_BAD_SIGNATURE);
}
END_TEST

START_TEST(a_key_for_another_ip_or_an_unknown_ip_is_refused)
{
    const char *text = good_key();

    ck_assert_int_eq(check(text, strlen(text), "192.0.2.11", TODAY),
                     OXT_LICENSE_WRONG_IP);
    ck_assert_int_eq(check(text, strlen(text), NULL, TODAY),
                     OXT_LICENSE_WRONG_IP);
    ck_assert_int_eq(check(text, strlen(text), "not an ip", TODAY),
                     OXT_LICENSE_WRONG_IP);
}
END_TEST

START_TEST(an_ipv6_key_matches_the_address_however_it_is_written)
{
    oxt_license_key_t k;
    const char *text;

    fields(&k);
    k.ip = "2001:db8::10";
    text = mint(&k);
    ck_assert_int_eq(check(text, strlen(text), "2001:DB8:0:0::10", TODAY),
                     OXT_LICENSE_OK);
    /* In the key itself only the canonical spelling is accepted. */
    k.ip = "2001:DB8::10";
    ck_assert_int_eq(oxt_license_body(&text, &k, NULL, oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

START_TEST(a_key_signed_by_another_authority_is_refused)
{
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    oxt_license_key_t k;
    const char *body, *text;

    fields(&k);
    ck_assert_int_eq(oxt_license_body(&body, &k, NULL, oxt_test_pool),
                     APR_SUCCESS);
    text = sign(body, other);
    EVP_PKEY_free(other);
    ck_assert_int_eq(check(text, strlen(text), IP, TODAY),
                     OXT_LICENSE_BAD_SIGNATURE);
    /* The built-in key is not the test authority's either. */
    ck_assert_int_ne(memcmp(oxt_license_builtin_pubkey(), pub, sizeof(pub)),
                     0);
}
END_TEST

/* One valid value changed into another valid value: only the signature
 * can tell, for every field. */
static const struct {
    const char *from, *to;
} tampers[] = {
    { "number: OXT-2025-0001", "number: OXT-2025-0002" },
    { "ownership: leased", "ownership: owned" },
    { "ip: 192.0.2.10", "ip: 192.0.2.11" },
    { "tier: 100", "tier: unlimited" },
    { "domains: 100", "domains: 1000" },
    { "mailboxes: unlimited", "mailboxes: 5000" },
    { "premium: yes", "premium: no" },
    { "free-usage: no", "free-usage: yes" },
    { "sus-expires: 2026-06-30", "sus-expires: 2036-06-30" },
    { "renewed: 2025-06-30", "renewed: 2025-07-01" },
    { "expires: 2025-12-31", "expires: never" },
};

START_TEST(a_tampered_field_breaks_the_signature)
{
    const char *text = edit(good_key(), tampers[_i].from, tampers[_i].to);

    ck_assert_int_eq(check(text, strlen(text), IP, TODAY),
                     OXT_LICENSE_BAD_SIGNATURE);
}
END_TEST

START_TEST(a_tampered_signature_is_refused)
{
    const char *text = good_key();
    char *copy = apr_pstrdup(oxt_test_pool, text);
    char *sig = strstr(copy, "signature: ") + 11;

    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(check(copy, strlen(copy), IP, TODAY),
                     OXT_LICENSE_BAD_SIGNATURE);
}
END_TEST

/* Everything that is not exactly a key, with its verdict. */
static const struct {
    const char *from, *to;
    oxt_license_verdict_t verdict;
} broken[] = {
    /* the frame */
    { OXT_LICENSE_BEGIN, "-----BEGIN OXTENDER LICENSE-----",
      OXT_LICENSE_MALFORMED },
    { OXT_LICENSE_BEGIN "\n", "\n" OXT_LICENSE_BEGIN "\n",
      OXT_LICENSE_MALFORMED },
    { OXT_LICENSE_END "\n", OXT_LICENSE_END "\n\n", OXT_LICENSE_MALFORMED },
    { OXT_LICENSE_END "\n", OXT_LICENSE_END "\nmore\n",
      OXT_LICENSE_MALFORMED },
    { OXT_LICENSE_END "\n", OXT_LICENSE_END "\n" OXT_LICENSE_END "\n",
      OXT_LICENSE_MALFORMED },
    { OXT_LICENSE_END "\n", "", OXT_LICENSE_TRUNCATED },
    { "\n" OXT_LICENSE_END, "\n-----END OXTENDER", OXT_LICENSE_TRUNCATED },
    /* characters */
    { "format: 1\n", "format: 1\r\n", OXT_LICENSE_MALFORMED },
    { "number: OXT", "number: \x01OXT", OXT_LICENSE_MALFORMED },
    { "number: OXT", "number: \xc3\xa9OXT", OXT_LICENSE_MALFORMED },
    /* the signature line */
    { "signature: ", "", OXT_LICENSE_MALFORMED },
    { "signature: ", "signature:  ", OXT_LICENSE_MALFORMED },
    { "==\n" OXT_LICENSE_END, "=\n" OXT_LICENSE_END, OXT_LICENSE_MALFORMED },
    { "==\n" OXT_LICENSE_END, "==A\n" OXT_LICENSE_END,
      OXT_LICENSE_MALFORMED },
    /* field names, order, spacing */
    { "format: 1\n", "", OXT_LICENSE_MALFORMED },
    { "format: 1\n", "format: 2\n", OXT_LICENSE_MALFORMED },
    { "number: ", "Number: ", OXT_LICENSE_MALFORMED },
    { "number: ", "number:  ", OXT_LICENSE_MALFORMED },
    { "number: ", "number:", OXT_LICENSE_MALFORMED },
    { "ownership: leased\n", "ownership: leased \n", OXT_LICENSE_MALFORMED },
    { "tier: 100\n", "", OXT_LICENSE_MALFORMED },
    { "tier: 100\ndomains: 100\n", "domains: 100\ntier: 100\n",
      OXT_LICENSE_MALFORMED },
    { "premium: yes\n", "premium: yes\npremium: yes\n",
      OXT_LICENSE_MALFORMED },
    { "format: 1\n", "format: 1\ncomment: hi\n", OXT_LICENSE_MALFORMED },
    /* values: one spelling only */
    { "number: OXT-2025-0001", "number: -OXT", OXT_LICENSE_MALFORMED },
    { "number: OXT-2025-0001", "number: OXT 1", OXT_LICENSE_MALFORMED },
    { "ownership: leased", "ownership: Leased", OXT_LICENSE_MALFORMED },
    { "ip: 192.0.2.10", "ip: 192.0.2.010", OXT_LICENSE_MALFORMED },
    { "ip: 192.0.2.10", "ip: 192.0.2.256", OXT_LICENSE_MALFORMED },
    { "ip: 192.0.2.10", "ip: host.example", OXT_LICENSE_MALFORMED },
    { "tier: 100", "tier: 1000", OXT_LICENSE_MALFORMED },
    { "domains: 100", "domains: 0", OXT_LICENSE_MALFORMED },
    { "domains: 100", "domains: 0100", OXT_LICENSE_MALFORMED },
    { "domains: 100", "domains: +100", OXT_LICENSE_MALFORMED },
    { "domains: 100", "domains: 10000000000", OXT_LICENSE_MALFORMED },
    { "mailboxes: unlimited", "mailboxes: Unlimited",
      OXT_LICENSE_MALFORMED },
    { "premium: yes", "premium: true", OXT_LICENSE_MALFORMED },
    { "free-usage: no", "free-usage: 0", OXT_LICENSE_MALFORMED },
    { "sus-expires: 2026-06-30", "sus-expires: 2026-6-30",
      OXT_LICENSE_MALFORMED },
    { "renewed: 2025-06-30", "renewed: 2025-02-29", OXT_LICENSE_MALFORMED },
    { "expires: 2025-12-31", "expires: 2025-13-01", OXT_LICENSE_MALFORMED },
    { "expires: 2025-12-31", "expires: Never", OXT_LICENSE_MALFORMED },
    /* no signature at all */
    { "signature: ", "unsigned: ", OXT_LICENSE_MALFORMED },
};

START_TEST(every_other_spelling_is_refused_with_its_verdict)
{
    const char *text = edit(good_key(), broken[_i].from, broken[_i].to);

    ck_assert_int_eq(check(text, strlen(text), IP, TODAY),
                     broken[_i].verdict);
}
END_TEST

START_TEST(an_unsigned_key_says_so)
{
    const char *text = good_key();
    const char *sig = strstr(text, "signature: ");
    const char *end = strchr(sig, '\n') + 1;
    const char *unsigned_text = apr_pstrcat(oxt_test_pool,
        apr_pstrmemdup(oxt_test_pool, text, (apr_size_t)(sig - text)), end,
        NULL);

    ck_assert_int_eq(check(unsigned_text, strlen(unsigned_text), IP, TODAY),
                     OXT_LICENSE_UNSIGNED);
}
END_TEST

START_TEST(empty_oversized_and_truncated_keys_are_refused)
{
    const char *text = good_key();
    char *big = apr_palloc(oxt_test_pool, OXT_LICENSE_MAX_BYTES + 2);
    apr_size_t n;

    ck_assert_int_eq(check("", 0, IP, TODAY), OXT_LICENSE_EMPTY);
    ck_assert_int_eq(check(" \n\t\n", 4, IP, TODAY), OXT_LICENSE_EMPTY);
    ck_assert_int_eq(check(NULL, 0, IP, TODAY), OXT_LICENSE_EMPTY);
    memset(big, 'a', OXT_LICENSE_MAX_BYTES + 1);
    ck_assert_int_eq(check(big, OXT_LICENSE_MAX_BYTES + 1, IP, TODAY),
                     OXT_LICENSE_OVERSIZED);
    /* Every cut short of the END line. */
    for (n = strlen(OXT_LICENSE_BEGIN) + 1; n < strlen(text) - 2; n += 7) {
        ck_assert_int_eq(check(text, n, IP, TODAY), OXT_LICENSE_TRUNCATED);
    }
    /* A key padded past the cap is refused unread, even when valid. */
    memcpy(big, text, strlen(text));
    ck_assert_int_eq(check(big, OXT_LICENSE_MAX_BYTES + 1, IP, TODAY),
                     OXT_LICENSE_OVERSIZED);
}
END_TEST

START_TEST(refusals_name_the_line_and_field)
{
    oxt_license_key_t *key;
    oxt_license_verdict_t v;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *text = edit(good_key(), "tier: 100", "tier: 7");

    ck_assert_int_eq(oxt_license_parse(&key, &v, text, strlen(text), res,
                                       oxt_test_pool), OXT_ELICENSE);
    ck_assert_ptr_null(key);
    ck_assert_str_eq(res->detail, "line 6: the value of 'tier' is not valid");
    text = edit(good_key(), "format: 1\n", "format: 1\r\n");
    ck_assert_int_eq(oxt_license_parse(&key, &v, text, strlen(text), res,
                                       oxt_test_pool), OXT_ELICENSE);
    ck_assert_ptr_nonnull(strstr(res->detail, "line 2: a carriage return"));
}
END_TEST

START_TEST(the_body_refuses_fields_it_could_not_parse_back)
{
    oxt_license_key_t k;
    const char *body;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    fields(&k);
    k.number = "bad number";
    ck_assert_int_eq(oxt_license_body(&body, &k, res, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_str_eq(res->detail, "number");
    fields(&k);
    k.renewed = "2025-02-30";
    ck_assert_int_eq(oxt_license_body(&body, &k, res, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_str_eq(res->detail, "renewed");
    fields(&k);
    k.max_domains = 0;
    ck_assert_int_eq(oxt_license_body(&body, &k, res, oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

START_TEST(the_public_key_is_built_in_or_32_bytes_of_base64)
{
    const unsigned char *p = NULL;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    char b64[64];

    ck_assert_int_eq(oxt_license_pubkey(&p, NULL, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_eq(p, oxt_license_builtin_pubkey());
    EVP_EncodeBlock((unsigned char *)b64, pub, sizeof(pub));
    ck_assert_int_eq(oxt_license_pubkey(&p, b64, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(memcmp(p, pub, sizeof(pub)), 0);
    ck_assert_int_eq(oxt_license_pubkey(&p, "AAAA", res, oxt_test_pool),
                     OXT_ECONFIG);
    b64[10] = '*';
    ck_assert_int_eq(oxt_license_pubkey(&p, b64, res, oxt_test_pool),
                     OXT_ECONFIG);
}
END_TEST

START_TEST(dates_and_addresses_have_one_spelling)
{
    ck_assert(oxt_license_date_valid("2024-02-29"));
    ck_assert(oxt_license_date_valid("2000-02-29"));
    ck_assert(!oxt_license_date_valid("2100-02-29"));
    ck_assert(!oxt_license_date_valid("2023-02-29"));
    ck_assert(!oxt_license_date_valid("2023-04-31"));
    ck_assert(!oxt_license_date_valid("1999-12-31"));
    ck_assert(!oxt_license_date_valid("2023-1-01"));
    ck_assert_str_eq(oxt_license_ip_canonical("2001:DB8:0::1", oxt_test_pool),
                     "2001:db8::1");
    ck_assert_str_eq(oxt_license_ip_canonical("192.0.2.1", oxt_test_pool),
                     "192.0.2.1");
    ck_assert_ptr_null(oxt_license_ip_canonical("192.0.2", oxt_test_pool));
    ck_assert_ptr_null(oxt_license_ip_canonical("", oxt_test_pool));
    ck_assert_int_eq(strlen(oxt_license_today(oxt_test_pool)), 10);
    /* A count is written as the key writes it, wherever it is shown. */
    ck_assert_str_eq(oxt_license_count_text(OXT_LICENSE_UNLIMITED,
                                            oxt_test_pool), "unlimited");
    ck_assert_str_eq(oxt_license_count_text(250, oxt_test_pool), "250");
    ck_assert_str_eq(oxt_license_count_text(0, oxt_test_pool), "0");
}
END_TEST

START_TEST(terms_follow_the_tier_free_usage_and_premium)
{
    oxt_license_key_t k;
    oxt_license_terms_t t;

    /* No key: the evaluation allowance. */
    oxt_license_terms(&t, NULL);
    ck_assert_int_eq(t.from_key, 0);
    ck_assert_int_eq(t.max_domains, 10);
    ck_assert_int_eq(t.groupware_cap, 50);
    ck_assert_int_eq(t.max_mailboxes, 2000);
    ck_assert(oxt_license_service_allowed(&t, OXT_SERVICE_PREMIUM));
    fields(&k);
    k.tier = OXT_LICENSE_TIER_10;
    oxt_license_terms(&t, &k);
    ck_assert_int_eq(t.groupware_cap, 50);
    k.tier = OXT_LICENSE_TIER_100;
    oxt_license_terms(&t, &k);
    ck_assert_int_eq(t.groupware_cap, 150);
    ck_assert_int_eq(t.max_domains, 100);
    k.tier = OXT_LICENSE_TIER_UNLIMITED;
    oxt_license_terms(&t, &k);
    ck_assert_int_eq(t.groupware_cap, 250);
    k.free_usage = 1;
    oxt_license_terms(&t, &k);
    ck_assert_int_eq(t.groupware_cap, OXT_LICENSE_UNLIMITED);
    k.premium = 0;
    oxt_license_terms(&t, &k);
    ck_assert(!oxt_license_service_allowed(&t, OXT_SERVICE_PREMIUM));
    ck_assert(oxt_license_service_allowed(&t, OXT_SERVICE_STANDARD));
    ck_assert(oxt_license_service_allowed(&t, OXT_SERVICE_WEBMAIL));
}
END_TEST

START_TEST(more_than_the_allowed_plesk_mailboxes_restricts)
{
    oxt_license_terms_t t;

    oxt_license_terms(&t, NULL);
    ck_assert(!oxt_license_restricted(&t, 2000));
    ck_assert(oxt_license_restricted(&t, 2001));
    t.max_mailboxes = OXT_LICENSE_UNLIMITED;
    ck_assert(!oxt_license_restricted(&t, 1000000));
}
END_TEST

START_TEST(the_guides_messages_name_our_product)
{
    oxt_license_terms_t t;

    oxt_license_terms(&t, NULL);
    ck_assert_str_eq(oxt_license_text_restricted(OXT_ROLE_ADMIN, &t,
                                                 oxt_test_pool),
                     "It is not possible to use this license with more than"
                     " 2,000 mailboxes in Parallels Plesk Panel. For more"
                     " details, contact OXtender sales.");
    ck_assert_str_eq(oxt_license_text_restricted(OXT_ROLE_CLIENT, &t,
                                                 oxt_test_pool),
                     "It is not possible to use this license. Please contact"
                     " your administrator, the error code is #62.");
    ck_assert_str_eq(oxt_license_text_limit(OXT_ROLE_ADMIN),
                     "It is not possible to create more OX Groupware"
                     " accounts (all types) because you reached a licensing"
                     " limit. For more details, contact OXtender sales.");
    ck_assert_str_eq(oxt_license_text_limit(OXT_ROLE_DOMAIN),
                     "It is not possible to create more OX Groupware"
                     " accounts (all types). Please contact your"
                     " administrator, the error code is #61.");
    t.max_mailboxes = 1234567;
    ck_assert_ptr_nonnull(strstr(oxt_license_text_restricted(
        OXT_ROLE_ADMIN, &t, oxt_test_pool), " 1,234,567 mailboxes"));
}
END_TEST

TCase *oxt_license_test_case(void)
{
    TCase *tc = oxt_unit_tcase("license");

    tcase_add_checked_fixture(tc, license_setup, license_teardown);
    tcase_add_test(tc, a_minted_key_parses_verifies_and_gives_its_fields);
    tcase_add_test(tc, the_last_day_is_valid_and_the_day_after_is_not);
    tcase_add_test(tc, a_key_for_another_ip_or_an_unknown_ip_is_refused);
    tcase_add_test(tc, an_ipv6_key_matches_the_address_however_it_is_written);
    tcase_add_test(tc, a_key_signed_by_another_authority_is_refused);
    tcase_add_loop_test(tc, a_tampered_field_breaks_the_signature, 0,
                        (int)(sizeof(tampers) / sizeof(tampers[0])));
    tcase_add_test(tc, a_tampered_signature_is_refused);
    tcase_add_loop_test(tc, every_other_spelling_is_refused_with_its_verdict,
                        0, (int)(sizeof(broken) / sizeof(broken[0])));
    tcase_add_test(tc, an_unsigned_key_says_so);
    tcase_add_test(tc, empty_oversized_and_truncated_keys_are_refused);
    tcase_add_test(tc, refusals_name_the_line_and_field);
    tcase_add_test(tc, the_body_refuses_fields_it_could_not_parse_back);
    tcase_add_test(tc, the_public_key_is_built_in_or_32_bytes_of_base64);
    tcase_add_test(tc, dates_and_addresses_have_one_spelling);
    tcase_add_test(tc, terms_follow_the_tier_free_usage_and_premium);
    tcase_add_test(tc, more_than_the_allowed_plesk_mailboxes_restricts);
    tcase_add_test(tc, the_guides_messages_name_our_product);
    return tc;
}
