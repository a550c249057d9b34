/*
 * oxt_unit.h — shared by the unit tests: the list of test cases and a
 * fresh pool per test.
 */
#ifndef OXT_UNIT_H
#define OXT_UNIT_H

#include <check.h>
#include <apr_pools.h>

typedef TCase *oxt_unit_case_fn(void);

/* NULL-terminated; defined in cases.c. */
extern oxt_unit_case_fn *const oxt_unit_cases[];

/* The pool of the running test, created and destroyed by the fixture. */
extern apr_pool_t *oxt_test_pool;

/** Adds the fresh-pool fixture to tc and returns it. */
TCase *oxt_unit_tcase(const char *name);

/* One declaration per test file. */
TCase *oxt_result_test_case(void);
TCase *oxt_log_test_case(void);
TCase *oxt_config_test_case(void);
TCase *oxt_json_test_case(void);
TCase *oxt_crypto_test_case(void);
TCase *oxt_util_test_case(void);
TCase *oxt_db_test_case(void);
TCase *oxt_schema_test_case(void);
TCase *oxt_settings_test_case(void);
TCase *oxt_desired_test_case(void);
TCase *oxt_queue_test_case(void);
TCase *oxt_event_test_case(void);
TCase *oxt_plan_test_case(void);
TCase *oxt_login_test_case(void);
TCase *oxt_session_test_case(void);
TCase *oxt_grant_test_case(void);
TCase *oxt_buttons_test_case(void);
TCase *oxt_engine_test_case(void);
TCase *oxt_batch_test_case(void);
TCase *oxt_rows_test_case(void);
TCase *oxt_offload_test_case(void);
TCase *oxt_lock_test_case(void);
TCase *oxt_license_test_case(void);
TCase *oxt_licsrv_test_case(void);
TCase *oxt_seats_test_case(void);

TCase *oxt_soap_test_case(void);
TCase *oxt_ox_test_case(void);
TCase *oxt_soap_curl_test_case(void);

/* the page kit */
TCase *oxt_utf8_test_case(void);
TCase *oxt_url_test_case(void);
TCase *oxt_html_test_case(void);
TCase *oxt_csv_test_case(void);
TCase *oxt_form_test_case(void);
TCase *oxt_csrf_test_case(void);
TCase *oxt_list_test_case(void);
TCase *oxt_page_test_case(void);
TCase *oxt_service_test_case(void);
TCase *oxt_mblist_test_case(void);
TCase *oxt_mbdir_test_case(void);
TCase *oxt_dirsum_test_case(void);
TCase *oxt_dirpre_test_case(void);
TCase *oxt_xmlview_test_case(void);
TCase *oxt_oxlink_test_case(void);

/* monitoring */
TCase *oxt_metrics_test_case(void);
TCase *oxt_health_test_case(void);
TCase *oxt_httpreq_test_case(void);

/* the lists */
TCase *oxt_dir_test_case(void);
TCase *oxt_report_test_case(void);
TCase *oxt_change_test_case(void);
TCase *oxt_prefs_form_test_case(void);

#endif /* OXT_UNIT_H */
