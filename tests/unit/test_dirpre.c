/*
 * test_dirpre.c — the pure part of lib/oxt_dirpre.h: the key a search is
 * stored and looked up under (ASCII letters folded, everything else as
 * typed, so that a LIKE of the collation finds the same rows for the
 * search and its key). That the stored counts equal the live ones
 * through syncs and refreshes is proven against MariaDB by
 * tests/integration/test_lists_search_counts.py.
 */
#include <check.h>

#include "oxt_unit.h"
#include "oxt_dirpre.h"

START_TEST(ascii_letters_fold_to_lower_case)
{
    ck_assert_str_eq(oxt_dirpre_key("Dom1.Example", oxt_test_pool),
                     "dom1.example");
    ck_assert_str_eq(oxt_dirpre_key("CLIENT 1", oxt_test_pool), "client 1");
    ck_assert_str_eq(oxt_dirpre_key("", oxt_test_pool), "");
}
END_TEST

START_TEST(everything_else_stays_as_typed)
{
    /* Not folded: the key of "ŞTEF" is "Ştef", whose lookup misses the
     * stored "ştef" and counts live (slower, still exact). */
    ck_assert_str_eq(oxt_dirpre_key("\xc5\x9eTEF", oxt_test_pool),
                     "\xc5\x9e" "tef");
    ck_assert_str_eq(oxt_dirpre_key("50%_!@ x", oxt_test_pool), "50%_!@ x");
    ck_assert_str_eq(oxt_dirpre_key("client ", oxt_test_pool), "client ");
}
END_TEST

TCase *oxt_dirpre_test_case(void)
{
    TCase *tc = oxt_unit_tcase("dirpre");

    tcase_add_test(tc, ascii_letters_fold_to_lower_case);
    tcase_add_test(tc, everything_else_stays_as_typed);
    return tc;
}
