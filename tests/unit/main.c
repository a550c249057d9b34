/*
 * main.c — runs every Check test case of the core.
 *
 * Each lib/oxt_<file>.c has a tests/unit/test_<file>.c that exports
 * "TCase *oxt_<file>_test_case(void)"; the list in oxt_unit_cases.h names
 * them all. Output is TAP on stdout plus Check's summary line.
 */
#include <stdlib.h>
#include <check.h>
#include <apr_general.h>

#include "oxt_unit.h"

int main(void)
{
    Suite *s;
    SRunner *sr;
    int failed;
    size_t i;

    apr_initialize();
    atexit(apr_terminate);

    s = suite_create("oxtender");
    for (i = 0; oxt_unit_cases[i] != NULL; i++) {
        suite_add_tcase(s, oxt_unit_cases[i]());
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
