/*
 * test_page.c — the shell (tabs per role, heading, path, messages, head),
 * forms, fields and dialogs; and the SVG chart, inline and standalone.
 */
#include <string.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "oxt_unit.h"
#include "oxt_chart.h"
#include "oxt_page.h"

static oxt_sink_t *sink;

static oxt_html_t *writer(void)
{
    sink = oxt_sink_buffer(0, oxt_test_pool);
    return oxt_html_make(sink, oxt_test_pool);
}

static const char *written(void)
{
    return oxt_sink_buffer_text(sink, NULL);
}

#define HAS(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing %s in %s", \
                  (needle), (hay))
#define LACKS(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "unexpected %s in %s", \
                  (needle), (hay))

static void base_page(oxt_page_t *pg, oxt_role_t role, oxt_tab_t current)
{
    memset(pg, 0, sizeof(*pg));
    pg->title = "Clients Management";
    pg->role = role;
    pg->current = current;
    pg->routes = OXT_TAB_ALL;
    pg->base = "/oxtender";
    pg->static_base = "/oxtender-static";
}

static const char *render(const oxt_page_t *pg)
{
    oxt_html_t *h = writer();

    oxt_page_begin(h, pg);
    OXT_HTML_LIT(h, "<p>body</p>\n");
    oxt_page_end(h, pg);
    ck_assert_msg(oxt_html_finish(h) == APR_SUCCESS, "%s",
                  oxt_html_error(h) ? oxt_html_error(h) : "sink");
    return written();
}

/* The tab labels of a page, in order, joined by spaces. */
static const char *tabs_of(const char *out)
{
    const char *nav = strstr(out, "<nav class=\"oxt-tabs\"");
    const char *end = nav ? strstr(nav, "</nav>") : NULL, *s;
    char *labels = apr_pstrdup(oxt_test_pool, "");

    ck_assert_ptr_nonnull(end);
    for (s = nav; (s = strstr(s, "<a ")) != NULL && s < end; s++) {
        s = strchr(s, '>') + 1;
        labels = apr_pstrcat(oxt_test_pool, labels, *labels ? " " : "",
                             apr_pstrndup(oxt_test_pool, s,
                                          (apr_size_t)(strchr(s, '<') - s)),
                             NULL);
    }
    return labels;
}

static const struct {
    oxt_role_t role;
    unsigned routes;
    const char *tabs;
} role_tabs[] = {
    { OXT_ROLE_ADMIN, OXT_TAB_ALL,
      "Resellers Clients Domains Mailboxes Logs Settings License" },
    { OXT_ROLE_RESELLER, OXT_TAB_ALL, "Clients Domains Mailboxes Logs" },
    { OXT_ROLE_CLIENT, OXT_TAB_ALL, "Domains Mailboxes Logs" },
    { OXT_ROLE_DOMAIN, OXT_TAB_ALL, "Mailboxes Logs" },
    { OXT_ROLE_NONE, OXT_TAB_ALL, "" },
    /* a tab only where its page exists */
    { OXT_ROLE_ADMIN, OXT_TAB_BIT(OXT_TAB_CLIENTS) | OXT_TAB_BIT(OXT_TAB_LOGS)
      | OXT_TAB_BIT(OXT_TAB_LICENSE), "Clients Logs License" },
    { OXT_ROLE_DOMAIN, OXT_TAB_BIT(OXT_TAB_RESELLERS)
      | OXT_TAB_BIT(OXT_TAB_LOGS), "Logs" },
};

START_TEST(tabs_follow_the_role_and_the_routes)
{
    oxt_page_t pg;

    base_page(&pg, role_tabs[_i].role, OXT_TAB_NONE);
    pg.routes = role_tabs[_i].routes;
    ck_assert_str_eq(tabs_of(render(&pg)), role_tabs[_i].tabs);
}
END_TEST

