/*
 * fake_soap.h — a SOAP transport for unit tests: every call gets the same
 * canned HTTP answer, delivered in chunks like a network would, and the
 * requests are kept for assertions.
 */
#ifndef FAKE_SOAP_H
#define FAKE_SOAP_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "oxt_soap.h"

typedef struct fake_soap_t {
    /* the answer */
    int http_status;
    const char *body;
    apr_size_t body_len;          /* 0: strlen(body) */
    apr_status_t transport_rv;    /* not APR_SUCCESS: a transport failure */
    apr_size_t chunk;             /* bytes per receive; 0: all at once */
    /* what was seen */
    apr_array_header_t *urls;     /* const char * */
    apr_array_header_t *bodies;   /* const char * */
    apr_size_t delivered;         /* bytes accepted by the client */
    int active;
    int max_active;
    /* internal */
    apr_array_header_t *started;  /* oxt_soap_call_t * */
    apr_pool_t *p;
} fake_soap_t;

/** A fake in p answering 200 with body; the transport to pass is below. */
fake_soap_t *fake_soap_make(int http_status, const char *body, apr_pool_t *p);

/** The vtable; it finds its fake through the client's impl data. */
const oxt_soap_impl_t *fake_soap_impl(fake_soap_t *fake);

/** A client on the fake with the given settings (NULL: defaults). */
oxt_soap_client_t *fake_soap_client(fake_soap_t *fake,
                                    const oxt_soap_settings_t *s,
                                    apr_pool_t *p);

#endif /* FAKE_SOAP_H */
