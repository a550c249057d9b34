/*
 * test_mbdir.c — the pure part of the Mailboxes page's directory
 * (lib/oxt_mbdir.h): the sort allow-list maps each of the page's keys to
 * its own dir_mailbox column, names nothing else, and says which
 * columns are strings (the page index keeps their points in k_str) and
 * which have an ox=1 index. The sync and the reads are proven against
 * MariaDB by tests/integration/test_mailboxes_directory.py.
 */
#include <string.h>
#include <check.h>

#include "oxt_unit.h"
#include "oxt_mbdir.h"
#include "oxt_mblist.h"

START_TEST(each_sort_key_has_its_own_column)
{
    static const struct {
        const char *key, *col;
        int is_str, ox;
        const char *index;     /* a_<index>, r_<index> of migration 0082 */
    } want[] = {
        { "name", "name", 1, 1, "name" }, { "mail", "mail_on", 0, 0, "mail" },
        { "service", "service", 0, 0, "service" },
        { "language", "language", 1, 0, "language" },
        { "timezone", "timezone", 1, 0, "timezone" },
        { "modified", "sync_key", 0, 1, "modified" },
        { "ox_service", "tick", 0, 0, "tick" },
        { "reason", "reason", 1, 0, "reason" },
    };
    const oxt_mbdir_sort_t *s;
    int i;

    for (i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++) {
        s = oxt_mbdir_sort(want[i].key);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->col, want[i].col);
        ck_assert_int_eq(s->is_str, want[i].is_str);
        ck_assert_int_eq(s->ox_index, want[i].ox);
        ck_assert_str_eq(s->index, want[i].index);
        ck_assert(oxt_mblist_sortable(want[i].key));
    }
}
END_TEST

START_TEST(nothing_else_is_a_sort)
{
    static const char *const bad[] = {
        "", "id", "b.name", "name DESC", "sync_key", "NAME",
        "name; DROP TABLE dir_mailbox"
    };
    int i;

    ck_assert_ptr_null(oxt_mbdir_sort(NULL));
    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
        ck_assert_ptr_null(oxt_mbdir_sort(bad[i]));
    }
}
END_TEST

TCase *oxt_mbdir_test_case(void)
{
    TCase *tc = oxt_unit_tcase("mbdir");

    tcase_add_test(tc, each_sort_key_has_its_own_column);
    tcase_add_test(tc, nothing_else_is_a_sort);
    return tc;
}