START_TEST(the_current_tab_is_marked)
{
    oxt_page_t pg;
    const char *out;

    base_page(&pg, OXT_ROLE_RESELLER, OXT_TAB_CLIENTS);
    out = render(&pg);
    HAS(out, "<li><a href=\"/oxtender/clients\" aria-current=\"page\">"
        "Clients</a></li><li><a href=\"/oxtender/domains\">Domains</a>");
    ck_assert_ptr_null(strstr(strstr(out, "aria-current=\"page\"") + 1,
                              "aria-current=\"page\""));
    ck_assert_str_eq(oxt_page_tab_route(OXT_TAB_LICENSE), "license");
    ck_assert_str_eq(oxt_page_tab_label(OXT_TAB_MAILBOXES), "Mailboxes");
    ck_assert_ptr_null(oxt_page_tab_label(OXT_TAB_NONE));
}
END_TEST

START_TEST(the_heading_names_the_owner)
{
    oxt_page_t pg;
    const oxt_crumb_t path[] = {
        { "Resellers Management", oxt_url_make("/oxtender", oxt_test_pool) },
        { "Information", NULL },
    };
    const char *out;

    base_page(&pg, OXT_ROLE_ADMIN, OXT_TAB_NONE);
    pg.owner_kind = "Reseller";
    pg.owner_name = "Charles <Watson>\xe2\x80\xae";
    pg.crumbs = path;
    pg.ncrumbs = 2;
    out = render(&pg);
    HAS(out, "<h1>Clients Management for Reseller <bdi>Charles &lt;Watson"
        "&gt;\xef\xbf\xbd</bdi></h1>");
    HAS(out, "<title>Clients Management for Reseller Charles &lt;Watson"
        "&gt;\xef\xbf\xbd \xe2\x80\x94 OXtender</title>");
    HAS(out, "<nav class=\"oxt-path\" aria-label=\"Path\"><ol><li><a"
        " href=\"/oxtender/\">Home</a></li><li><a href=\"/oxtender/\">"
        "Resellers Management</a></li><li>Information</li></ol></nav>");
    LACKS(out, "aria-current");
}
END_TEST

START_TEST(the_head_loads_only_our_files)
{
    oxt_page_t pg;
    const char *out;

    base_page(&pg, OXT_ROLE_CLIENT, OXT_TAB_DOMAINS);
    out = render(&pg);
    ck_assert_int_eq(strncmp(out, "<!DOCTYPE html>\n<html lang=\"en\">", 31),
                     0);
    HAS(out, "<meta name=\"color-scheme\" content=\"light dark\">");
    HAS(out, "<link rel=\"stylesheet\" href=\"/oxtender-static/oxtender.css\">");
    HAS(out, "<script src=\"/oxtender-static/oxtender.js\" defer></script>");
    HAS(out, "<a class=\"oxt-skip\" href=\"#oxt-main\">Skip to content</a>");
    HAS(out, "<main id=\"oxt-main\" tabindex=\"-1\">\n<p>body</p>\n</main>");
    HAS(out, "<footer class=\"oxt-footer\"><p>OXtender");
    /* Nothing the CSP would block: no inline script, style or handler. */
    LACKS(out, "<script>");
    LACKS(out, "<style");
    LACKS(out, " style=");
    LACKS(out, " onclick");
    ck_assert(strstr(out, "</html>\n") != NULL);
}
END_TEST

START_TEST(messages_have_their_roles)
{
    oxt_page_t pg;
    const char *out;

    base_page(&pg, OXT_ROLE_ADMIN, OXT_TAB_LOGS);
    pg.info = "Successfully removed logs from the system.";
    pg.error = "It's <bad>";
    out = render(&pg);
    HAS(out, "<div class=\"oxt-msg oxt-msg-info\" role=\"status\"><img"
        " class=\"oxt-icon\" src=\"/oxtender-static/icons/info.svg\" alt=\"\""
        " width=\"16\" height=\"16\"> <strong>Info:</strong> Successfully"
        " removed logs from the system.</div>");
    HAS(out, "<div class=\"oxt-msg oxt-msg-error\" role=\"alert\">");
    HAS(out, "<strong>Error:</strong> It&#39;s &lt;bad&gt;</div>");
}
END_TEST

