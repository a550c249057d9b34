/*
 * main.c — runs every Check test case of the core.
 *
 * A lib/oxt_<file>.c with unit tests has a tests/unit/test_<file>.c that
 * exports "TCase *oxt_<file>_test_case(void)", declared in oxt_unit.h and
 * listed in oxt_unit_cases (cases.c). Output is Check's normal report: one
 * line per failing test and the summary line; CK_RUN_CASE=<name> runs one
 * test case. The exit code is 0 when every test passed.
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
