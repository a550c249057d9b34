/*
 * fake_soap.c — see fake_soap.h.
 */
#include <string.h>
#include <check.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "fake_soap.h"

/* The vtable's init has no baton, so the fake being set up is handed
 * over here; tests are single-threaded. */
static fake_soap_t *fake_pending;

fake_soap_t *fake_soap_make(int http_status, const char *body, apr_pool_t *p)
{
    fake_soap_t *f = apr_pcalloc(p, sizeof(*f));

    f->http_status = http_status;
    f->body = body;
    f->urls = apr_array_make(p, 4, sizeof(const char *));
    f->bodies = apr_array_make(p, 4, sizeof(const char *));
    f->started = apr_array_make(p, 4, sizeof(oxt_soap_call_t *));
    f->answers = apr_array_make(p, 4, sizeof(fake_soap_answer_t));
    f->tags = apr_hash_make(p);
    f->p = p;
    return f;
}

static apr_status_t fake_init(oxt_soap_client_t *client, apr_pool_t *p)
{
    oxt_soap_client_set_impl_data(client, fake_pending);
    return APR_SUCCESS;
}

/* Counts a call of tag in (+1) or out of (-1) flight. */
static void fake_tag(fake_soap_t *f, const char *tag, int delta)
{
    int *n;

    if (tag == NULL) {
        return;
    }
    n = apr_hash_get(f->tags, tag, APR_HASH_KEY_STRING);
    if (n == NULL) {
        n = apr_pcalloc(f->p, sizeof(*n));
        apr_hash_set(f->tags, apr_pstrdup(f->p, tag), APR_HASH_KEY_STRING, n);
    }
    *n += delta;
    if (*n > f->max_active_tag) {
        f->max_active_tag = *n;
    }
}

static apr_status_t fake_start(oxt_soap_client_t *client,
                               oxt_soap_call_t *call, apr_pool_t *tp)
{
    fake_soap_t *f = oxt_soap_client_impl_data(client);
    apr_size_t len;
    const char *body = oxt_soap_call_body(call, &len);
    fake_soap_answer_t a = { f->http_status, f->body, NULL };

    APR_ARRAY_PUSH(f->urls, const char *) =
        apr_pstrdup(f->p, oxt_soap_call_url(call));
    APR_ARRAY_PUSH(f->bodies, const char *) = apr_pstrmemdup(f->p, body, len);
    if (f->route != NULL) {
        f->route(f->route_baton, oxt_soap_call_url(call),
                 APR_ARRAY_IDX(f->bodies, f->bodies->nelts - 1, const char *),
                 &a);
    }
    APR_ARRAY_PUSH(f->started, oxt_soap_call_t *) = call;
    APR_ARRAY_PUSH(f->answers, fake_soap_answer_t) = a;
    fake_tag(f, a.tag, 1);
    f->active++;
    if (f->active > f->max_active) {
        f->max_active = f->active;
    }
    return APR_SUCCESS;
}

static apr_status_t deliver(fake_soap_t *f, oxt_soap_call_t *call,
                            const fake_soap_answer_t *a)
{
    const char *text = a->body;
    apr_size_t len = f->body_len && text == f->body ? f->body_len
                                                    : strlen(text);
    apr_size_t off = 0, n;
    apr_status_t rv;

    while (off < len) {
        n = f->chunk && f->chunk < len - off ? f->chunk : len - off;
        rv = oxt_soap_call_receive(call, text + off, n);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        f->delivered += n;
        off += n;
    }
    return APR_SUCCESS;
}

static void answer(fake_soap_t *f, oxt_soap_call_t *call,
                   const fake_soap_answer_t *a)
{
    apr_status_t rv = f->transport_rv;

    f->active--;
    fake_tag(f, a->tag, -1);
    if (rv == APR_SUCCESS) {
        rv = deliver(f, call, a);
    }
    oxt_soap_call_finish(call, rv, rv == APR_SUCCESS ? a->http_status : 0,
                         rv == APR_SUCCESS ? NULL : "fake failure");
}

/* Answers the calls started so far; callbacks may start new ones, which
 * the next round answers. */
static apr_status_t fake_perform(oxt_soap_client_t *client,
                                 apr_interval_time_t timeout)
{
    fake_soap_t *f = oxt_soap_client_impl_data(client);
    apr_array_header_t *now = apr_array_copy(f->p, f->started);
    apr_array_header_t *answers = apr_array_copy(f->p, f->answers);
    int i;

    apr_array_clear(f->started);
    apr_array_clear(f->answers);
    for (i = 0; i < now->nelts; i++) {
        answer(f, APR_ARRAY_IDX(now, i, oxt_soap_call_t *),
               &APR_ARRAY_IDX(answers, i, fake_soap_answer_t));
    }
    return APR_SUCCESS;
}

static const oxt_soap_impl_t fake_impl = {
    "fake", fake_init, fake_start, fake_perform
};

const oxt_soap_impl_t *fake_soap_impl(fake_soap_t *fake)
{
    fake_pending = fake;
    return &fake_impl;
}

oxt_soap_client_t *fake_soap_client(fake_soap_t *fake,
                                    const oxt_soap_settings_t *s,
                                    apr_pool_t *p)
{
    oxt_soap_settings_t defaults;
    oxt_soap_client_t *client = NULL;

    memset(&defaults, 0, sizeof(defaults));
    ck_assert_int_eq(oxt_soap_client_create(&client, s ? s : &defaults,
                                            fake_soap_impl(fake), p),
                     APR_SUCCESS);
    return client;
}
