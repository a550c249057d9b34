/*
 * oxt_list.c — see oxt_list.h.
 */
#include <stdio.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oxt_list.h"

/* ---- the description ---------------------------------------------------- */

const oxt_column_t *oxt_list_column(const oxt_list_def_t *def,
                                    const char *key)
{
    int i;

    for (i = 0; key != NULL && i < def->ncols; i++) {
        if (strcmp(def->cols[i].key, key) == 0) {
            return &def->cols[i];
        }
    }
    return NULL;
}

static int list_key_ok(const char *key)
{
    const char *s;

    if (key == NULL || *key == '\0' || strlen(key) > 32
        || strcmp(key, "id") == 0) {
        return 0;
    }
    for (s = key; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
              || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

static const char *list_check_columns(const oxt_list_def_t *def)
{
    int i, k;

    for (i = 0; i < def->ncols; i++) {
        if (!list_key_ok(def->cols[i].key)) {
            return "a column key is empty, \"id\" or not [a-z0-9_]";
        }
        if (def->cols[i].get == NULL || def->cols[i].title == NULL) {
            return "a column without a getter or a title";
        }
        for (k = 0; k < i; k++) {
            if (strcmp(def->cols[k].key, def->cols[i].key) == 0) {
                return "two columns with one key";
            }
        }
    }
    return NULL;
}

apr_status_t oxt_list_def_check(const oxt_list_def_t *def,
                                const char **pwhy)
{
    const oxt_column_t *sort;
    const char *why = NULL;

    if (def->ncols < 1 || def->cols == NULL || def->noun == NULL
        || def->id == NULL || def->tiebreak_sql == NULL) {
        why = "no columns, noun, id getter or tiebreak";
    }
    if (why == NULL) {
        why = list_check_columns(def);
    }
    sort = why ? NULL : oxt_list_column(def, def->default_sort);
    if (why == NULL && (sort == NULL || sort->sort_sql == NULL)) {
        why = "the default sort is not a sortable column";
    }
    if (why == NULL && oxt_list_column(def, "name") == NULL) {
        why = "no \"name\" column";
    }
    if (pwhy != NULL) {
        *pwhy = why;
    }
    return why ? APR_EINVAL : APR_SUCCESS;
}

/* ---- the request ---------------------------------------------------------- */

/* Trimmed, and cut to OXT_LIST_Q_MAX bytes at a character boundary (the
 * form parser has checked that it is UTF-8). */
static const char *list_q(const char *q, apr_pool_t *p)
{
    apr_size_t n;

    if (q == NULL) {
        return "";
    }
    while (apr_isspace(*q)) {
        q++;
    }
    n = strlen(q);
    while (n > 0 && apr_isspace(q[n - 1])) {
        n--;
    }
    if (n > OXT_LIST_Q_MAX) {
        n = OXT_LIST_Q_MAX;
        while (n > 0 && ((unsigned char)q[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    return apr_pstrmemdup(p, q, n);
}

static int list_per_page(const char *s)
{
    if (s == NULL) {
        return OXT_LIST_PER_PAGE;
    }
    if (strcmp(s, "all") == 0) {
        return OXT_LIST_ALL;
    }
    if (strcmp(s, "10") == 0 || strcmp(s, "25") == 0
        || strcmp(s, "100") == 0) {
        return (int)apr_atoi64(s);
    }
    return OXT_LIST_PER_PAGE;
}

static apr_status_t list_owner(long long *pid, const oxt_form_t *query,
                               const char *key)
{
    const char *s = oxt_form_get(query, key);

    *pid = 0;
    return s == NULL ? APR_SUCCESS : oxt_form_parse_id(pid, s);
}

static apr_status_t list_filters(oxt_list_req_t *req,
                                 const oxt_form_t *query)
{
    const char *ox = oxt_form_get(query, "ox");

    if (list_owner(&req->reseller, query, "reseller") != APR_SUCCESS
        || list_owner(&req->client, query, "client") != APR_SUCCESS
        || list_owner(&req->domain, query, "domain") != APR_SUCCESS) {
        return APR_EINVAL;
    }
    if (ox != NULL && strcmp(ox, "1") != 0 && strcmp(ox, "0") != 0) {
        return APR_EINVAL;
    }
    req->ox = ox != NULL && ox[0] == '1';
    return APR_SUCCESS;
}

static void list_sort(oxt_list_req_t *req, const oxt_list_def_t *def,
                      const oxt_form_t *query)
{
    const oxt_column_t *col = oxt_list_column(def, oxt_form_get(query,
                                                                "sort"));
    const char *dir = oxt_form_get(query, "dir");

    if (col == NULL || col->sort_sql == NULL) {
        col = oxt_list_column(def, def->default_sort);
    }
    req->sort = col;
    req->desc = col == oxt_list_column(def, def->default_sort)
        ? def->default_desc : 0;
    if (dir != NULL && strcmp(dir, "asc") == 0) {
        req->desc = 0;
    }
    else if (dir != NULL && strcmp(dir, "desc") == 0) {
        req->desc = 1;
    }
}

apr_status_t oxt_list_req_parse(oxt_list_req_t *req,
                                const oxt_list_def_t *def,
                                const oxt_form_t *query, apr_pool_t *p)
{
    const char *search = oxt_form_get(query, "search");

    memset(req, 0, sizeof(*req));
    req->q = list_q(oxt_form_get(query, "q"), p);
    list_sort(req, def, query);
    if (oxt_form_int(&req->page, query, "page", 1, OXT_LIST_PAGE_MAX)
        != APR_SUCCESS) {
        req->page = 1;
    }
    req->per_page = list_per_page(oxt_form_get(query, "per_page"));
    req->search = search == NULL ? -1 : strcmp(search, "hide") == 0 ? 0
                : strcmp(search, "show") == 0 ? 1 : -1;
    return list_filters(req, query);
}

/* ---- SQL -------------------------------------------------------------------- */

const char *oxt_list_order_sql(const oxt_list_def_t *def,
                               const oxt_list_req_t *req, apr_pool_t *p)
{
    const oxt_column_t *col = req->sort;
    const char *dir = req->desc ? " DESC" : " ASC";

    if (col == NULL || col->sort_sql == NULL) {
        col = oxt_list_column(def, def->default_sort);
    }
    return apr_pstrcat(p, "ORDER BY ", col->sort_sql, dir, ", ",
                       def->tiebreak_sql, dir, NULL);
}

const char *oxt_list_search_sql(const oxt_list_def_t *def, int *pn,
                                apr_pool_t *p)
{
    const char *sql = NULL;
    int i, n = 0;

    for (i = 0; i < def->ncols; i++) {
        if (def->cols[i].search_sql == NULL) {
            continue;
        }
        sql = apr_pstrcat(p, sql ? sql : "(", sql ? " OR " : "",
                          def->cols[i].search_sql, " LIKE ? ESCAPE '!'",
                          NULL);
        n++;
    }
    if (pn != NULL) {
        *pn = n;
    }
    return sql ? apr_pstrcat(p, sql, ")", NULL) : NULL;
}

const char *oxt_list_like(const char *q, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(q) * 2 + 3), *o = out;

    *o++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '!') {
            *o++ = '!';
        }
        *o++ = *q;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* ---- paging ----------------------------------------------------------------- */

void oxt_list_paging(oxt_paging_t *pg, const oxt_list_req_t *req,
                     long long total)
{
    long long limit = req->per_page > 0 ? req->per_page : OXT_LIST_ALL_MAX;

    memset(pg, 0, sizeof(*pg));
    pg->total = total > 0 ? total : 0;
    pg->limit = limit;
    pg->pages = (pg->total + limit - 1) / limit;
    if (pg->pages < 1) {
        pg->pages = 1;
    }
    pg->page = req->page < 1 ? 1 : req->page > pg->pages ? pg->pages
                                                          : req->page;
    pg->offset = (pg->page - 1) * limit;
    pg->first = pg->total ? pg->offset + 1 : 0;
    pg->last = pg->offset + limit < pg->total ? pg->offset + limit
                                              : pg->total;
    pg->win_first = pg->page - OXT_LIST_WINDOW / 2;
    if (pg->win_first < 1) {
        pg->win_first = 1;
    }
    pg->win_last = pg->win_first + OXT_LIST_WINDOW - 1;
    if (pg->win_last > pg->pages) {
        pg->win_last = pg->pages;
        pg->win_first = pg->win_last - OXT_LIST_WINDOW + 1;
        if (pg->win_first < 1) {
            pg->win_first = 1;
        }
    }
}

/* ---- dates ------------------------------------------------------------------- */

static const char *const list_months[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

const char *oxt_list_date_text(char *buf, long long when)
{
    apr_time_exp_t tm;
    int hour;

    if (when == 0 || apr_time_exp_lt(&tm, apr_time_from_sec(when))
                     != APR_SUCCESS) {
        apr_cpystrn(buf, "Never", OXT_LIST_DATE_LEN);
        return buf;
    }
    hour = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    snprintf(buf, OXT_LIST_DATE_LEN, "%s %02d, %d %02d:%02d %s",
             list_months[tm.tm_mon % 12], tm.tm_mday, tm.tm_year + 1900,
             hour, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
    return buf;
}

const char *oxt_list_date_iso(char *buf, long long when)
{
    apr_time_exp_t tm;

    if (apr_time_exp_gmt(&tm, apr_time_from_sec(when)) != APR_SUCCESS) {
        tm.tm_year = 70;
        tm.tm_mon = 0;
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    }
    snprintf(buf, OXT_LIST_DATE_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return buf;
}

/* ---- the view and its URLs ------------------------------------------------------ */

void oxt_list_view_init(oxt_list_view_t *v, const oxt_list_def_t *def,
                        const oxt_list_req_t *req, const oxt_paging_t *pg,
                        const oxt_url_t *self, const char *static_base,
                        void *baton, apr_pool_t *p)
{
    int i;

    memset(v, 0, sizeof(*v));
    v->def = def;
    v->req = req;
    v->paging = pg;
    v->self = self;
    v->static_base = static_base;
    v->baton = baton;
    apr_pool_create(&v->rowp, p);
    for (i = 0; i < def->ncols; i++) {
        if (def->cols[i].kind == OXT_CELL_CHECKBOX
            && !(def->cols[i].flags & OXT_COL_NO_HTML)) {
            v->has_checkbox = 1;
        }
    }
}

static void list_url_filters(oxt_url_t *u, const oxt_list_req_t *req)
{
    if (req->reseller > 0) {
        oxt_url_query_int(u, "reseller", req->reseller);
    }
    if (req->client > 0) {
        oxt_url_query_int(u, "client", req->client);
    }
    if (req->domain > 0) {
        oxt_url_query_int(u, "domain", req->domain);
    }
    if (req->ox) {
        oxt_url_query(u, "ox", "1");
    }
}

oxt_url_t *oxt_list_url(const oxt_list_view_t *v, const oxt_column_t *sort,
                        int desc, long long page, int per_page,
                        apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_copy(v->self, p);

    sort = sort ? sort : v->req->sort;
    if (sort != NULL) {
        oxt_url_query(u, "sort", sort->key);
        oxt_url_query(u, "dir", desc ? "desc" : "asc");
    }
    if (v->req->q[0] != '\0') {
        oxt_url_query(u, "q", v->req->q);
    }
    if (page > 1) {
        oxt_url_query_int(u, "page", page);
    }
    if (per_page == OXT_LIST_ALL) {
        oxt_url_query(u, "per_page", "all");
    }
    else if (per_page != OXT_LIST_PER_PAGE) {
        oxt_url_query_int(u, "per_page", per_page);
    }
    list_url_filters(u, v->req);
    return u;
}

/* ---- search --------------------------------------------------------------------- */

static void list_hidden(oxt_html_t *h, const char *name, const char *value)
{
    OXT_HTML_LIT(h, "<input type=\"hidden\"");
    oxt_html_attr(h, "name", name);
    oxt_html_attr(h, "value", value);
    OXT_HTML_LIT(h, ">");
}

static void list_hidden_int(oxt_html_t *h, const char *name, long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    list_hidden(h, name, buf);
}

/* The parameters a search keeps: sort, per_page and the filters. */
static void list_search_keeps(oxt_html_t *h, const oxt_list_req_t *req)
{
    list_hidden(h, "sort", req->sort->key);
    list_hidden(h, "dir", req->desc ? "desc" : "asc");
    if (req->per_page == OXT_LIST_ALL) {
        list_hidden(h, "per_page", "all");
    }
    else if (req->per_page != OXT_LIST_PER_PAGE) {
        list_hidden_int(h, "per_page", req->per_page);
    }
    if (req->reseller > 0) {
        list_hidden_int(h, "reseller", req->reseller);
    }
    if (req->client > 0) {
        list_hidden_int(h, "client", req->client);
    }
    if (req->domain > 0) {
        list_hidden_int(h, "domain", req->domain);
    }
    if (req->ox) {
        list_hidden(h, "ox", "1");
    }
}

void oxt_list_search_form(oxt_html_t *h, const oxt_list_view_t *v,
                          int hidden)
{
    oxt_list_req_t reset = *v->req;
    oxt_list_view_t rv = *v;
    apr_pool_t *p = v->rowp, *old = oxt_html_use_pool(h, v->rowp);

    OXT_HTML_LIT(h, "<form class=\"oxt-search\" id=\"oxt-search\""
                 " role=\"search\" method=\"get\"");
    oxt_html_attr_url(h, "action", v->self);
    oxt_html_attr_flag(h, "hidden", hidden);
    OXT_HTML_LIT(h, "><label for=\"oxt-q\">Search by name</label>"
                 " <input type=\"search\" id=\"oxt-q\" name=\"q\""
                 " maxlength=\"255\"");
    oxt_html_attr(h, "value", v->req->q);
    if (v->search_hint != NULL) {
        OXT_HTML_LIT(h, " aria-describedby=\"oxt-search-hint\"");
    }
    OXT_HTML_LIT(h, ">");
    list_search_keeps(h, v->req);
    OXT_HTML_LIT(h, " <button type=\"submit\" class=\"oxt-button\">");
    oxt_icon_write(h, v->static_base, OXT_ICON_SEARCH, NULL);
    OXT_HTML_LIT(h, " Search</button> <a class=\"oxt-button\"");
    reset.q = "";
    rv.req = &reset;
    oxt_html_attr_url(h, "href", oxt_list_url(&rv, NULL, reset.desc, 1,
                                              reset.per_page, p));
    OXT_HTML_LIT(h, ">");
    oxt_icon_write(h, v->static_base, OXT_ICON_RESET, NULL);
    OXT_HTML_LIT(h, " Reset Search</a>");
    if (v->search_hint != NULL) {
        OXT_HTML_LIT(h, "<p class=\"oxt-hint\" id=\"oxt-search-hint\">");
        oxt_html_text(h, v->search_hint);
        OXT_HTML_LIT(h, "</p>");
    }
    OXT_HTML_LIT(h, "</form>\n");
    oxt_html_use_pool(h, old);
    apr_pool_clear(p);
}

void oxt_list_search_toggle(oxt_html_t *h, const oxt_list_view_t *v,
                            int hidden, const char *cookie)
{
    oxt_url_t *u = oxt_list_url(v, NULL, v->req->desc, v->req->page,
                                v->req->per_page, v->rowp);

    oxt_url_query(u, "search", hidden ? "show" : "hide");
    OXT_HTML_LIT(h, "<a class=\"oxt-toggle\" data-oxt-toggle=\"oxt-search\""
                 " aria-controls=\"oxt-search\"");
    oxt_html_attr(h, "data-oxt-cookie", cookie);
    oxt_html_attr_url(h, "href", u);
    oxt_html_attr(h, "aria-expanded", hidden ? "false" : "true");
    OXT_HTML_LIT(h, " data-oxt-show=\"Show Search\""
                 " data-oxt-hide=\"Hide Search\">");
    if (hidden) {
        OXT_HTML_LIT(h, "Show Search</a>");
    }
    else {
        OXT_HTML_LIT(h, "Hide Search</a>");
    }
    apr_pool_clear(v->rowp);
}

/* ---- the paging bar --------------------------------------------------------------- */

/* A page's link: with the anchors of this page (oxt_list_view_t) for
 * the pages of the window next to it, not for the first or last. */
static oxt_url_t *list_page_url(const oxt_list_view_t *v, long long page)
{
    const oxt_paging_t *pg = v->paging;
    oxt_url_t *u = oxt_list_url(v, NULL, v->req->desc, page,
                                v->req->per_page, v->rowp);
    int near = page > 1 && page < pg->pages
               && page - pg->page <= OXT_LIST_WINDOW
               && pg->page - page <= OXT_LIST_WINDOW;

    if (near && page > pg->page && v->anchor_last > 0) {
        oxt_url_query_int(u, "after", v->anchor_last);
        oxt_url_query_int(u, "from", pg->page);
    }
    else if (near && page < pg->page && v->anchor_first > 0) {
        oxt_url_query_int(u, "before", v->anchor_first);
        oxt_url_query_int(u, "from", pg->page);
    }
    return u;
}

static void list_page_link(oxt_html_t *h, const oxt_list_view_t *v,
                           long long page, const char *label,
                           const char *aria)
{
    const oxt_paging_t *pg = v->paging;

    if (page == pg->page || page < 1 || page > pg->pages) {
        OXT_HTML_LIT(h, "<span class=\"oxt-page-off\"");
        if (label == NULL && page == pg->page) {
            OXT_HTML_LIT(h, " aria-current=\"page\"");
        }
        OXT_HTML_LIT(h, ">");
    }
    else {
        OXT_HTML_LIT(h, "<a");
        oxt_html_attr_url(h, "href", list_page_url(v, page));
        oxt_html_attr(h, "aria-label", aria);
        OXT_HTML_LIT(h, ">");
    }
    if (label != NULL) {
        oxt_html_text(h, label);
    }
    else {
        oxt_html_int(h, page);
    }
    if (page == pg->page || page < 1 || page > pg->pages) {
        OXT_HTML_LIT(h, "</span> ");
    }
    else {
        OXT_HTML_LIT(h, "</a> ");
    }
}

static void list_count_text(oxt_html_t *h, const oxt_list_view_t *v)
{
    const oxt_paging_t *pg = v->paging;

    OXT_HTML_LIT(h, "<span class=\"oxt-count\">");
    if (pg->pages > 1) {
        oxt_html_int(h, pg->first);
        OXT_HTML_LIT(h, "-");
        oxt_html_int(h, pg->last);
        OXT_HTML_LIT(h, " ");
        oxt_html_text(h, v->def->noun);
        OXT_HTML_LIT(h, " of ");
    }
    if (pg->more) {
        OXT_HTML_LIT(h, "more than ");
    }
    oxt_html_int(h, pg->total);
    OXT_HTML_LIT(h, " ");
    if (pg->pages <= 1) {
        oxt_html_text(h, v->def->noun);
        OXT_HTML_LIT(h, " ");
    }
    OXT_HTML_LIT(h, "total</span>\n");
}

static void list_pages(oxt_html_t *h, const oxt_list_view_t *v)
{
    const oxt_paging_t *pg = v->paging;
    long long i;

    OXT_HTML_LIT(h, "<span class=\"oxt-pages\">Pages: ");
    list_page_link(h, v, pg->page > 1 ? 1 : 0, "First", "First page");
    list_page_link(h, v, pg->page - 1, "<<", "Previous page");
    for (i = pg->win_first; i <= pg->win_last; i++) {
        list_page_link(h, v, i, NULL, NULL);
    }
    list_page_link(h, v, pg->page + 1, ">>", "Next page");
    list_page_link(h, v, pg->page < pg->pages ? pg->pages : 0, "Last",
                   "Last page");
    OXT_HTML_LIT(h, "</span>\n");
}

static void list_per_page_link(oxt_html_t *h, const oxt_list_view_t *v,
                               int per_page, const char *label)
{
    if (v->req->per_page == per_page) {
        OXT_HTML_LIT(h, "<strong aria-current=\"true\">");
        oxt_html_text(h, label);
        OXT_HTML_LIT(h, "</strong> ");
        return;
    }
    OXT_HTML_LIT(h, "<a");
    oxt_html_attr_url(h, "href", oxt_list_url(v, NULL, v->req->desc, 1,
                                              per_page, v->rowp));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</a> ");
}

void oxt_list_paging_html(oxt_html_t *h, const oxt_list_view_t *v,
                          const char *label)
{
    apr_pool_t *old = oxt_html_use_pool(h, v->rowp);

    OXT_HTML_LIT(h, "<nav class=\"oxt-paging\"");
    oxt_html_attr(h, "aria-label", label ? label : "Pages");
    OXT_HTML_LIT(h, ">\n");
    list_count_text(h, v);
    if (v->paging->pages > 1) {
        list_pages(h, v);
    }
    OXT_HTML_LIT(h, "<span class=\"oxt-per-page\">Number of entries per"
                 " page: ");
    list_per_page_link(h, v, 10, "10");
    list_per_page_link(h, v, 25, "25");
    list_per_page_link(h, v, 100, "100");
    list_per_page_link(h, v, OXT_LIST_ALL, "All");
    if (v->req->per_page == OXT_LIST_ALL && v->paging->pages > 1) {
        OXT_HTML_LIT(h, "<span class=\"oxt-hint\">(at most ");
        oxt_html_int(h, OXT_LIST_ALL_MAX);
        OXT_HTML_LIT(h, " a page)</span>");
    }
    OXT_HTML_LIT(h, "</span>\n</nav>\n");
    oxt_html_use_pool(h, old);
    apr_pool_clear(v->rowp);
}

/* ---- the table header ------------------------------------------------------------- */

/* A class per kind, so the style sheet can give narrow columns (ticks,
 * icons, dates) their width and the names the rest. */
static const char *const list_kind_class[] = {
    [OXT_CELL_TEXT] = "",
    [OXT_CELL_NAME] = " oxt-name",
    [OXT_CELL_NUMBER] = " oxt-num",
    [OXT_CELL_DATE] = " oxt-date",
    [OXT_CELL_CHECKBOX] = " oxt-check",
    [OXT_CELL_LINK] = "",
    [OXT_CELL_PAIR] = " oxt-num oxt-pair",
    [OXT_CELL_ICON] = " oxt-iconcol",
};

static void list_th_class(oxt_html_t *h, const oxt_column_t *col)
{
    const char *kind = (unsigned)col->kind < sizeof(list_kind_class)
                       / sizeof(list_kind_class[0])
                       ? list_kind_class[col->kind] : "";

    oxt_html_attr(h, "class", apr_pstrcat(oxt_html_pool(h), "oxt-col-",
                                          col->key, kind, NULL));
}

static void list_sort_link(oxt_html_t *h, const oxt_list_view_t *v,
                           const oxt_column_t *col)
{
    int sorted = v->req->sort == col;

    OXT_HTML_LIT(h, "<a class=\"oxt-sort\"");
    oxt_html_attr_url(h, "href", oxt_list_url(v, col, sorted && !v->req->desc,
                                              1, v->req->per_page,
                                              oxt_html_pool(h)));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, col->title);
    if (sorted && v->req->desc) {
        OXT_HTML_LIT(h, "<span class=\"oxt-arrow\" aria-hidden=\"true\">"
                     " \xe2\x96\xbc</span>");
    }
    else if (sorted) {
        OXT_HTML_LIT(h, "<span class=\"oxt-arrow\" aria-hidden=\"true\">"
                     " \xe2\x96\xb2</span>");
    }
    OXT_HTML_LIT(h, "</a>");
}

/* The select-all box: hidden until the script shows it, because it
 * does nothing without the script. */
static void list_select_all(oxt_html_t *h, const oxt_column_t *col)
{
    OXT_HTML_LIT(h, "<label class=\"oxt-all\" hidden><input type=\"checkbox\"");
    oxt_html_attr(h, "data-oxt-all", col->key);
    OXT_HTML_LIT(h, "><span class=\"oxt-vh\">Select all: ");
    oxt_html_text(h, col->title);
    OXT_HTML_LIT(h, "</span></label> ");
}

static void list_th(oxt_html_t *h, const oxt_list_view_t *v,
                    const oxt_column_t *col)
{
    OXT_HTML_LIT(h, "<th scope=\"col\"");
    list_th_class(h, col);
    if (v->req->sort == col) {
        oxt_html_attr(h, "aria-sort", v->req->desc ? "descending"
                                                   : "ascending");
    }
    OXT_HTML_LIT(h, ">");
    if (col->kind == OXT_CELL_CHECKBOX) {
        list_select_all(h, col);
    }
    if (col->sort_sql != NULL) {
        list_sort_link(h, v, col);
    }
    else {
        oxt_html_text(h, col->title);
    }
    if (col->kind == OXT_CELL_CHECKBOX && col->all_label != NULL) {
        OXT_HTML_LIT(h, " <button type=\"submit\" class=\"oxt-link-button\""
                     " name=\"all\"");
        oxt_html_attr(h, "value", col->key);
        OXT_HTML_LIT(h, ">");
        oxt_html_text(h, col->all_label);
        OXT_HTML_LIT(h, "</button>");
    }
    OXT_HTML_LIT(h, "</th>");
}

void oxt_list_html_begin(oxt_html_t *h, oxt_list_view_t *v)
{
    apr_pool_t *old = oxt_html_use_pool(h, v->rowp);
    int i;

    OXT_HTML_LIT(h, "<div class=\"oxt-table-wrap\"><table class=\"oxt-list\">"
                 "\n<thead><tr>");
    for (i = 0; i < v->def->ncols; i++) {
        if (!(v->def->cols[i].flags & OXT_COL_NO_HTML)) {
            list_th(h, v, &v->def->cols[i]);
        }
    }
    OXT_HTML_LIT(h, "</tr></thead>\n<tbody>\n");
    oxt_html_use_pool(h, old);
    apr_pool_clear(v->rowp);
}

/* ---- the cells --------------------------------------------------------------------- */

static void list_link_open(oxt_html_t *h, const oxt_url_t *u)
{
    if (u != NULL) {
        OXT_HTML_LIT(h, "<a");
        oxt_html_attr_url(h, "href", u);
        OXT_HTML_LIT(h, ">");
    }
}

static void list_link_close(oxt_html_t *h, const oxt_url_t *u)
{
    if (u != NULL) {
        OXT_HTML_LIT(h, "</a>");
    }
}

static void cell_text(oxt_html_t *h, const oxt_cell_t *c)
{
    if (c->detail == NULL) {
        oxt_html_text(h, c->text);
        return;
    }
    /* Focusable, and the reason is text in the page (shown on hover and
     * focus by the style sheet), so keyboards and screen readers get it
     * as well as the mouse. */
    OXT_HTML_LIT(h, "<span class=\"oxt-tip\" tabindex=\"0\">");
    oxt_html_text(h, c->text);
    OXT_HTML_LIT(h, "<span class=\"oxt-tip-text\">");
    oxt_html_text(h, c->detail);
    OXT_HTML_LIT(h, "</span></span>");
}

static void cell_name(oxt_html_t *h, const oxt_list_view_t *v,
                      const oxt_cell_t *c)
{
    list_link_open(h, c->url);
    oxt_html_name(h, c->text);
    list_link_close(h, c->url);
    if (c->flags & OXT_CELL_SUSPENDED) {
        OXT_HTML_LIT(h, " ");
        oxt_icon_write(h, v->static_base, OXT_ICON_SUSPENDED, "Suspended");
    }
    if (c->url2 != NULL) {
        OXT_HTML_LIT(h, " <a class=\"oxt-plesk\"");
        oxt_html_attr_url(h, "href", c->url2);
        OXT_HTML_LIT(h, " target=\"_top\">");
        oxt_icon_write(h, v->static_base, OXT_ICON_PLESK, "Open in Plesk");
        OXT_HTML_LIT(h, "</a>");
    }
}

static void cell_date(oxt_html_t *h, const oxt_cell_t *c)
{
    char text[OXT_LIST_DATE_LEN], iso[OXT_LIST_DATE_LEN];

    if (c->when == 0) {
        OXT_HTML_LIT(h, "Never");
        return;
    }
    OXT_HTML_LIT(h, "<time");
    oxt_html_attr(h, "datetime", oxt_list_date_iso(iso, c->when));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, oxt_list_date_text(text, c->when));
    OXT_HTML_LIT(h, "</time>");
}

static void cell_checkbox(oxt_html_t *h, const oxt_list_view_t *v,
                          const oxt_column_t *col, const oxt_cell_t *c,
                          long long id, const char *name)
{
    (void)v;
    OXT_HTML_LIT(h, "<label class=\"oxt-cb\"><input type=\"checkbox\"");
    oxt_html_attr(h, "name", col->key);
    oxt_html_attr_int(h, "value", id);
    oxt_html_attr(h, "data-oxt-col", col->key);
    oxt_html_attr_flag(h, "checked", c->on);
    oxt_html_attr_flag(h, "disabled", c->disabled);
    OXT_HTML_LIT(h, "><span class=\"oxt-vh\">");
    oxt_html_text(h, col->title);
    OXT_HTML_LIT(h, ": ");
    oxt_html_name(h, name);
    OXT_HTML_LIT(h, "</span></label>");
}

static void cell_pair(oxt_html_t *h, const oxt_cell_t *c)
{
    list_link_open(h, c->url);
    oxt_html_int(h, c->num);
    OXT_HTML_LIT(h, " Total");
    list_link_close(h, c->url);
    OXT_HTML_LIT(h, " / ");
    list_link_open(h, c->url2);
    oxt_html_int(h, c->num2);
    OXT_HTML_LIT(h, " OX");
    list_link_close(h, c->url2);
}

static void cell_icon(oxt_html_t *h, const oxt_list_view_t *v,
                      const oxt_cell_t *c)
{
    if (c->url != NULL && (c->flags & OXT_CELL_DIALOG)) {
        OXT_HTML_LIT(h, "<a class=\"oxt-icon-link\" data-oxt-dialog");
        oxt_html_attr_url(h, "href", c->url);
        OXT_HTML_LIT(h, ">");
    }
    else {
        list_link_open(h, c->url);
    }
    oxt_icon_write(h, v->static_base, c->icon, c->text);
    list_link_close(h, c->url);
}

static void cell_html(oxt_html_t *h, const oxt_list_view_t *v,
                      const oxt_column_t *col, const oxt_cell_t *c,
                      long long id, const char *name)
{
    switch (col->kind) {
    case OXT_CELL_NAME:
        cell_name(h, v, c);
        break;
    case OXT_CELL_NUMBER:
        list_link_open(h, c->url);
        oxt_html_int(h, c->num);
        list_link_close(h, c->url);
        break;
    case OXT_CELL_DATE:
        cell_date(h, c);
        break;
    case OXT_CELL_CHECKBOX:
        cell_checkbox(h, v, col, c, id, name);
        break;
    case OXT_CELL_LINK:
        list_link_open(h, c->url);
        oxt_html_text(h, c->text);
        list_link_close(h, c->url);
        break;
    case OXT_CELL_PAIR:
        cell_pair(h, c);
        break;
    case OXT_CELL_ICON:
        cell_icon(h, v, c);
        break;
    case OXT_CELL_TEXT:
    default:
        cell_text(h, c);
        break;
    }
}

static void list_get(oxt_cell_t *c, const oxt_list_view_t *v,
                     const oxt_column_t *col, const void *row)
{
    memset(c, 0, sizeof(*c));
    col->get(c, row, v->baton, v->rowp);
}

/* The row's name, for the labels of its checkboxes. */
static const char *list_row_name(const oxt_list_view_t *v, const void *row)
{
    const oxt_column_t *col = oxt_list_column(v->def, "name");
    oxt_cell_t c;

    if (col == NULL) {
        return "";
    }
    list_get(&c, v, col, row);
    return c.text ? c.text : "";
}

void oxt_list_html_row(oxt_html_t *h, oxt_list_view_t *v, const void *row)
{
    apr_pool_t *old = oxt_html_use_pool(h, v->rowp);
    long long id = v->def->id(row);
    const char *name = v->has_checkbox ? list_row_name(v, row) : NULL;
    const oxt_column_t *col;
    oxt_cell_t c;
    int i, first = 1;

    OXT_HTML_LIT(h, "<tr>");
    for (i = 0; i < v->def->ncols; i++) {
        col = &v->def->cols[i];
        if (col->flags & OXT_COL_NO_HTML) {
            continue;
        }
        list_get(&c, v, col, row);
        OXT_HTML_LIT(h, "<td");
        list_th_class(h, col);
        OXT_HTML_LIT(h, ">");
        if (first && v->has_checkbox) {
            /* Which rows the page showed: the POST changes only these. */
            list_hidden_int(h, "row", id);
        }
        first = 0;
        cell_html(h, v, col, &c, id, name);
        OXT_HTML_LIT(h, "</td>");
    }
    OXT_HTML_LIT(h, "</tr>\n");
    v->rows++;
    oxt_html_use_pool(h, old);
    apr_pool_clear(v->rowp);
}

void oxt_list_html_end(oxt_html_t *h, oxt_list_view_t *v)
{
    int i, n = 0;

    for (i = 0; i < v->def->ncols; i++) {
        n += !(v->def->cols[i].flags & OXT_COL_NO_HTML);
    }
    if (v->rows == 0) {
        OXT_HTML_LIT(h, "<tr><td class=\"oxt-empty\"");
        oxt_html_attr_int(h, "colspan", n);
        OXT_HTML_LIT(h, ">No ");
        oxt_html_text(h, v->def->noun);
        OXT_HTML_LIT(h, ".</td></tr>\n");
    }
    OXT_HTML_LIT(h, "</tbody>\n</table></div>\n");
}

/* ---- JSON ------------------------------------------------------------------------------ */

void oxt_list_json_begin(oxt_json_t *j, oxt_list_view_t *v)
{
    oxt_json_object(j);
    oxt_json_kint(j, "total", v->paging->total);
    if (v->paging->more) {
        oxt_json_kbool(j, "more", 1);
    }
    oxt_json_kint(j, "page", v->paging->page);
    if (v->req->per_page == OXT_LIST_ALL) {
        oxt_json_kstr(j, "per_page", "all");
    }
    else {
        oxt_json_kint(j, "per_page", v->req->per_page);
    }
    oxt_json_kstr(j, "sort", v->req->sort->key);
    oxt_json_kstr(j, "dir", v->req->desc ? "desc" : "asc");
    oxt_json_karray(j, "items");
}

static void cell_json(oxt_json_t *j, const oxt_column_t *col,
                      const oxt_cell_t *c)
{
    char iso[OXT_LIST_DATE_LEN];

    oxt_json_key(j, col->key);
    switch (col->kind) {
    case OXT_CELL_NUMBER:
        oxt_json_int(j, c->num);
        break;
    case OXT_CELL_DATE:
        if (c->when == 0) {
            oxt_json_null(j);
        }
        else {
            oxt_json_string(j, oxt_list_date_iso(iso, c->when));
        }
        break;
    case OXT_CELL_CHECKBOX:
    case OXT_CELL_ICON:
        oxt_json_bool(j, c->on);
        break;
    case OXT_CELL_PAIR:
        oxt_json_object(j);
        oxt_json_kint(j, "total", c->num);
        oxt_json_kint(j, "ox", c->num2);
        oxt_json_end(j);
        break;
    default:
        oxt_json_string(j, c->text ? c->text : "");
        break;
    }
}

void oxt_list_json_row(oxt_json_t *j, oxt_list_view_t *v, const void *row)
{
    const oxt_column_t *col;
    oxt_cell_t c;
    int i;

    oxt_json_object(j);
    oxt_json_kint(j, "id", v->def->id(row));
    for (i = 0; i < v->def->ncols; i++) {
        col = &v->def->cols[i];
        if (!(col->flags & OXT_COL_NO_JSON)) {
            list_get(&c, v, col, row);
            cell_json(j, col, &c);
        }
    }
    oxt_json_end(j);
    v->rows++;
    apr_pool_clear(v->rowp);
}

void oxt_list_json_end(oxt_json_t *j, oxt_list_view_t *v)
{
    (void)v;
    oxt_json_end(j);
    oxt_json_end(j);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

void oxt_list_csv_begin(oxt_csv_t *c, oxt_list_view_t *v)
{
    const oxt_column_t *col;
    int i;

    for (i = 0; i < v->def->ncols; i++) {
        col = &v->def->cols[i];
        if (!(col->flags & OXT_COL_NO_CSV)) {
            oxt_csv_field(c, col->csv_title ? col->csv_title : col->title);
        }
    }
    oxt_csv_end_row(c);
}

static void cell_csv(oxt_csv_t *c, const oxt_column_t *col,
                     const oxt_cell_t *cell, apr_pool_t *p)
{
    char iso[OXT_LIST_DATE_LEN];

    switch (col->kind) {
    case OXT_CELL_NUMBER:
        oxt_csv_int(c, cell->num);
        break;
    case OXT_CELL_DATE:
        oxt_csv_field(c, cell->when ? oxt_list_date_iso(iso, cell->when)
                                    : "Never");
        break;
    case OXT_CELL_CHECKBOX:
    case OXT_CELL_ICON:
        oxt_csv_field(c, cell->on ? "yes" : "no");
        break;
    case OXT_CELL_PAIR:
        oxt_csv_field(c, apr_psprintf(p, "%" APR_INT64_T_FMT " / %"
                                      APR_INT64_T_FMT,
                                      (apr_int64_t)cell->num,
                                      (apr_int64_t)cell->num2));
        break;
    default:
        oxt_csv_field(c, cell->text);
        break;
    }
}

void oxt_list_csv_row(oxt_csv_t *c, oxt_list_view_t *v, const void *row)
{
    const oxt_column_t *col;
    oxt_cell_t cell;
    int i;

    for (i = 0; i < v->def->ncols; i++) {
        col = &v->def->cols[i];
        if (!(col->flags & OXT_COL_NO_CSV)) {
            list_get(&cell, v, col, row);
            cell_csv(c, col, &cell, v->rowp);
        }
    }
    oxt_csv_end_row(c);
    v->rows++;
    apr_pool_clear(v->rowp);
}
