/*
 * oxt_icon.c — see oxt_icon.h.
 */
#include "oxt_icon.h"
#include "oxt_url.h"

static const char *const icon_files[OXT_ICON_COUNT] = {
    [OXT_ICON_NONE] = NULL,
    [OXT_ICON_PREFS] = "prefs.svg",
    [OXT_ICON_REPORT] = "report.svg",
    [OXT_ICON_REPORT_OFF] = "report-off.svg",
    [OXT_ICON_SUSPENDED] = "suspended.svg",
    [OXT_ICON_PLESK] = "plesk.svg",
    [OXT_ICON_CLIENT] = "client.svg",
    [OXT_ICON_DOMAIN] = "domain.svg",
    [OXT_ICON_SEARCH] = "search.svg",
    [OXT_ICON_RESET] = "reset.svg",
    [OXT_ICON_APPLY] = "apply.svg",
    [OXT_ICON_CLEAN_LOG] = "clean-log.svg",
    [OXT_ICON_REMOVE] = "remove.svg",
    [OXT_ICON_DOWNLOAD] = "download.svg",
    [OXT_ICON_UP_LEVEL] = "up-level.svg",
    [OXT_ICON_INFO] = "info.svg",
    [OXT_ICON_ERROR] = "error.svg",
};

const char *oxt_icon_file(oxt_icon_t icon)
{
    return (unsigned)icon < OXT_ICON_COUNT ? icon_files[icon] : NULL;
}

void oxt_icon_write(oxt_html_t *h, const char *static_base, oxt_icon_t icon,
                    const char *label)
{
    const char *file = oxt_icon_file(icon);
    oxt_url_t *u;

    if (file == NULL) {
        return;
    }
    /* The file names are this file's constants, not data. */
    u = oxt_url_make(static_base, oxt_html_pool(h));
    OXT_URL_WORD(u, "icons");
    oxt_url_word_lit(u, file);
    OXT_HTML_LIT(h, "<img class=\"oxt-icon\"");
    oxt_html_attr_url(h, "src", u);
    oxt_html_attr(h, "alt", label ? label : "");
    oxt_html_attr(h, "title", label);
    OXT_HTML_LIT(h, " width=\"16\" height=\"16\">");
}
