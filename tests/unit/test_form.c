/*
 * test_form.c — the urlencoded and multipart parsers: what they accept,
 * what they refuse, and their limits.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_form.h"

static apr_status_t parse(oxt_form_t **pf, const char *s,
                          const oxt_form_limits_t *lim)
{
    return oxt_form_parse(pf, s, strlen(s), lim, NULL, oxt_test_pool);
}

START_TEST(pairs_are_decoded_in_order)
{
    oxt_form_t *f;
    const oxt_form_field_t *fld;

    ck_assert_int_eq(parse(&f, "q=a+b%26c&&sort=name&flag&e=&"
                           "n=%C3%BC%e2%82%ac", &oxt_form_query_limits),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_form_count(f), 5);
    fld = oxt_form_field(f, 0);
    ck_assert_str_eq(fld->key, "q");
    ck_assert_str_eq(fld->value, "a b&c");
    ck_assert_str_eq(oxt_form_get(f, "sort"), "name");
    ck_assert_str_eq(oxt_form_get(f, "flag"), "");
    ck_assert_str_eq(oxt_form_get(f, "e"), "");
    ck_assert_str_eq(oxt_form_get(f, "n"), "\xc3\xbc\xe2\x82\xac");
    ck_assert_ptr_null(oxt_form_get(f, "missing"));
    ck_assert_ptr_null(oxt_form_field(f, 5));
    ck_assert_ptr_null(oxt_form_field(f, -1));
}
END_TEST

START_TEST(an_empty_input_is_an_empty_form)
{
    oxt_form_t *f;

    ck_assert_int_eq(parse(&f, "", &oxt_form_query_limits), APR_SUCCESS);
    ck_assert_int_eq(oxt_form_count(f), 0);
    ck_assert_int_eq(oxt_form_parse(&f, NULL, 0, &oxt_form_query_limits,
                                    NULL, oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(parse(&f, "&&&", &oxt_form_query_limits), APR_SUCCESS);
    ck_assert_int_eq(oxt_form_count(f), 0);
    ck_assert_int_eq(oxt_form_count(oxt_form_empty(oxt_test_pool)), 0);
}
END_TEST

START_TEST(repeated_keys_keep_their_order)
{
    oxt_form_t *f;
    apr_array_header_t *v, *ids;

    ck_assert_int_eq(parse(&f, "row=3&forever=3&row=9&row=1&forever=1",
                           &oxt_form_list_limits), APR_SUCCESS);
    v = oxt_form_values(f, "row", oxt_test_pool);
    ck_assert_int_eq(v->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(v, 1, const char *), "9");
    ck_assert_int_eq(oxt_form_ids(&ids, f, "forever", oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(ids->nelts, 2);
    ck_assert_int_eq(APR_ARRAY_IDX(ids, 0, long long), 3);
    ck_assert_int_eq(APR_ARRAY_IDX(ids, 1, long long), 1);
    ck_assert_int_eq(oxt_form_ids(&ids, f, "none", oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(ids->nelts, 0);
}
END_TEST

static const char *const malformed[] = {
    "a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "=value", "a=%00", "a%00=1",
    "a=%FF", "a=%C3", "a=%C0%BC", "a=%ED%A0%80", "a=b\xff", "a=\xc3",
};

START_TEST(malformed_input_is_refused)
{
    oxt_form_t *f;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    ck_assert_int_eq(oxt_form_parse(&f, malformed[_i], strlen(malformed[_i]),
                                    &oxt_form_query_limits, res,
                                    oxt_test_pool), APR_EINVAL);
    ck_assert_ptr_nonnull(res->problem);
}
END_TEST

START_TEST(limits_are_enforced)
{
    static const oxt_form_limits_t lim = { 40, 3, 4, 6 };
    oxt_form_t *f;

    ck_assert_int_eq(parse(&f, "abcd=123456&b=1&c=2", &lim), APR_SUCCESS);
    ck_assert_int_eq(parse(&f, "a=1&b=2&c=3&d=4", &lim), APR_ENOSPC);
    ck_assert_int_eq(parse(&f, "abcde=1", &lim), APR_ENOSPC);
    ck_assert_int_eq(parse(&f, "a=1234567", &lim), APR_ENOSPC);
    /* Limits count decoded bytes: %41 is one byte. */
    ck_assert_int_eq(parse(&f, "a=%41%42%43%44%45%46", &lim), APR_SUCCESS);
    ck_assert_str_eq(oxt_form_get(f, "a"), "ABCDEF");
    ck_assert_int_eq(parse(&f, "a=1&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&",
                           &lim), APR_ENOSPC);
}
END_TEST

