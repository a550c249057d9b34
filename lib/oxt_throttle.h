/*
 * oxt_throttle.h — slowing down password guessing.
 *
 * Failed sign-ins are counted per login and per client address in the
 * oxtender database (table login_failures, migration 0010), so every
 * Apache process sees the same counts. Once a login (or an address) has
 * failed `free` times within the window, it is blocked for base_delay_s;
 * each further failure doubles the block, up to max_delay_s. While
 * blocked, attempts are refused without looking at the password (the
 * caller answers 429 with Retry-After), so a guesser gets a handful of
 * tries an hour instead of thousands a second. A success clears the
 * login's count, never the address's (an attacker with an account of
 * their own must not be able to reset it).
 */
#ifndef OXT_THROTTLE_H
#define OXT_THROTTLE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_db.h"

typedef struct oxt_throttle_t {
    int login_free;        /* failures of one login before the first block */
    int address_free;      /* failures from one address before its block */
    int base_delay_s;      /* the first block */
    int max_delay_s;       /* the longest block */
    int window_s;          /* a count starts again after this long quiet */
} oxt_throttle_t;

/* Defaults: 5 per login, 50 per address, 30 s doubling to 15 min, 1 h. */
#define OXT_THROTTLE_LOGIN_FREE    5
#define OXT_THROTTLE_ADDRESS_FREE  50

/** Fills t with the defaults above. */
void oxt_throttle_defaults(oxt_throttle_t *t);

/** What the counts say before a password is looked at. */
typedef struct oxt_throttle_state_t {
    int wait_s;            /* > 0: blocked for this many more seconds */
    int login_failures;    /* failures of this login in the window */
    int address_failures;
} oxt_throttle_state_t;

/**
 * The counts of login and addr. login may be NULL (a login without the
 * shape of one is not counted per login: no account can have it).
 */
apr_status_t oxt_throttle_check(oxt_throttle_state_t *st, oxt_db_t *db,
                                const oxt_throttle_t *t, const char *login,
                                const char *addr, oxt_result_t *res,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Counts one failure of login (may be NULL) from addr, and prunes rows
 *  nobody has failed with for a day. */
apr_status_t oxt_throttle_fail(oxt_db_t *db, const oxt_throttle_t *t,
                               const char *login, const char *addr,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Forgets the failures of login (after it signed in). */
apr_status_t oxt_throttle_clear(oxt_db_t *db, const char *login,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_THROTTLE_H */
