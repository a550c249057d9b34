/*
 * oxt_tz.h — the time zones a person can choose for OX (the Prefs
 * dialog, the Settings page, Change Service): the IANA zones of the time
 * zone database's zone.tab and zone1970.tab, and UTC, with their standard
 * offset for the label "(GMT +02:00) Europe/Bucharest". The table is in
 * the code, so every host offers the same list whatever tzdata it has;
 * a zone OX does not know would fail when a user is created, not later.
 */
#ifndef OXT_TZ_H
#define OXT_TZ_H

#include <apr_pools.h>

typedef struct oxt_tz_t {
    const char *name;          /* "Europe/Bucharest" */
    int offset_min;            /* standard offset from UTC, minutes */
} oxt_tz_t;

/** The zones, sorted by name; *pcount gets how many. */
const oxt_tz_t *oxt_tz_list(int *pcount);

/** The zone named name (exactly), or NULL. */
const oxt_tz_t *oxt_tz_find(const char *name);

/** "(GMT +02:00) Europe/Bucharest", in p. */
const char *oxt_tz_label(const oxt_tz_t *tz, apr_pool_t *p);

#endif /* OXT_TZ_H */
