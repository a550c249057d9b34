/*
 * cases.c — the list of test cases and the per-test pool fixture.
 * Add a line here (and a declaration in oxt_unit.h) for a new test file.
 */
#include <apr_general.h>

#include "oxt_unit.h"

apr_pool_t *oxt_test_pool;

static void pool_setup(void)
{
    apr_initialize();
    apr_pool_create(&oxt_test_pool, NULL);
}

static void pool_teardown(void)
{
    apr_pool_destroy(oxt_test_pool);
    oxt_test_pool = NULL;
}

TCase *oxt_unit_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    return tc;
}

oxt_unit_case_fn *const oxt_unit_cases[] = {
    oxt_result_test_case,
    oxt_log_test_case,
    oxt_config_test_case,
    oxt_json_test_case,
    oxt_crypto_test_case,
    oxt_util_test_case,
    oxt_db_test_case,
    oxt_schema_test_case,
    oxt_settings_test_case,
    oxt_desired_test_case,
    oxt_queue_test_case,
    oxt_event_test_case,
    oxt_plan_test_case,
    oxt_login_test_case,
    oxt_session_test_case,
    oxt_grant_test_case,
    oxt_buttons_test_case,
    oxt_engine_test_case,
    oxt_batch_test_case,
    oxt_rows_test_case,
    oxt_offload_test_case,
    oxt_lock_test_case,
    oxt_license_test_case,
    oxt_licsrv_test_case,
    oxt_seats_test_case,
    oxt_soap_test_case,
    oxt_ox_test_case,
    oxt_soap_curl_test_case,
    oxt_utf8_test_case,
    oxt_url_test_case,
    oxt_html_test_case,
    oxt_csv_test_case,
    oxt_form_test_case,
    oxt_csrf_test_case,
    oxt_list_test_case,
    oxt_page_test_case,
    oxt_metrics_test_case,
    oxt_health_test_case,
    oxt_httpreq_test_case,
    oxt_service_test_case,
    oxt_mblist_test_case,
    oxt_mbdir_test_case,
    oxt_dirsum_test_case,
    oxt_dirpre_test_case,
    oxt_xmlview_test_case,
    oxt_oxlink_test_case,
    oxt_dir_test_case,
    oxt_change_test_case,
    oxt_prefs_form_test_case,
    oxt_report_test_case,
    NULL
};
