/*
 * oxt_offload.c — see oxt_offload.h.
 */
#include <apr_thread_proc.h>
#include <apr_thread_mutex.h>
#include <apr_thread_cond.h>

#include "oxt_offload.h"

struct oxt_offload_t {
    apr_pool_t *tpool;              /* the thread's */
    apr_thread_t *thread;
    apr_thread_mutex_t *mu;         /* guards the fields below */
    apr_thread_cond_t *cv;          /* a job asked, done, or quit */
    oxt_offload_fn *fn;             /* the job asked, NULL once taken */
    void *baton;
    int done;
    int quit;
    apr_status_t rv;
    oxt_offload_hook_fn *begin;     /* on the thread, first and last */
    oxt_offload_hook_fn *end;
};

/* Takes each job as it comes, until told to quit. */
static void *APR_THREAD_FUNC offload_main(apr_thread_t *thread, void *data)
{
    oxt_offload_t *o = data;
    oxt_offload_fn *fn;
    apr_status_t rv;

    if (o->begin != NULL) {
        o->begin();
    }
    apr_thread_mutex_lock(o->mu);
    for (;;) {
        while (o->fn == NULL && !o->quit) {
            apr_thread_cond_wait(o->cv, o->mu);
        }
        if (o->fn == NULL) {
            break;
        }
        fn = o->fn;
        o->fn = NULL;
        apr_thread_mutex_unlock(o->mu);
        rv = fn(o->baton);
        apr_thread_mutex_lock(o->mu);
        o->rv = rv;
        o->done = 1;
        apr_thread_cond_broadcast(o->cv);
    }
    apr_thread_mutex_unlock(o->mu);
    if (o->end != NULL) {
        o->end();
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static apr_status_t offload_stop(void *data)
{
    oxt_offload_t *o = data;
    apr_status_t trv;

    apr_thread_mutex_lock(o->mu);
    o->quit = 1;
    apr_thread_cond_broadcast(o->cv);
    apr_thread_mutex_unlock(o->mu);
    apr_thread_join(&trv, o->thread);
    return APR_SUCCESS;
}

apr_status_t oxt_offload_make(oxt_offload_t **po, oxt_offload_hook_fn *begin,
                              oxt_offload_hook_fn *end, apr_pool_t *p)
{
    oxt_offload_t *o = apr_pcalloc(p, sizeof(*o));
    apr_status_t rv;

    o->begin = begin;
    o->end = end;
    rv = apr_pool_create(&o->tpool, p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_mutex_create(&o->mu, APR_THREAD_MUTEX_DEFAULT, p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&o->cv, p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&o->thread, NULL, offload_main, o, o->tpool);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_pre_cleanup_register(p, o, offload_stop);
    *po = o;
    return APR_SUCCESS;
}

apr_status_t oxt_offload_run(oxt_offload_t *o, oxt_offload_fn *fn,
                             void *baton, oxt_offload_idle_fn *idle,
                             void *idle_baton, apr_interval_time_t every)
{
    apr_status_t rv;

    apr_thread_mutex_lock(o->mu);
    o->fn = fn;
    o->baton = baton;
    o->done = 0;
    apr_thread_cond_broadcast(o->cv);
    while (!o->done) {
        if (idle != NULL) {
            apr_thread_mutex_unlock(o->mu);
            idle(idle_baton);
            apr_thread_mutex_lock(o->mu);
        }
        if (!o->done) {
            (void)apr_thread_cond_timedwait(o->cv, o->mu, every);
        }
    }
    rv = o->rv;
    apr_thread_mutex_unlock(o->mu);
    return rv;
}

apr_status_t oxt_offload_run_busy(oxt_offload_t *o, oxt_offload_fn *fn,
                                  void *baton, oxt_offload_busy_fn *idle,
                                  void *idle_baton,
                                  apr_interval_time_t every)
{
    apr_status_t rv;
    int busy;

    apr_thread_mutex_lock(o->mu);
    o->fn = fn;
    o->baton = baton;
    o->done = 0;
    apr_thread_cond_broadcast(o->cv);
    while (!o->done) {
        apr_thread_mutex_unlock(o->mu);
        busy = idle(idle_baton);
        apr_thread_mutex_lock(o->mu);
        if (!o->done && !busy) {
            (void)apr_thread_cond_timedwait(o->cv, o->mu, every);
        }
    }
    rv = o->rv;
    apr_thread_mutex_unlock(o->mu);
    return rv;
}
