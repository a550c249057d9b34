/*
 * soapit_main.c — runs the SOAP client's integration tests.
 */
#include <stdlib.h>
#include <apr_general.h>
#include <libxml/parser.h>

#include "soapit.h"
#include "oxt_soap.h"

int main(void)
{
    Suite *s;
    SRunner *sr;
    int failed;

    apr_initialize();
    atexit(apr_terminate);
    if (oxt_soap_library_init() != APR_SUCCESS) {
        return EXIT_FAILURE;
    }
    xmlInitParser();
    s = suite_create("oxt-soapit");
    suite_add_tcase(s, soapit_ops_case());
    suite_add_tcase(s, soapit_faults_case());
    suite_add_tcase(s, soapit_transport_case());
    suite_add_tcase(s, soapit_reseller_case());
    suite_add_tcase(s, soapit_override_case());
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