START_TEST(the_license_message_comes_first)
{
    oxt_url_t *lic = oxt_url_make("/oxtender", oxt_test_pool);
    oxt_page_t pg;
    const char *out, *box;

    base_page(&pg, OXT_ROLE_ADMIN, OXT_TAB_LOGS);
    pg.info = "Saved.";
    pg.license = "You reached a <limit>.";
    out = render(&pg);
    box = strstr(out, "<div class=\"oxt-msg oxt-msg-error oxt-msg-license\""
                 " role=\"alert\">");
    ck_assert_ptr_nonnull(box);
    ck_assert(box < strstr(out, "Saved."));
    HAS(out, "<strong>Error:</strong> You reached a &lt;limit&gt;.</div>");
    LACKS(out, "License Management</a>");
    /* the admin's links to the License page */
    OXT_URL_WORD(lic, "license");
    pg.license_url = lic;
    out = render(&pg);
    HAS(out, "a &lt;limit&gt;. <a href=\"/oxtender/license\">License"
        " Management</a></div>");
}
END_TEST

START_TEST(a_message_with_a_name_in_it)
{
    oxt_html_t *h = writer();

    oxt_page_message_open(h, "/s", 0);
    OXT_HTML_LIT(h, "Service type for mailbox(es) ");
    oxt_html_name(h, "test@dom2.tst");
    OXT_HTML_LIT(h, " will be updated.");
    oxt_page_message_close(h);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    HAS(written(), "mailbox(es) <bdi>test@dom2.tst</bdi> will be updated."
        "</div>");
}
END_TEST

START_TEST(a_toolbar_has_actions_and_tools)
{
    oxt_html_t *h = writer();
    oxt_url_t *up = oxt_url_make("/oxtender", oxt_test_pool);

    OXT_URL_WORD(up, "resellers");
    oxt_page_toolbar_begin(h);
    oxt_page_action_submit(h, "/s", OXT_ICON_APPLY, "Apply Your Changes",
                           "apply", "1", "oxt-list-form");
    oxt_page_toolbar_tools(h);
    oxt_page_action_link(h, "/s", OXT_ICON_UP_LEVEL, "Up Level", up);
    oxt_page_toolbar_end(h);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    HAS(written(), "<div class=\"oxt-toolbar\"><div class=\"oxt-actions\">"
        "<button type=\"submit\" class=\"oxt-button\" name=\"apply\""
        " value=\"1\" form=\"oxt-list-form\"><img class=\"oxt-icon\""
        " src=\"/s/icons/apply.svg\"");
    HAS(written(), "> Apply Your Changes</button> </div><div"
        " class=\"oxt-tools\"><a class=\"oxt-button\""
        " href=\"/oxtender/resellers\">");
    HAS(written(), "> Up Level</a> </div></div>");
}
END_TEST

/* ---- forms ------------------------------------------------------------------ */

START_TEST(a_form_carries_its_token)
{
    oxt_html_t *h = writer();
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    OXT_URL_WORD(u, "license");
    oxt_page_form_begin(h, u, "tok_-en", "up", OXT_FORM_MULTIPART);
    oxt_page_form_end(h);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), "<form method=\"post\" action=\"/oxtender/"
                     "license\" id=\"up\" enctype=\"multipart/form-data\">\n"
                     "<input type=\"hidden\" name=\"csrf\" value=\"tok_-en\">"
                     "</form>\n");
}
END_TEST

START_TEST(a_form_without_a_token_is_a_misuse)
{
    oxt_html_t *h = writer();

    oxt_page_form_begin(h, oxt_url_make("/o", oxt_test_pool), "", NULL, 0);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    h = writer();
    oxt_page_form_begin(h, oxt_url_make("/o", oxt_test_pool), NULL, NULL, 0);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
}
END_TEST

START_TEST(a_field_shows_its_error_next_to_it)
{
    oxt_html_t *h = writer();
    oxt_field_t f = { "max_quota", "Maximum domain Infostore quota",
                      "number", "\"500\"", "MB", NULL,
                      "You can not fill in a value greater than 200 MB.",
                      1, 10 };

    oxt_page_field_input(h, &f);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(),
        "<div class=\"oxt-field\"><label for=\"f-max_quota\">Maximum domain"
        " Infostore quota <span class=\"oxt-req\" aria-hidden=\"true\">*"
        "</span></label><div class=\"oxt-control\"><input type=\"number\""
        " id=\"f-max_quota\" name=\"max_quota\" required"
        " aria-invalid=\"true\" aria-describedby=\"f-max_quota-err\""
        " value=\"&quot;500&quot;\" maxlength=\"10\"> <span"
        " class=\"oxt-suffix\">MB</span><p class=\"oxt-field-error\""
        " id=\"f-max_quota-err\">You can not fill in a value greater than"
        " 200 MB.</p></div></div>\n");
}
END_TEST

