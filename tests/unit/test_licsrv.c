/*
 * test_licsrv.c — the licensing server's answers: the bounded parser and
 * the writer the authority's tool uses, and the shape of a code.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_licsrv.h"
#include "oxt_status.h"

#define KEY "-----BEGIN OXTENDER LICENSE KEY-----\nformat: 1\n"

static apr_status_t parse(oxt_licsrv_answer_t **pa, const char *body)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_status_t rv = oxt_licsrv_answer_parse(pa, body, strlen(body), res,
                                              oxt_test_pool);

    if (rv != APR_SUCCESS) {
        ck_assert_str_eq(res->problem,
                         "The licensing server's answer is not understood");
    }
    return rv;
}

START_TEST(an_ok_answer_carries_its_message_and_key)
{
    oxt_licsrv_answer_t *a;

    ck_assert_int_eq(parse(&a, OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: Key"
                           " 7 issued, ça va\n" KEY), APR_SUCCESS);
    ck_assert(a->ok);
    ck_assert_str_eq(a->message, "Key 7 issued, ça va");
    ck_assert_str_eq(a->key, KEY);
    ck_assert_int_eq(a->key_len, strlen(KEY));
}
END_TEST

START_TEST(a_refusal_carries_only_its_message)
{
    oxt_licsrv_answer_t *a;

    ck_assert_int_eq(parse(&a, OXT_LICSRV_MAGIC "\nstatus: refused\n"
                           "message: Unknown activation code\n"),
                     APR_SUCCESS);
    ck_assert(!a->ok);
    ck_assert_str_eq(a->message, "Unknown activation code");
    ck_assert_int_eq(a->key_len, 0);
}
END_TEST

static const char *const garbage[] = {
    "",
    "<html>502 Bad Gateway</html>",
    OXT_LICSRV_MAGIC,
    OXT_LICSRV_MAGIC "\r\nstatus: ok\nmessage: x\n" KEY,
    "OXTENDER LICENSING ANSWER 2\nstatus: ok\nmessage: x\n" KEY,
    OXT_LICSRV_MAGIC "\nstatus: maybe\nmessage: x\n",
    OXT_LICSRV_MAGIC "\nstatus: ok\n" KEY,
    OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: \n" KEY,
    OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: x",
    OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: a\tb\n" KEY,
    OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: \xff\xfe\n" KEY,
    OXT_LICSRV_MAGIC "\nstatus: ok\nmessage: no key\n",
    OXT_LICSRV_MAGIC "\nstatus: refused\nmessage: but a key\n" KEY,
};

START_TEST(anything_else_is_not_an_answer)
{
    oxt_licsrv_answer_t *a;

    ck_assert_int_eq(parse(&a, garbage[_i]), OXT_ELICSRV);
}
END_TEST

START_TEST(long_messages_and_big_answers_are_refused)
{
    oxt_licsrv_answer_t *a;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    char *msg = apr_palloc(oxt_test_pool, OXT_LICSRV_MAX_MESSAGE + 2);
    char *big = apr_palloc(oxt_test_pool, OXT_LICSRV_MAX_ANSWER + 1);
    const char *body;

    memset(msg, 'm', OXT_LICSRV_MAX_MESSAGE);
    msg[OXT_LICSRV_MAX_MESSAGE] = '\0';
    body = apr_pstrcat(oxt_test_pool, OXT_LICSRV_MAGIC "\nstatus: refused\n"
                       "message: ", msg, "\n", NULL);
    ck_assert_int_eq(parse(&a, body), APR_SUCCESS);
    msg[OXT_LICSRV_MAX_MESSAGE] = 'm';
    msg[OXT_LICSRV_MAX_MESSAGE + 1] = '\0';
    body = apr_pstrcat(oxt_test_pool, OXT_LICSRV_MAGIC "\nstatus: refused\n"
                       "message: ", msg, "\n", NULL);
    ck_assert_int_eq(parse(&a, body), OXT_ELICSRV);
    memset(big, 'x', OXT_LICSRV_MAX_ANSWER + 1);
    memcpy(big, OXT_LICSRV_MAGIC "\n", sizeof(OXT_LICSRV_MAGIC));
    ck_assert_int_eq(oxt_licsrv_answer_parse(&a, big,
                                             OXT_LICSRV_MAX_ANSWER + 1, res,
                                             oxt_test_pool), OXT_ELICSRV);
}
END_TEST

START_TEST(the_writer_writes_what_the_parser_reads)
{
    oxt_licsrv_answer_t *a;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *body;

    ck_assert_int_eq(oxt_licsrv_answer_format(&body, 1, "Issued", KEY, res,
                                              oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(parse(&a, body), APR_SUCCESS);
    ck_assert_str_eq(a->key, KEY);
    ck_assert_int_eq(oxt_licsrv_answer_format(&body, 0, "No", NULL, res,
                                              oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(parse(&a, body), APR_SUCCESS);
    ck_assert_int_eq(oxt_licsrv_answer_format(&body, 1, "Issued", NULL, res,
                                              oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_licsrv_answer_format(&body, 0, "two\nlines", NULL,
                                              res, oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

START_TEST(codes_are_letters_digits_and_dashes)
{
    ck_assert(oxt_licsrv_code_valid("ABCD-1234-efgh"));
    ck_assert(!oxt_licsrv_code_valid(""));
    ck_assert(!oxt_licsrv_code_valid(NULL));
    ck_assert(!oxt_licsrv_code_valid("a b"));
    ck_assert(!oxt_licsrv_code_valid("a&ip=1.2.3.4"));
    ck_assert(!oxt_licsrv_code_valid(
        "0123456789012345678901234567890123456789012345678901234567890123X"));
}
END_TEST

TCase *oxt_licsrv_test_case(void)
{
    TCase *tc = oxt_unit_tcase("licsrv");

    tcase_add_test(tc, an_ok_answer_carries_its_message_and_key);
    tcase_add_test(tc, a_refusal_carries_only_its_message);
    tcase_add_loop_test(tc, anything_else_is_not_an_answer, 0,
                        (int)(sizeof(garbage) / sizeof(garbage[0])));
    tcase_add_test(tc, long_messages_and_big_answers_are_refused);
    tcase_add_test(tc, the_writer_writes_what_the_parser_reads);
    tcase_add_test(tc, codes_are_letters_digits_and_dashes);
    return tc;
}
