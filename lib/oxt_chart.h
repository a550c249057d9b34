/*
 * oxt_chart.h — a small server-rendered SVG bar chart for the service
 * utilization reports: no script, no style attribute, integer
 * coordinates in a viewBox, every label through the text escaper.
 *
 * The chart is an image for assistive technology (role="img" with
 * <title> and <desc>); the desc says every number ("Webmail: 10
 * mailboxes, ..."), and each bar has its number as text beside it. The
 * same output, with an XML declaration, is a standalone image/svg+xml
 * document: the writer's escapes are the five XML has, and it never
 * writes an HTML entity.
 *
 * Example — the quick report:
 *
 *     oxt_bar_t bars[] = { { "Webmail", 10 }, { "Groupware Standard", 0 },
 *                          { "Groupware Premium", 2 } };
 *     oxt_chart_t c = { "oxt-report-chart", "Mailboxes by service",
 *                       NULL, "mailboxes", bars, 3 };
 *     oxt_chart_svg(h, &c, 0);          inline in the page
 *     oxt_chart_svg(h, &c, 1);          a standalone .svg response
 */
#ifndef OXT_CHART_H
#define OXT_CHART_H

#include "oxt_html.h"

typedef struct oxt_bar_t {
    const char *label;
    long long value;           /* negative values are drawn as 0 */
} oxt_bar_t;

typedef struct oxt_chart_t {
    const char *id;            /* the ids of title and desc start with it */
    const char *title;
    const char *desc;          /* NULL: "label: value unit, ..." */
    const char *unit;          /* "mailboxes"; NULL: none */
    const oxt_bar_t *bars;
    int nbars;
} oxt_chart_t;

/** Geometry, in viewBox units. */
#define OXT_CHART_WIDTH   560
#define OXT_CHART_LABEL_W 180
#define OXT_CHART_BAR_MAX 280
#define OXT_CHART_ROW_H   32

/**
 * Writes the chart; standalone: starts with <?xml ...?> for an
 * image/svg+xml response (the caller sets the type).
 */
void oxt_chart_svg(oxt_html_t *h, const oxt_chart_t *c, int standalone);

/** The width of a bar for value when the largest is max (integers). */
long long oxt_chart_bar_width(long long value, long long max);

#endif /* OXT_CHART_H */