static const struct {
    const char *value;
    apr_status_t rv;
    long long v;
} ints[] = {
    { "7", APR_SUCCESS, 7 },
    { "0", APR_SUCCESS, 0 },
    { "-3", APR_SUCCESS, -3 },
    { "100", APR_SUCCESS, 100 },
    { "101", APR_EINVAL, 0 },
    { "-4", APR_EINVAL, 0 },
    { "07", APR_EINVAL, 0 },
    { "+7", APR_EINVAL, 0 },
    { " 7", APR_EINVAL, 0 },
    { "7x", APR_EINVAL, 0 },
    { "", APR_EINVAL, 0 },
    { "-", APR_EINVAL, 0 },
    { "1e2", APR_EINVAL, 0 },
    { "99999999999999999999", APR_EINVAL, 0 },
};

START_TEST(integers_have_one_spelling_and_a_range)
{
    oxt_form_t *f;
    long long v = -99;
    const char *q = apr_pstrcat(oxt_test_pool, "n=", ints[_i].value, NULL);

    ck_assert_int_eq(parse(&f, q, &oxt_form_query_limits), APR_SUCCESS);
    ck_assert_int_eq(oxt_form_int(&v, f, "n", -3, 100), ints[_i].rv);
    if (ints[_i].rv == APR_SUCCESS) {
        ck_assert_int_eq(v, ints[_i].v);
    }
    ck_assert_int_eq(oxt_form_int(&v, f, "other", 0, 1), APR_ENOENT);
}
END_TEST

