/*
 * test_offload.c — a job on the helper thread while its owner goes on
 * (oxt_offload.h): the job runs on another thread, the owner's idle runs
 * meanwhile, the job's status comes back, and jobs run one after the
 * other on the same thread until its pool goes; the thread's begin and
 * end hooks run on it, around every job.
 */
#include <apr_thread_proc.h>
#include <apr_atomic.h>
#include <apr_portable.h>
#include <apr_time.h>

#include "oxt_unit.h"
#include "oxt_offload.h"

typedef struct job_t {
    apr_os_thread_t owner;          /* the thread that asked */
    int other_thread;               /* the job ran on another one */
    volatile apr_uint32_t go;       /* set by the owner's idle */
    apr_status_t rv;                /* what the job returns */
    int ran;
    int idles;                      /* the owner's idle ran */
} job_t;

/* Waits until the owner's idle ran: a job that blocked its owner would
 * never end (the test's timeout says so). */
static apr_status_t job_waits_for_idle(void *baton)
{
    job_t *j = baton;

    j->other_thread = !apr_os_thread_equal(j->owner,
                                           apr_os_thread_current());
    while (apr_atomic_read32(&j->go) == 0) {
        apr_sleep(1000);
    }
    j->ran++;
    return j->rv;
}

static void idle_lets_go(void *baton)
{
    ((job_t *)baton)->idles++;
    apr_atomic_set32(&((job_t *)baton)->go, 1);
}

START_TEST(a_job_runs_on_the_helper_while_the_owner_idles)
{
    oxt_offload_t *o;
    job_t j = { .rv = APR_EGENERAL };

    ck_assert_int_eq(oxt_offload_make(&o, NULL, NULL, oxt_test_pool),
                     APR_SUCCESS);
    j.owner = apr_os_thread_current();
    ck_assert_int_eq(oxt_offload_run(o, job_waits_for_idle, &j, idle_lets_go,
                                     &j, 500), APR_EGENERAL);
    ck_assert_int_eq(j.other_thread, 1);
    ck_assert_int_eq(j.ran, 1);
    ck_assert_int_ge(j.idles, 1);
}
END_TEST

static apr_status_t job_counts(void *baton)
{
    ((job_t *)baton)->ran++;
    return APR_SUCCESS;
}

START_TEST(jobs_run_one_after_the_other_and_the_thread_stops_with_its_pool)
{
    apr_pool_t *p;
    oxt_offload_t *o;
    job_t j = { .rv = APR_SUCCESS };
    int i;

    apr_pool_create(&p, oxt_test_pool);
    ck_assert_int_eq(oxt_offload_make(&o, NULL, NULL, p), APR_SUCCESS);
    for (i = 0; i < 50; i++) {
        ck_assert_int_eq(oxt_offload_run(o, job_counts, &j, NULL, NULL,
                                         1000), APR_SUCCESS);
    }
    ck_assert_int_eq(j.ran, 50);
    apr_pool_destroy(p);          /* joins the thread (ASan: no leak) */
}
END_TEST

/* The hooks' record: on which thread, and in which order with the jobs
 * (the hooks take no baton: a library's per-thread state needs none). */
static apr_os_thread_t hook_thread;
static int hook_began, hook_ended, hook_jobs_at_begin, hook_jobs_at_end;
static int hook_end_same_thread;
static job_t hook_job;

static void hook_begin(void)
{
    hook_thread = apr_os_thread_current();
    hook_began++;
    hook_jobs_at_begin = hook_job.ran;
}

static void hook_end(void)
{
    hook_ended++;
    hook_jobs_at_end = hook_job.ran;
    hook_end_same_thread = apr_os_thread_equal(hook_thread,
                                               apr_os_thread_current());
}

static apr_status_t job_on_hooked_thread(void *baton)
{
    job_t *j = baton;

    j->ran++;
    /* the begin hook ran on this very thread, before this job */
    return hook_began == 1 && apr_os_thread_equal(hook_thread,
                                                  apr_os_thread_current())
           ? APR_SUCCESS : APR_EGENERAL;
}

START_TEST(the_threads_hooks_run_on_it_before_the_first_job_and_after_the_last)
{
    apr_pool_t *p;
    oxt_offload_t *o;
    int i;

    hook_began = hook_ended = 0;
    hook_job.ran = 0;
    hook_end_same_thread = 0;
    apr_pool_create(&p, oxt_test_pool);
    ck_assert_int_eq(oxt_offload_make(&o, hook_begin, hook_end, p),
                     APR_SUCCESS);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(oxt_offload_run(o, job_on_hooked_thread, &hook_job,
                                         NULL, NULL, 1000), APR_SUCCESS);
    }
    ck_assert_int_eq(hook_ended, 0);
    apr_pool_destroy(p);          /* joins the thread: the end hook ran */
    ck_assert_int_eq(hook_began, 1);
    ck_assert_int_eq(hook_ended, 1);
    ck_assert_int_eq(hook_jobs_at_begin, 0);
    ck_assert_int_eq(hook_jobs_at_end, 3);
    ck_assert_int_eq(hook_end_same_thread, 1);
    ck_assert(!apr_os_thread_equal(hook_thread, apr_os_thread_current()));
}
END_TEST

/* The owner's busy idle: busy (called again at once) for its first
 * `busy_for` calls, then idle; the job goes once the idle has been called
 * that often. */
typedef struct busy_t {
    job_t job;
    int busy_for;
    volatile apr_uint32_t calls;
} busy_t;

static int idle_busy_then_not(void *baton)
{
    busy_t *b = baton;
    apr_uint32_t n = apr_atomic_inc32(&b->calls) + 1;

    if ((int)n >= b->busy_for) {
        apr_atomic_set32(&b->job.go, 1);
    }
    return (int)n < b->busy_for;
}

START_TEST(a_busy_owner_is_called_again_at_once_an_idle_one_waits)
{
    oxt_offload_t *o;
    busy_t b = { .job = { .rv = APR_EGENERAL }, .busy_for = 200 };
    apr_time_t t0;

    ck_assert_int_eq(oxt_offload_make(&o, NULL, NULL, oxt_test_pool),
                     APR_SUCCESS);
    b.job.owner = apr_os_thread_current();
    /* 200 busy calls with a wait of 1 s between idle ones: only a caller
     * that waited after a busy call would take minutes */
    t0 = apr_time_now();
    ck_assert_int_eq(oxt_offload_run_busy(o, job_waits_for_idle, &b.job,
                                          idle_busy_then_not, &b,
                                          apr_time_from_sec(1)),
                     APR_EGENERAL);
    ck_assert_int_lt(apr_time_now() - t0, apr_time_from_sec(30));
    ck_assert_int_eq(b.job.other_thread, 1);
    ck_assert_int_eq(b.job.ran, 1);
    ck_assert_int_ge((int)apr_atomic_read32(&b.calls), b.busy_for);
}
END_TEST

TCase *oxt_offload_test_case(void)
{
    TCase *tc = oxt_unit_tcase("offload");

    tcase_add_test(tc, a_job_runs_on_the_helper_while_the_owner_idles);
    tcase_add_test(tc,
        jobs_run_one_after_the_other_and_the_thread_stops_with_its_pool);
    tcase_add_test(tc,
        the_threads_hooks_run_on_it_before_the_first_job_and_after_the_last);
    tcase_add_test(tc, a_busy_owner_is_called_again_at_once_an_idle_one_waits);
    return tc;
}
