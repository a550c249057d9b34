/*
 * oxt_event_int.h — what oxt_event.c shares with oxt_event_db.c, and no
 * one else: the two halves of oxt_event.h (oxt_event_db.c says why they
 * are apart).
 */
#ifndef OXT_EVENT_INT_H
#define OXT_EVENT_INT_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_event.h"
#include "oxt_result.h"

/* EV_: tests/integration/test_event_registration.py reads the table by
 * them. */
typedef enum {
    EV_MAILBOX, EV_DOMAIN, EV_DOMAIN_ALIAS, EV_ACCOUNT
} oxt_event_kind_t;

/** The kind of the events named name; 0 when we do not act on them. */
int oxt_event_kind(oxt_event_kind_t *pkind, const char *name);

/** oxt_event_spool_read, with why (may be NULL) saying what was wrong. */
apr_status_t oxt_event_spool_read_why(oxt_event_t **pev, const char *path,
                                      oxt_result_t *why, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The names of dir's spool files (not their paths), oldest first, in p;
 *  dir's own error when it cannot be read (APR_ENOENT: no spool yet). */
apr_status_t oxt_event_spool_list(apr_array_header_t **pnames,
                                  const char *dir, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_EVENT_INT_H */