START_TEST(ids_are_positive_decimal_numbers)
{
    long long id = 0;
    oxt_form_t *f;
    apr_array_header_t *ids;

    ck_assert_int_eq(oxt_form_parse_id(&id, "9223372036854775807"),
                     APR_SUCCESS);
    ck_assert_int_eq(id, 9223372036854775807LL);
    ck_assert_int_eq(oxt_form_parse_id(&id, "9223372036854775808"),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_form_parse_id(&id, "0"), APR_EINVAL);
    ck_assert_int_eq(oxt_form_parse_id(&id, "-1"), APR_EINVAL);
    ck_assert_int_eq(oxt_form_parse_id(&id, "1 OR 1=1"), APR_EINVAL);
    ck_assert_int_eq(oxt_form_parse_id(&id, NULL), APR_EINVAL);
    ck_assert_int_eq(parse(&f, "id=1&id=x", &oxt_form_query_limits),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_form_ids(&ids, f, "id", oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

/* ---- multipart: the boundary ----------------------------------------------- */

static const struct {
    const char *ct;
    const char *boundary;      /* NULL: refused */
} cts[] = {
    { "multipart/form-data; boundary=----WebKitFormBoundaryAbC123",
      "----WebKitFormBoundaryAbC123" },
    { "Multipart/Form-Data;boundary=x", "x" },
    { "multipart/form-data; charset=utf-8; boundary=\"a b:c\"", "a b:c" },
    { "multipart/form-data; BOUNDARY=abc", "abc" },
    { "multipart/form-data", NULL },
    { "multipart/form-data;", NULL },
    { "multipart/form-data; boundary=", NULL },
    { "multipart/form-data; boundary=\"\"", NULL },
    { "multipart/form-data; boundary=\"ends with space \"", NULL },
    { "multipart/form-data; boundary=a; boundary=b", NULL },
    { "multipart/form-data; boundary=\"a\\\"b\"", NULL },
    { "multipart/form-data; boundary=\"unterminated", NULL },
    { "multipart/form-data; boundary=a<b", NULL },
    { "multipart/form-data; boundary="
      "12345678901234567890123456789012345678901234567890123456789012345678901",
      NULL },
    { "multipart/form-dataX; boundary=a", NULL },
    { "multipart/mixed; boundary=a", NULL },
    { "application/x-www-form-urlencoded", NULL },
    { "multipart/form-data boundary=a", NULL },
    { NULL, NULL },
};

START_TEST(the_boundary_is_parsed_strictly)
{
    const char *b = NULL;
    apr_status_t rv = oxt_multipart_boundary(&b, cts[_i].ct, NULL,
                                             oxt_test_pool);

    if (cts[_i].boundary == NULL) {
        ck_assert_int_eq(rv, APR_EINVAL);
    }
    else {
        ck_assert_int_eq(rv, APR_SUCCESS);
        ck_assert_str_eq(b, cts[_i].boundary);
    }
}
END_TEST

/* ---- multipart: bodies ---------------------------------------------------------- */

#define B "----oxtB0undary"

static apr_status_t mp(apr_array_header_t **pparts, const char *body,
                       const oxt_multipart_limits_t *lim)
{
    return oxt_multipart_parse(pparts, body, strlen(body), B, lim, NULL,
                               oxt_test_pool);
}

/* What Chromium sends for a text field and a file. */
static const char browser_body[] =
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"csrf\"\r\n"
    "\r\n"
    "tok3n\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"key\"; "
    "filename=\"m\xc3\xbc key.lic\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "line one --" B " inside\r\n\r\n"
    "\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n"
    "--" B "--\r\n"
    "epilogue is ignored";

START_TEST(a_browser_body_is_split_into_parts)
{
    apr_array_header_t *parts;
    const oxt_part_t *part;
    const char *text;

    ck_assert_int_eq(mp(&parts, browser_body, &oxt_multipart_upload_limits),
                     APR_SUCCESS);
    ck_assert_int_eq(parts->nelts, 3);
    part = oxt_multipart_get(parts, "csrf");
    ck_assert_ptr_null(part->filename);
    ck_assert_ptr_null(part->type);
    ck_assert_int_eq(oxt_multipart_text(&text, part, 64, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(text, "tok3n");
    ck_assert_int_eq(oxt_multipart_text(&text, part, 4, oxt_test_pool),
                     APR_ENOSPC);
    part = oxt_multipart_get(parts, "key");
    ck_assert_str_eq(part->filename, "m\xc3\xbc key.lic");
    ck_assert_str_eq(part->type, "application/octet-stream");
    ck_assert_uint_eq(part->len, strlen("line one --" B " inside\r\n\r\n"));
    ck_assert_int_eq(memcmp(part->data, "line one --" B " inside", 12), 0);
    part = oxt_multipart_get(parts, "empty");
    ck_assert_str_eq(part->filename, "");
    ck_assert_uint_eq(part->len, 0);
    ck_assert_ptr_null(oxt_multipart_get(parts, "nothing"));
}
END_TEST

START_TEST(binary_part_data_is_kept_but_not_as_text)
{
    static const char body[] =
        "--" B "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
        "a\0b\xff\r\n--" B "--";
    apr_array_header_t *parts;
    const char *text;

    ck_assert_int_eq(oxt_multipart_parse(&parts, body, sizeof(body) - 1, B,
                                         &oxt_multipart_upload_limits, NULL,
                                         oxt_test_pool), APR_SUCCESS);
    ck_assert_uint_eq(APR_ARRAY_IDX(parts, 0, oxt_part_t).len, 4);
    ck_assert_int_eq(oxt_multipart_text(&text,
                                        &APR_ARRAY_IDX(parts, 0, oxt_part_t),
                                        64, oxt_test_pool), APR_EINVAL);
}
END_TEST

#define DISP "Content-Disposition: form-data; name=\"a\"\r\n"

static const struct {
    const char *body;
    apr_status_t rv;
} bad_bodies[] = {
    { "", APR_EINVAL },
    { "preamble\r\n--" B "\r\n" DISP "\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "--", APR_EINVAL },                          /* no parts */
    { "--" B "\r\n" DISP "\r\nx", APR_EINVAL },           /* truncated */
    { "--" B "\r\n" DISP "\r\nx\r\n--" B, APR_EINVAL },   /* no -- or CRLF */
    { "--" B "\r\n" DISP "\r\nx\r\n--" B "junk", APR_EINVAL },
    { "--" B "\r\n" DISP "\r\nx\r\n--" B "x\r\n--" B "--",
      APR_EINVAL },                               /* the boundary in data */
    { "--" B "\r\n" DISP, APR_EINVAL },                   /* no empty line */
    { "--" B "\n" DISP "\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\n" "Content-Disposition: form-data; name=\"a\"\n\r\nx\r\n--"
      B "--", APR_EINVAL },                               /* bare LF */
    { "--" B "\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx"
      "\r\n--" B "--", APR_EINVAL },                      /* folding */
    { "--" B "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" B "--",
      APR_EINVAL },                                       /* no disposition */
    { "--" B "\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" B "--",
      APR_EINVAL },                                       /* no name */
    { "--" B "\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--"
      B "--", APR_EINVAL },
    { "--" B "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--"
      B "--", APR_EINVAL },
    { "--" B "\r\n" DISP DISP "\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n"
      "\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\nContent-Disposition: form-data; name=a b\r\n\r\nx\r\n--"
      B "--", APR_EINVAL },
    { "--" B "\r\nContent-Disposition: form-data; name=\"a\\\"\r\n\r\nx\r\n--"
      B "--", APR_EINVAL },
    { "--" B "\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x\ty"
      "\"\r\n\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\n" DISP "Content-Type: a\r\nContent-Type: b\r\n\r\nx\r\n--"
      B "--", APR_EINVAL },
    { "--" B "\r\n" DISP "X-Bad\x01: 1\r\n\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\n" DISP ": no name\r\n\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\n" DISP "X: \xff\r\n\r\nx\r\n--" B "--", APR_EINVAL },
    { "--" B "\r\n" DISP "X: a\x7f\r\n\r\nx\r\n--" B "--", APR_EINVAL },
};

START_TEST(malformed_bodies_are_refused)
{
    apr_array_header_t *parts = NULL;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    ck_assert_int_eq(oxt_multipart_parse(&parts, bad_bodies[_i].body,
                                         strlen(bad_bodies[_i].body), B,
                                         &oxt_multipart_upload_limits, res,
                                         oxt_test_pool), bad_bodies[_i].rv);
    ck_assert_ptr_nonnull(res->problem);
    ck_assert_ptr_null(parts);
}
END_TEST

START_TEST(multipart_limits_are_enforced)
{
    static const oxt_multipart_limits_t lim = { 400, 2, 60, 2 };
    apr_array_header_t *parts;
    const char *two = "--" B "\r\n" DISP "\r\n1\r\n--" B "\r\n" DISP
                      "\r\n2\r\n--" B "--";
    const char *three = "--" B "\r\n" DISP "\r\n1\r\n--" B "\r\n" DISP
                        "\r\n2\r\n--" B "\r\n" DISP "\r\n3\r\n--" B "--";
    const char *long_header = "--" B "\r\n" DISP "X-Long: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
        "\r\nx\r\n--" B "--";
    const char *many = "--" B "\r\n" DISP "X: 1\r\nY: 2\r\n\r\nx\r\n--" B
                       "--";
    char *big = apr_palloc(oxt_test_pool, 402);

    ck_assert_int_eq(mp(&parts, two, &lim), APR_SUCCESS);
    ck_assert_int_eq(mp(&parts, three, &lim), APR_ENOSPC);
    ck_assert_int_eq(mp(&parts, long_header, &lim), APR_ENOSPC);
    ck_assert_int_eq(mp(&parts, many, &lim), APR_ENOSPC);
    memset(big, 'x', 401);
    big[401] = '\0';
    ck_assert_int_eq(mp(&parts, big, &lim), APR_ENOSPC);
}
END_TEST

START_TEST(a_bad_boundary_or_no_body_is_refused)
{
    apr_array_header_t *parts;

    ck_assert_int_eq(oxt_multipart_parse(&parts, "--\r\n", 4, "",
                                         &oxt_multipart_upload_limits, NULL,
                                         oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_multipart_parse(&parts, NULL, 0, B,
                                         &oxt_multipart_upload_limits, NULL,
                                         oxt_test_pool), APR_EINVAL);
}
END_TEST

TCase *oxt_form_test_case(void)
{
    TCase *tc = oxt_unit_tcase("form");

    tcase_add_test(tc, pairs_are_decoded_in_order);
    tcase_add_test(tc, an_empty_input_is_an_empty_form);
    tcase_add_test(tc, repeated_keys_keep_their_order);
    tcase_add_loop_test(tc, malformed_input_is_refused, 0,
                        (int)(sizeof(malformed) / sizeof(malformed[0])));
    tcase_add_test(tc, limits_are_enforced);
    tcase_add_loop_test(tc, integers_have_one_spelling_and_a_range, 0,
                        (int)(sizeof(ints) / sizeof(ints[0])));
    tcase_add_test(tc, ids_are_positive_decimal_numbers);
    tcase_add_loop_test(tc, the_boundary_is_parsed_strictly, 0,
                        (int)(sizeof(cts) / sizeof(cts[0])));
    tcase_add_test(tc, a_browser_body_is_split_into_parts);
    tcase_add_test(tc, binary_part_data_is_kept_but_not_as_text);
    tcase_add_loop_test(tc, malformed_bodies_are_refused, 0,
                        (int)(sizeof(bad_bodies) / sizeof(bad_bodies[0])));
    tcase_add_test(tc, multipart_limits_are_enforced);
    tcase_add_test(tc, a_bad_boundary_or_no_body_is_refused);
    return tc;
}
