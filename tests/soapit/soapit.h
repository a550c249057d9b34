/*
 * soapit.h — integration tests of the SOAP client against the OX emulator
 * (tests/oxsim). One emulator per test group (TCase), started in an
 * unchecked fixture in the parent process, so its teardown kills the
 * emulator even when a test fails or times out.
 */
#ifndef SOAPIT_H
#define SOAPIT_H

#include <check.h>
#include <apr_pools.h>

#include "oxt_ox.h"

typedef struct soapit_sim_t soapit_sim_t;

/** The emulator of the running group, and a fresh pool per test. */
extern soapit_sim_t *soapit_sim;
extern apr_pool_t *soapit_pool;

/** Starts the group's emulator with NULL-terminated extra flags. */
void soapit_group_start(const char *const *flags);
/** SIGTERM, then SIGKILL if it lingers; removes the temp dir. */
void soapit_group_stop(void);

/**
 * A TCase running setup/teardown (which call soapit_group_start/stop)
 * around the group; each test starts from a reset emulator with neutral
 * knobs and a fresh soapit_pool.
 */
TCase *soapit_tcase(const char *name, void (*setup)(void),
                    void (*teardown)(void));

/** "http://127.0.0.1:PORT/webservices". */
const char *soapit_base_url(void);

/** GET path at the emulator; the body in p (fails the test on error). */
const char *soapit_get(const char *path, apr_pool_t *p);
/** POST form body to /oxsim/config (e.g. "hang_rate=1"). */
void soapit_config(const char *form);
/** A number from the emulator's counters ("connections_high_water",
 *  or a call key such as "OXUserService.create"); 0 when absent. */
long soapit_counter(const char *key);

/**
 * Waits until the emulator holds no connection but the asking one (earlier
 * tests' clients close theirs asynchronously), then resets it, so the
 * connection counters afterwards count only what follows.
 */
void soapit_quiesce(void);

/** An OX client in soapit_pool with the given connection settings. */
oxt_ox_t *soapit_ox(const oxt_ox_settings_t *os, const oxt_soap_settings_t *ss);
/** Standalone, master oxadminmaster/secret, default transport settings. */
oxt_ox_t *soapit_ox_default(void);

/** Creates context "name" with admin "admin"/"adminpw"; returns its id. */
int soapit_make_context(oxt_ox_t *ox, const char *name);
/** A complete user for create, name@domain addresses. */
oxt_ox_user_t *soapit_user(const char *name, const char *domain);

extern const oxt_ox_creds_t soapit_admin;

TCase *soapit_ops_case(void);
TCase *soapit_faults_case(void);
TCase *soapit_transport_case(void);
TCase *soapit_reseller_case(void);
TCase *soapit_override_case(void);

#endif /* SOAPIT_H */
