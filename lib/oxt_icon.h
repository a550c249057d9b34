/*
 * oxt_icon.h — the icons of the pages: a fixed set of SVG files under the
 * static files location (htdocs/icons/), written as <img> by the HTML
 * writer.
 *
 * An icon is chosen by enum, never by name from data, so an icon's URL is
 * always one of ours. An icon with a label is announced (alt text); one
 * without is decoration next to words that already say it (alt="").
 *
 *     oxt_icon_write(h, "/oxtender-static", OXT_ICON_SUSPENDED, "Suspended");
 *
 * writes <img class="oxt-icon" src="/oxtender-static/icons/suspended.svg"
 * alt="Suspended" title="Suspended" width="16" height="16">.
 */
#ifndef OXT_ICON_H
#define OXT_ICON_H

#include "oxt_html.h"

typedef enum {
    OXT_ICON_NONE = 0,
    OXT_ICON_PREFS,            /* the Prefs dialog of a row */
    OXT_ICON_REPORT,           /* service utilization report (y > 0) */
    OXT_ICON_REPORT_OFF,       /* no replicated mailbox: no report */
    OXT_ICON_SUSPENDED,        /* the object is suspended in Plesk */
    OXT_ICON_PLESK,            /* open the object's page in Plesk */
    OXT_ICON_CLIENT,           /* report T column: a client */
    OXT_ICON_DOMAIN,           /* report T column: a domain */
    OXT_ICON_SEARCH,
    OXT_ICON_RESET,            /* Reset Search */
    OXT_ICON_APPLY,            /* Apply Your Changes */
    OXT_ICON_CLEAN_LOG,
    OXT_ICON_REMOVE,
    OXT_ICON_DOWNLOAD,         /* Download Report */
    OXT_ICON_UP_LEVEL,
    OXT_ICON_INFO,             /* message boxes */
    OXT_ICON_ERROR,
    OXT_ICON_COUNT
} oxt_icon_t;

/** The file name of icon under icons/ ("suspended.svg"), or NULL. */
const char *oxt_icon_file(oxt_icon_t icon);

/**
 * Writes the <img> of icon from static_base (the static files location,
 * a path like "/oxtender-static"; see oxt_url_make for its rules). label
 * NULL: decorative (alt=""). The URL is built in the writer's pool
 * (see oxt_html_use_pool).
 */
void oxt_icon_write(oxt_html_t *h, const char *static_base, oxt_icon_t icon,
                    const char *label);

#endif /* OXT_ICON_H */
