/*
 * oxt_tz.h — the time zones a person can choose ("Default OX time zone",
 * "User time zone in OX"): tzdata's canonical zones and UTC.
 *
 * The list is compiled into the core (lib/oxt_tz.c, generated from the
 * system's tzdata by scripts/gen-timezones.py), not read from the system
 * at run time: the module and the replicator then agree on it whatever
 * machine runs them, a check needs neither the database nor a file read in
 * an Apache thread, and the tests see the same list everywhere. OX takes
 * IANA zone names (Java's time zone ids), so these are what it accepts.
 */
#ifndef OXT_TZ_H
#define OXT_TZ_H

#include <apr_pools.h>

/** One zone: its IANA name and standard offset from UTC in minutes. */
typedef struct oxt_tz_t {
    const char *name;            /* "Europe/Bucharest" */
    int std_offset_min;          /* 120: daylight saving time left out */
} oxt_tz_t;

/** The zones, sorted by name; *pcount gets how many. Static. */
const oxt_tz_t *oxt_tz_list(int *pcount);

/** The zone named name (exactly, case included), or NULL. */
const oxt_tz_t *oxt_tz_find(const char *name);

/** "(GMT +02:00) Europe/Bucharest", as the guide shows a zone; in p. */
const char *oxt_tz_label(const oxt_tz_t *tz, apr_pool_t *p);

#endif /* OXT_TZ_H */
