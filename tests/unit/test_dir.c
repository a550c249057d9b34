/*
 * test_dir.c — the pure parts of the lists' directory: the terms a name
 * is found by, the search pattern, the sort keys of each list.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_dir.h"

static const char *terms_of(const char *name, int domain)
{
    apr_array_header_t *t = oxt_dir_terms(name, domain, oxt_test_pool);
    const char *out = "";
    int i;

    for (i = 0; i < t->nelts; i++) {
        out = apr_pstrcat(oxt_test_pool, out, i ? "|" : "",
                          APR_ARRAY_IDX(t, i, const char *), NULL);
    }
    return out;
}

START_TEST(a_person_is_found_by_each_word)
{
    ck_assert_str_eq(terms_of("Charles Watson", 0), "Charles Watson|Watson");
    ck_assert_str_eq(terms_of("Telecom Inc Charles Dawson (Administrator)",
                              0),
                     "Telecom Inc Charles Dawson (Administrator)|"
                     "Inc Charles Dawson (Administrator)|"
                     "Charles Dawson (Administrator)|"
                     "Dawson (Administrator)|(Administrator)");
    ck_assert_str_eq(terms_of("Müller-Ştefănescu", 0),
                     "Müller-Ştefănescu|Ştefănescu");
    /* Runs of separators give no empty or repeated terms. */
    ck_assert_str_eq(terms_of("  a  -  b ", 0), "a  -  b |b ");
}
END_TEST

START_TEST(a_domain_is_found_by_its_labels_but_the_last)
{
    ck_assert_str_eq(terms_of("shop.dom1.example", 1),
                     "shop.dom1.example|dom1.example");
    ck_assert_str_eq(terms_of("dom1.example", 1), "dom1.example");
    ck_assert_str_eq(terms_of("my-shop.co.uk", 1),
                     "my-shop.co.uk|shop.co.uk|co.uk");
    ck_assert_str_eq(terms_of("localhost", 1), "localhost");
}
END_TEST

START_TEST(terms_are_bounded)
{
    char name[600];
    apr_array_header_t *t;
    int i;

    for (i = 0; i < 598; i += 2) {
        name[i] = 'a';
        name[i + 1] = ' ';
    }
    name[598] = '\0';
    t = oxt_dir_terms(name, 0, oxt_test_pool);
    ck_assert_int_eq(t->nelts, OXT_DIR_TERMS_MAX);
    for (i = 0; i < t->nelts; i++) {
        ck_assert_uint_le(strlen(APR_ARRAY_IDX(t, i, const char *)), 255);
    }
    /* 255 bytes are cut at a character boundary, not inside "é". */
    memset(name, 'x', 254);
    memcpy(name + 254, "\xc3\xa9", 3);
    t = oxt_dir_terms(name, 0, oxt_test_pool);
    ck_assert_uint_eq(strlen(APR_ARRAY_IDX(t, 0, const char *)), 254);
    ck_assert_int_eq(oxt_dir_terms(NULL, 0, oxt_test_pool)->nelts, 0);
}
END_TEST

START_TEST(the_search_pattern_is_what_was_typed)
{
    ck_assert_str_eq(oxt_dir_like_prefix("dom1", oxt_test_pool), "dom1%");
    ck_assert_str_eq(oxt_dir_like_prefix("50%_off!", oxt_test_pool),
                     "50!%!_off!!%");
    ck_assert_str_eq(oxt_dir_like_prefix("", oxt_test_pool), "%");
}
END_TEST

START_TEST(the_sort_keys_of_each_list)
{
    ck_assert(oxt_dir_sortable(OXT_DIR_RESELLERS, "clients"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_CLIENTS, "clients"));
    ck_assert(oxt_dir_sortable(OXT_DIR_DOMAINS, "mail"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_RESELLERS, "mail"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_DOMAINS, "access"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_DOMAINS, "name; DROP"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_LISTS, "name"));
    ck_assert(!oxt_dir_sortable(OXT_DIR_DOMAINS, NULL));
    ck_assert_int_eq(oxt_dir_list_level(OXT_DIR_CLIENTS), OXT_LEVEL_CLIENT);
    ck_assert_str_eq(oxt_dir_kind_name(OXT_DIR_MAILBOX), "mailbox");
}
END_TEST

START_TEST(a_searched_page_is_read_from_its_nearer_end)
{
    oxt_dir_window_t w;

    /* 11,112 matches in 100,000 rows: page 1 from the front, 9 rows of
     * the index a match, twice that and 64 */
    ck_assert(oxt_dir_window_plan(&w, 0, 25, 11112, 100000, 0));
    ck_assert_int_eq(w.back, 0);
    ck_assert_int_eq(w.skip, 0);
    ck_assert_int_eq(w.rows, 2 * 225 + 64);
    /* the last page (12 rows) from the back, nothing to skip */
    ck_assert(oxt_dir_window_plan(&w, 11100, 25, 11112, 100000, 0));
    ck_assert_int_eq(w.back, 1);
    ck_assert_int_eq(w.skip, 0);
    ck_assert_int_eq(w.rows, 2 * 108 + 64);
    /* page 3 from the back skips the 50 matches after it */
    ck_assert(oxt_dir_window_plan(&w, 11112 - 75, 25, 11112, 100000, 0));
    ck_assert_int_eq(w.back, 1);
    ck_assert_int_eq(w.skip, 50);
    /* the middle is joined: its window would pass the maximum */
    ck_assert(!oxt_dir_window_plan(&w, 5000, 25, 11112, 100000, 0));
    /* a narrow search too (rows per match high) */
    ck_assert(!oxt_dir_window_plan(&w, 0, 25, 10, 100000, 0));
    /* a short list: the whole of it */
    ck_assert(oxt_dir_window_plan(&w, 10, 10, 24, 30, 0));
    ck_assert_int_eq(w.rows, 30);
    ck_assert_int_eq(w.back, 1);
    ck_assert_int_eq(w.skip, 4);
    /* by the name: only when at least half of the scope matches */
    ck_assert(!oxt_dir_window_plan(&w, 0, 25, 11112, 100000, 1));
    ck_assert(oxt_dir_window_plan(&w, 0, 25, 9911, 10000, 1));
    /* no page: all rows (0), past the end, nothing found */
    ck_assert(!oxt_dir_window_plan(&w, 0, 0, 100, 1000, 0));
    ck_assert(!oxt_dir_window_plan(&w, 100, 25, 100, 1000, 0));
    ck_assert(!oxt_dir_window_plan(&w, 0, 25, 0, 1000, 0));
    ck_assert(!oxt_dir_window_plan(&w, 0, 25, 100, 0, 0));
}
END_TEST

TCase *oxt_dir_test_case(void)
{
    TCase *tc = oxt_unit_tcase("dir");

    tcase_add_test(tc, a_person_is_found_by_each_word);
    tcase_add_test(tc, a_domain_is_found_by_its_labels_but_the_last);
    tcase_add_test(tc, terms_are_bounded);
    tcase_add_test(tc, the_search_pattern_is_what_was_typed);
    tcase_add_test(tc, the_sort_keys_of_each_list);
    tcase_add_test(tc, a_searched_page_is_read_from_its_nearer_end);
    return tc;
}
