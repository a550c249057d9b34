/*
 * oxt_chart.c — see oxt_chart.h.
 */
#include <stdio.h>
#include <apr_strings.h>

#include "oxt_chart.h"

long long oxt_chart_bar_width(long long value, long long max)
{
    if (value <= 0 || max <= 0) {
        return 0;
    }
    if (value >= max) {
        return OXT_CHART_BAR_MAX;
    }
    /* Divide first when the product could overflow. */
    if (value > 9223372036854775807LL / OXT_CHART_BAR_MAX) {
        return value / (max / OXT_CHART_BAR_MAX);
    }
    return value * OXT_CHART_BAR_MAX / max;
}

static long long chart_max(const oxt_chart_t *c)
{
    long long max = 0;
    int i;

    for (i = 0; i < c->nbars; i++) {
        if (c->bars[i].value > max) {
            max = c->bars[i].value;
        }
    }
    return max;
}

static const char *chart_id(oxt_html_t *h, const oxt_chart_t *c,
                            const char *tail)
{
    return apr_pstrcat(oxt_html_pool(h), c->id ? c->id : "oxt-chart", tail,
                       NULL);
}

/* "Webmail: 10 mailboxes, Groupware Standard: 0 mailboxes". */
static void chart_desc(oxt_html_t *h, const oxt_chart_t *c)
{
    int i;

    if (c->desc != NULL) {
        oxt_html_text(h, c->desc);
        return;
    }
    for (i = 0; i < c->nbars; i++) {
        if (i > 0) {
            OXT_HTML_LIT(h, ", ");
        }
        oxt_html_text(h, c->bars[i].label);
        OXT_HTML_LIT(h, ": ");
        oxt_html_int(h, c->bars[i].value);
        if (c->unit != NULL) {
            OXT_HTML_LIT(h, " ");
            oxt_html_text(h, c->unit);
        }
    }
}

static void chart_open(oxt_html_t *h, const oxt_chart_t *c, int standalone)
{
    int height = c->nbars * OXT_CHART_ROW_H + 8;

    if (standalone) {
        OXT_HTML_LIT(h, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    OXT_HTML_LIT(h, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                 " class=\"oxt-chart\" role=\"img\"");
    oxt_html_attr(h, "aria-labelledby",
                  apr_pstrcat(oxt_html_pool(h), chart_id(h, c, "-title"),
                              " ", chart_id(h, c, "-desc"), NULL));
    oxt_html_attr_int(h, "width", OXT_CHART_WIDTH);
    oxt_html_attr_int(h, "height", height);
    OXT_HTML_LIT(h, " viewBox=\"0 0 ");
    oxt_html_int(h, OXT_CHART_WIDTH);
    OXT_HTML_LIT(h, " ");
    oxt_html_int(h, height);
    OXT_HTML_LIT(h, "\">\n<title");
    oxt_html_attr(h, "id", chart_id(h, c, "-title"));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, c->title);
    OXT_HTML_LIT(h, "</title>\n<desc");
    oxt_html_attr(h, "id", chart_id(h, c, "-desc"));
    OXT_HTML_LIT(h, ">");
    chart_desc(h, c);
    OXT_HTML_LIT(h, "</desc>\n");
}

static void chart_bar(oxt_html_t *h, const oxt_bar_t *b, int row,
                      long long max)
{
    long long y = (long long)row * OXT_CHART_ROW_H + 4;
    long long w = oxt_chart_bar_width(b->value, max);

    OXT_HTML_LIT(h, "<text class=\"oxt-chart-label\" x=\"0\"");
    oxt_html_attr_int(h, "y", y + 20);
    OXT_HTML_LIT(h, " fill=\"currentColor\">");
    oxt_html_text(h, b->label);
    OXT_HTML_LIT(h, "</text>\n<rect class=\"oxt-chart-bar\"");
    oxt_html_attr_int(h, "x", OXT_CHART_LABEL_W);
    oxt_html_attr_int(h, "y", y + 4);
    oxt_html_attr_int(h, "width", w);
    OXT_HTML_LIT(h, " height=\"22\" fill=\"#2f6fbd\"/>\n"
                 "<text class=\"oxt-chart-value\"");
    oxt_html_attr_int(h, "x", OXT_CHART_LABEL_W + w + 8);
    oxt_html_attr_int(h, "y", y + 20);
    OXT_HTML_LIT(h, " fill=\"currentColor\">");
    oxt_html_int(h, b->value);
    OXT_HTML_LIT(h, "</text>\n");
}

void oxt_chart_svg(oxt_html_t *h, const oxt_chart_t *c, int standalone)
{
    long long max = chart_max(c);
    int i;

    chart_open(h, c, standalone);
    for (i = 0; i < c->nbars; i++) {
        chart_bar(h, &c->bars[i], i, max);
    }
    OXT_HTML_LIT(h, "</svg>\n");
}