START_TEST(a_password_is_never_sent_back)
{
    oxt_html_t *h = writer();
    oxt_field_t f = { "ox_password", "OX password", "password", "s3cret",
                      NULL, "Leave empty to keep the stored one.", NULL, 0,
                      0 };

    oxt_page_field_input(h, &f);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    LACKS(written(), "s3cret");
    HAS(written(), "type=\"password\"");
    HAS(written(), "<p class=\"oxt-hint\">Leave empty to keep the stored"
        " one.</p>");
}
END_TEST

START_TEST(an_unknown_input_type_is_a_misuse)
{
    oxt_html_t *h = writer();
    oxt_field_t f = { "x", "X", "image\" onerror=\"alert(1)", NULL, NULL,
                      NULL, NULL, 0, 0 };

    oxt_page_field_input(h, &f);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    LACKS(written(), "onerror");
}
END_TEST

START_TEST(selects_and_checkboxes)
{
    oxt_html_t *h = writer();
    oxt_field_t lang = { "lang", "Default OX language", NULL, NULL, NULL,
                         NULL, NULL, 1, 0 };
    oxt_field_t del = { "auto_delete", "Automatically delete from OX", NULL,
                        NULL, NULL, NULL, NULL, 0, 0 };
    const oxt_option_t opts[] = {
        { "", "Plesk language on replicated accounts", 0 },
        { "en_US", "English (United States)", 1 },
        { "ar_EG", "Arabic (Egypt) <x>", 0 },
    };

    oxt_page_field_select(h, &lang, opts, 3, 0);
    oxt_page_field_checkbox(h, &del, 1);
    oxt_page_required_note(h);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    HAS(written(), "<select id=\"f-lang\" name=\"lang\" required><option"
        " value=\"\">Plesk language on replicated accounts</option><option"
        " value=\"en_US\" selected>English (United States)</option><option"
        " value=\"ar_EG\">Arabic (Egypt) &lt;x&gt;</option></select>");
    HAS(written(), "<input type=\"checkbox\" value=\"1\" id=\"f-auto_delete\""
        " name=\"auto_delete\" checked>");
    HAS(written(), "Required fields</p>");
}
END_TEST

START_TEST(a_dialog_page_and_its_link)
{
    oxt_html_t *h = writer();
    oxt_url_t *back = oxt_url_make("/oxtender", oxt_test_pool);
    oxt_url_t *prefs = oxt_url_make("/oxtender", oxt_test_pool);

    OXT_URL_WORD(back, "resellers");
    OXT_URL_WORD(prefs, "prefs");
    OXT_URL_WORD(prefs, "reseller");
    oxt_url_id(prefs, 4);
    oxt_page_dialog_link(h, "/s", OXT_ICON_PREFS, "Preferences", prefs);
    oxt_page_dialog_begin(h, "Martha Stuart", "Preferences",
                          "Fill in a value for the user's quota.");
    oxt_page_buttons(h, "OK", back);
    oxt_page_dialog_end(h);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    HAS(written(), "<a class=\"oxt-icon-link\" data-oxt-dialog"
        " href=\"/oxtender/prefs/reseller/4\"><img class=\"oxt-icon\""
        " src=\"/s/icons/prefs.svg\" alt=\"Preferences\"");
    HAS(written(), "<section class=\"oxt-dialog-page\" data-oxt-dialog-content"
        " aria-labelledby=\"oxt-dialog-title\">\n<h2 id=\"oxt-dialog-title\">"
        "<bdi>Martha Stuart</bdi> Preferences</h2>\n<p>Fill in a value for"
        " the user&#39;s quota.</p>");
    HAS(written(), "<button type=\"submit\" class=\"oxt-button oxt-primary\">"
        "OK</button> <a class=\"oxt-button\" data-oxt-close"
        " href=\"/oxtender/resellers\">Cancel</a>");
}
END_TEST

/* ---- the chart ------------------------------------------------------------------ */

