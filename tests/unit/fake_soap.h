/*
 * fake_soap.h — a SOAP transport for unit tests: every call gets a canned
 * HTTP answer (the same one, or the one a route function picks for it),
 * delivered in chunks like a network would, and the requests are kept for
 * assertions. Calls started before a round of the client's run are
 * answered in that round, so calls started together are in flight
 * together; calls can carry a tag (a context), and the fake counts how
 * many of one tag were ever in flight at once.
 */
#ifndef FAKE_SOAP_H
#define FAKE_SOAP_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>

#include "oxt_soap.h"

typedef struct fake_soap_t fake_soap_t;

/** The answer to one call. */
typedef struct fake_soap_answer_t {
    int http_status;
    const char *body;
    const char *tag;              /* may be NULL */
} fake_soap_answer_t;

/** Picks the answer of a call from its URL and request body; answer
 *  holds the fake's own answer when called. */
typedef void fake_soap_route_fn(void *baton, const char *url,
                                const char *body,
                                fake_soap_answer_t *answer);

struct fake_soap_t {
    /* the answer */
    int http_status;
    const char *body;
    apr_size_t body_len;          /* 0: strlen(body) */
    apr_status_t transport_rv;    /* not APR_SUCCESS: a transport failure */
    apr_size_t chunk;             /* bytes per receive; 0: all at once */
    fake_soap_route_fn *route;    /* NULL: the same answer for all */
    void *route_baton;
    /* what was seen */
    apr_array_header_t *urls;     /* const char * */
    apr_array_header_t *bodies;   /* const char * */
    apr_size_t delivered;         /* bytes accepted by the client */
    int active;
    int max_active;
    int max_active_tag;           /* most calls of one tag in flight */
    /* internal */
    apr_array_header_t *started;  /* oxt_soap_call_t * */
    apr_array_header_t *answers;  /* fake_soap_answer_t, as started */
    apr_hash_t *tags;             /* tag -> int * in flight */
    apr_pool_t *p;
};

/** A fake in p answering 200 with body; the transport to pass is below. */
fake_soap_t *fake_soap_make(int http_status, const char *body, apr_pool_t *p);

/** The vtable; it finds its fake through the client's impl data. */
const oxt_soap_impl_t *fake_soap_impl(fake_soap_t *fake);

/** A client on the fake with the given settings (NULL: defaults). */
oxt_soap_client_t *fake_soap_client(fake_soap_t *fake,
                                    const oxt_soap_settings_t *s,
                                    apr_pool_t *p);

#endif /* FAKE_SOAP_H */
