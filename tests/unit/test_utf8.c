/*
 * test_utf8.c — the strict UTF-8 decoder.
 */
#include "oxt_unit.h"
#include "oxt_utf8.h"

static const struct {
    const char *in;
    apr_size_t len;
    apr_size_t n;              /* the sequence length, 0: invalid */
    unsigned cp;
} seqs[] = {
    { "A", 1, 1, 0x41 },
    { "\xc2\xa0", 2, 2, 0xA0 },
    { "\xdf\xbf", 2, 2, 0x7FF },
    { "\xe0\xa0\x80", 3, 3, 0x800 },
    { "\xef\xbf\xbd", 3, 3, 0xFFFD },
    { "\xf0\x90\x80\x80", 4, 4, 0x10000 },
    { "\xf4\x8f\xbf\xbf", 4, 4, 0x10FFFF },
    { "\xc1\xbf", 2, 0, 0 },               /* overlong */
    { "\xe0\x9f\xbf", 3, 0, 0 },           /* overlong */
    { "\xf0\x8f\xbf\xbf", 4, 0, 0 },       /* overlong */
    { "\xed\xa0\x80", 3, 0, 0 },           /* surrogate */
    { "\xed\xbf\xbf", 3, 0, 0 },           /* surrogate */
    { "\xf4\x90\x80\x80", 4, 0, 0 },       /* above U+10FFFF */
    { "\xf8\x88\x80\x80\x80", 5, 0, 0 },   /* five bytes */
    { "\x80", 1, 0, 0 },                   /* lone continuation */
    { "\xe2\x82\xac", 2, 0, 0 },           /* cut by len */
    { "\xe2\x28\xa1", 3, 0, 0 },           /* bad continuation */
    { "", 0, 0, 0 },
};

START_TEST(sequences_decode_strictly)
{
    unsigned cp = 0xDEAD;
    apr_size_t n = oxt_utf8_decode(seqs[_i].in, seqs[_i].len, &cp);

    ck_assert_uint_eq(n, seqs[_i].n);
    if (n > 0) {
        ck_assert_uint_eq(cp, seqs[_i].cp);
    }
}
END_TEST

START_TEST(whole_strings_are_checked)
{
    ck_assert(oxt_utf8_valid("m\xc3\xbcller \xf0\x9f\x98\x80", 12));
    ck_assert(oxt_utf8_valid("a\0b", 3));
    ck_assert(oxt_utf8_valid("", 0));
    ck_assert(!oxt_utf8_valid("ok\xff", 3));
    ck_assert(!oxt_utf8_valid("\xc3", 1));
}
END_TEST

/* For fixed-width columns: never half a character. */
START_TEST(a_cut_keeps_whole_characters)
{
    const char *s = "m\xc3\xbcller \xf0\x9f\x98\x80!";

    ck_assert_ptr_eq(oxt_utf8_cut(s, 13, oxt_test_pool), s);
    ck_assert_ptr_eq(oxt_utf8_cut(s, 100, oxt_test_pool), s);
    ck_assert_ptr_null(oxt_utf8_cut(NULL, 3, oxt_test_pool));
    ck_assert_str_eq(oxt_utf8_cut(s, 1, oxt_test_pool), "m");
    ck_assert_str_eq(oxt_utf8_cut(s, 2, oxt_test_pool), "m");
    ck_assert_str_eq(oxt_utf8_cut(s, 3, oxt_test_pool), "m\xc3\xbc");
    ck_assert_str_eq(oxt_utf8_cut(s, 8, oxt_test_pool), "m\xc3\xbcller ");
    ck_assert_str_eq(oxt_utf8_cut(s, 11, oxt_test_pool), "m\xc3\xbcller ");
    ck_assert_str_eq(oxt_utf8_cut(s, 12, oxt_test_pool),
                     "m\xc3\xbcller \xf0\x9f\x98\x80");
    ck_assert_str_eq(oxt_utf8_cut(s, 0, oxt_test_pool), "");
    /* the length alone, for a copy into a buffer of max + 1 bytes */
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 100), 13);
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 13), 13);
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 12), 12);
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 11), 8);
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 2), 1);
    ck_assert_uint_eq(oxt_utf8_cut_len(s, 0), 0);
}
END_TEST

TCase *oxt_utf8_test_case(void)
{
    TCase *tc = oxt_unit_tcase("utf8");

    tcase_add_loop_test(tc, sequences_decode_strictly, 0,
                        (int)(sizeof(seqs) / sizeof(seqs[0])));
    tcase_add_test(tc, whole_strings_are_checked);
    tcase_add_test(tc, a_cut_keeps_whole_characters);
    return tc;
}
