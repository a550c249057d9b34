/*
 * mod_oxtender_page_health.c — see mod_oxtender_page_health.h. Written
 * with the page kit (docs/internals/pages.md): every text escaped by the
 * HTML writer, markup from literals only.
 *
 * OX reachability is what the replicator recorded at its last SOAP call
 * (or "oxtender-replicator health" at its last check), with its age: a
 * page that asked OX itself would hold an Apache worker for the SOAP
 * timeout whenever OX is away, which is exactly when people look.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "mod_oxtender_page_health.h"
#include "oxt_health.h"
#include "oxt_lock.h"
#include "oxt_log.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

/* The message box classes of the kit: a problem shows as an error box. */
static const char *const state_class[] = {
    "oxt-msg oxt-health-state", "oxt-msg oxt-msg-error oxt-health-state",
    "oxt-msg oxt-msg-error oxt-health-state", "oxt-msg oxt-health-state"
};

/* The checks as the replicator recorded them; lock from the lock file. */
static void health_load(oxt_health_t *h, request_rec *r, oxt_db_t *db)
{
    const oxt_mod_srv_t *srv = ap_get_module_config(r->server->module_config,
                                                    &oxtender_module);
    const oxt_config_t *cfg = srv->cfg ? srv->cfg : oxt_config_make(r->pool);
    oxt_health_limits_t lim;
    oxt_lock_info_t lock;

    lim.pass_warning_s = cfg->health_pass_warning_s;
    lim.pass_critical_s = cfg->health_pass_critical_s;
    oxt_health_init(h, &lim, r->pool);
    oxt_lock_probe(&lock, cfg->lock_file,
                   apr_time_from_sec(cfg->lock_stale_s), r->pool);
    oxt_health_gather(h, db, NULL, &lock, r->pool);
    if (h->checks[OXT_HEALTH_DATABASE].state != OXT_HEALTH_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(06900)
                      "health panel: %s",
                      h->checks[OXT_HEALTH_DATABASE].text);
    }
}

static void panel_fact(oxt_html_t *h, const char *label, const char *text)
{
    OXT_HTML_LIT(h, "<dt>");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</dt><dd>");
    oxt_html_text(h, text);
    OXT_HTML_LIT(h, "</dd>\n");
}

static const char *run_text(const oxt_health_t *hl, apr_pool_t *p)
{
    const oxt_run_summary_t *run = hl->last_run;
    long long ok, failed;

    if (run == NULL) {
        return "never";
    }
    oxt_run_counts_sum(&run->counts, &ok, &failed);
    return apr_psprintf(p, "%s to %s, %s: %s successful, %s failed",
                        run->started_at, run->finished_at ? run->finished_at
                                                          : "(running)",
                        run->status, oxt_util_lld(ok, p),
                        oxt_util_lld(failed, p));
}

static const char *queue_text(const oxt_health_t *hl, apr_pool_t *p)
{
    const oxt_queue_stats_t *q = &hl->facts.queue;
    long long backing = q->waiting - q->due - q->leased;

    if (!hl->facts.db_up) {
        return "unknown";
    }
    return apr_psprintf(p, "%s due, %s backing off, %s in progress",
                        oxt_util_lld(q->due, p),
                        oxt_util_lld(backing > 0 ? backing : 0, p),
                        oxt_util_lld(q->leased, p));
}

void oxt_mod_health_html(oxt_html_t *h, request_rec *r,
                         const oxt_identity_t *ident, oxt_db_t *db)
{
    const oxt_health_check_t *c;
    oxt_health_t hl;

    if (ident->role != OXT_ROLE_ADMIN) {
        return;
    }
    health_load(&hl, r, db);
    c = hl.checks;
    OXT_HTML_LIT(h, "<section class=\"oxt-health\""
                 " aria-labelledby=\"oxt-health-title\">\n"
                 "<h2 id=\"oxt-health-title\">Replication health</h2>\n"
                 "<p");
    oxt_html_attr(h, "class", state_class[hl.state]);
    OXT_HTML_LIT(h, "><strong>");
    oxt_html_text(h, oxt_health_state_name(hl.state));
    OXT_HTML_LIT(h, "</strong>: ");
    oxt_html_text(h, oxt_health_summary(&hl, r->pool));
    OXT_HTML_LIT(h, "</p>\n<dl class=\"oxt-health-facts\">\n");
    panel_fact(h, "Last run", run_text(&hl, r->pool));
    panel_fact(h, "Full pass", c[OXT_HEALTH_PASS].text);
    panel_fact(h, "Queue", queue_text(&hl, r->pool));
    panel_fact(h, "Parked", c[OXT_HEALTH_PARKED].text);
    panel_fact(h, "OX", c[OXT_HEALTH_OX].text);
    panel_fact(h, "Lock", c[OXT_HEALTH_LOCK].text);
    OXT_HTML_LIT(h, "</dl>\n</section>\n");
}

void oxt_mod_health_json(oxt_json_t *j, request_rec *r,
                         const oxt_identity_t *ident, oxt_db_t *db)
{
    oxt_health_t hl;

    if (ident->role != OXT_ROLE_ADMIN) {
        return;
    }
    health_load(&hl, r, db);
    oxt_json_kobject(j, "health");
    oxt_health_json(j, &hl, r->pool);
    oxt_json_end(j);
}