static const oxt_bar_t bars[] = {
    { "Webmail", 10 }, { "Groupware Standard", 0 },
    { "Groupware <Premium> & \"co\"\x01\xe2\x80\xae", 4 },
};

START_TEST(bars_have_integer_widths)
{
    ck_assert_int_eq(oxt_chart_bar_width(10, 10), OXT_CHART_BAR_MAX);
    ck_assert_int_eq(oxt_chart_bar_width(4, 10), 112);
    ck_assert_int_eq(oxt_chart_bar_width(0, 10), 0);
    ck_assert_int_eq(oxt_chart_bar_width(-3, 10), 0);
    ck_assert_int_eq(oxt_chart_bar_width(5, 0), 0);
    ck_assert_int_le(oxt_chart_bar_width(9223372036854775806LL,
                                         9223372036854775807LL),
                     OXT_CHART_BAR_MAX);
}
END_TEST

START_TEST(the_inline_chart_is_an_accessible_image)
{
    oxt_html_t *h = writer();
    oxt_chart_t c = { "rep", "Mailboxes by service", NULL, "mailboxes",
                      bars, 3 };

    oxt_chart_svg(h, &c, 0);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    HAS(written(), "<svg xmlns=\"http://www.w3.org/2000/svg\""
        " class=\"oxt-chart\" role=\"img\" aria-labelledby=\"rep-title"
        " rep-desc\" width=\"560\" height=\"104\" viewBox=\"0 0 560 104\">");
    HAS(written(), "<title id=\"rep-title\">Mailboxes by service</title>");
    HAS(written(), "<desc id=\"rep-desc\">Webmail: 10 mailboxes, Groupware"
        " Standard: 0 mailboxes, Groupware &lt;Premium&gt;");
    HAS(written(), "<rect class=\"oxt-chart-bar\" x=\"180\" y=\"72\""
        " width=\"112\" height=\"22\"");
    HAS(written(), "<text class=\"oxt-chart-value\" x=\"300\" y=\"88\""
        " fill=\"currentColor\">4</text>");
    ck_assert_int_ne(strncmp(written(), "<?xml", 5), 0);
}
END_TEST

START_TEST(the_standalone_chart_is_well_formed_xml)
{
    oxt_html_t *h = writer();
    oxt_chart_t c = { NULL, "A & B", NULL, NULL, bars, 3 };
    apr_size_t len;
    const char *out;
    xmlDocPtr doc;

    oxt_chart_svg(h, &c, 1);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, &len);
    ck_assert_int_eq(strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                             38), 0);
    LACKS(out, "&nbsp;");
    doc = xmlReadMemory(out, (int)len, "chart.svg", "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR
                        | XML_PARSE_NOWARNING);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq((const char *)xmlDocGetRootElement(doc)->name, "svg");
    xmlFreeDoc(doc);
}
END_TEST

TCase *oxt_page_test_case(void)
{
    TCase *tc = oxt_unit_tcase("page");

    tcase_add_loop_test(tc, tabs_follow_the_role_and_the_routes, 0,
                        (int)(sizeof(role_tabs) / sizeof(role_tabs[0])));
    tcase_add_test(tc, the_current_tab_is_marked);
    tcase_add_test(tc, the_heading_names_the_owner);
    tcase_add_test(tc, the_head_loads_only_our_files);
    tcase_add_test(tc, messages_have_their_roles);
    tcase_add_test(tc, the_license_message_comes_first);
    tcase_add_test(tc, a_message_with_a_name_in_it);
    tcase_add_test(tc, a_toolbar_has_actions_and_tools);
    tcase_add_test(tc, a_form_carries_its_token);
    tcase_add_test(tc, a_form_without_a_token_is_a_misuse);
    tcase_add_test(tc, a_field_shows_its_error_next_to_it);
    tcase_add_test(tc, a_password_is_never_sent_back);
    tcase_add_test(tc, an_unknown_input_type_is_a_misuse);
    tcase_add_test(tc, selects_and_checkboxes);
    tcase_add_test(tc, a_dialog_page_and_its_link);
    tcase_add_test(tc, bars_have_integer_widths);
    tcase_add_test(tc, the_inline_chart_is_an_accessible_image);
    tcase_add_test(tc, the_standalone_chart_is_well_formed_xml);
    return tc;
}
