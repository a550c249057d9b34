/*
 * mod_oxtender_page_health.h — the health panel of the admin's overview
 * page and its JSON twin (mod_oxtender_page_health.c).
 *
 * Both read what the replicator last recorded (lib/oxt_health.h): the
 * page never waits for OX. Both write nothing for a caller who is not
 * the admin: the panel describes the whole server.
 */
#ifndef MOD_OXTENDER_PAGE_HEALTH_H
#define MOD_OXTENDER_PAGE_HEALTH_H

#include <httpd.h>

#include "oxt_db.h"
#include "oxt_html.h"
#include "oxt_json.h"
#include "oxt_psa.h"

/**
 * The panel (a <section>: overall state, last run, last full pass, queue,
 * parked items, OX, lock) written with h. db is the request's connection.
 */
void oxt_mod_health_html(oxt_html_t *h, request_rec *r,
                         const oxt_identity_t *ident, oxt_db_t *db);

/**
 * The member "health" (oxt_health_json's object) of the JSON object open
 * in j.
 */
void oxt_mod_health_json(oxt_json_t *j, request_rec *r,
                         const oxt_identity_t *ident, oxt_db_t *db);

#endif /* MOD_OXTENDER_PAGE_HEALTH_H */
