/*
 * oxt_list.h — one description per list, and everything a list page does
 * with it: read the list parameters of the request, build the SQL order
 * and search from an allow-list, compute the paging, and render the same
 * rows as an HTML table, as the JSON twin (?format=json) and as CSV.
 *
 * A list is a table of columns (oxt_column_t): a key (the JSON item key,
 * the value of sort=, the name of a checkbox field), a title, a cell kind,
 * the SQL expression it sorts by (code, never input: the table is the
 * allow-list), the SQL expression a search matches, and a getter that
 * fills a cell from one row of the page's own type. The three renderers
 * walk the same table, so they cannot disagree.
 *
 * Rows stream: the page hands them over one at a time (from its
 * oxt_db_each callback), each is written at once and its scratch memory
 * is freed, so a list of 100,000 rows never sits in memory.
 *
 * ---- Example: the Domains list -----------------------------------------
 *
 *     typedef struct { long long id; const char *name; int suspended;
 *                      long long total, ox, modified; int forever; } dom_t;
 *
 *     static void get_name(oxt_cell_t *c, const void *row, void *b,
 *                          apr_pool_t *p)
 *     {
 *         const dom_t *d = row;
 *         c->text = d->name;
 *         c->flags = d->suspended ? OXT_CELL_SUSPENDED : 0;
 *     }
 *     ... get_modified (c->when = d->modified), get_mailboxes (c->num,
 *     c->num2, c->url, c->url2), get_forever (c->on, c->disabled) ...
 *
 *     static const oxt_column_t dom_cols[] = {
 *       { "name", "Name", OXT_CELL_NAME, "d.name", "d.name", get_name },
 *       { "modified", "Modified", OXT_CELL_DATE, "s.modified", NULL,
 *         get_modified },
 *       { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "s.total", NULL,
 *         get_mailboxes },
 *       { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL,
 *         get_forever, 0, NULL, "All" },
 *     };
 *     static const oxt_list_def_t dom_list = {
 *         "domains", dom_cols, 4, "name", 0, "d.id", dom_id
 *     };
 *
 *     rv = oxt_list_req_parse(&req, &dom_list, query);   404 on EINVAL
 *     ... check req.reseller / client / domain against the caller ...
 *     sql = "SELECT ... WHERE <subtree>" + (req.q[0] ?
 *           " AND " + oxt_list_search_sql(&dom_list, p) : "")
 *     count first, then oxt_list_paging(&pg, &req, total);
 *     sql += oxt_list_order_sql(&dom_list, &req, p) + " LIMIT ?,?"
 *           bind oxt_list_like(req.q, p) once per search column,
 *           then pg.offset and pg.limit (when pg.limit > 0)
 *     oxt_list_view_init(&v, &dom_list, &req, &pg, self_url, static_base,
 *                        page_ctx, p);
 *     html:  oxt_list_html_begin(h, &v);   per row: oxt_list_html_row;
 *            oxt_list_html_end(h, &v);
 *     json:  oxt_list_json_begin(j, &v) ... oxt_list_json_row ...
 *            oxt_list_json_end(j, &v);
 *     csv:   oxt_list_csv_begin(c, &v) ... oxt_list_csv_row ...
 *
 * What the request may say (oxt_list_req_parse; everything bounded):
 *   q         search text: trimmed, at most OXT_LIST_Q_MAX bytes (longer
 *             is cut at a character boundary); "" for none
 *   sort      a column key with a sort expression; else the default
 *   dir       "asc" or "desc"; else the default of the list
 *   page      1 .. OXT_LIST_PAGE_MAX; else 1 (and clamped to the last)
 *   per_page  10, 25, 100 or "all"; else 25
 *   reseller=ID client=ID domain=ID   positive integers (the page checks
 *             them against the caller's subtree); malformed: APR_EINVAL
 *   ox=1      replicated only ("0" or absent: all); else APR_EINVAL
 *   search=hide|show   the Hide/Show Search link without JavaScript
 *
 * The JSON twin:
 *   {"total": N, "page": P, "per_page": K or "all", "sort": "key",
 *    "dir": "asc"|"desc", "items": [{"id": ..., "name": ..., <key>: ...}]}
 *   with values by kind: text, name, link: string; number: integer;
 *   date: "2010-03-25T16:44:00Z" or null (Never); checkbox: true/false;
 *   pair: {"total": x, "ox": y}; icon: true/false (active).
 *
 * Memory: the view's scratch pool is a child of the pool given to
 * oxt_list_view_init and is cleared after every row.
 */
#ifndef OXT_LIST_H
#define OXT_LIST_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_csv.h"
#include "oxt_form.h"
#include "oxt_html.h"
#include "oxt_icon.h"
#include "oxt_json.h"
#include "oxt_url.h"

/* ---- the description ----------------------------------------------------- */

typedef enum {
    OXT_CELL_TEXT = 0,         /* text (with an optional detail) */
    OXT_CELL_NAME,             /* a customer's name, with its icons */
    OXT_CELL_NUMBER,           /* an integer, optionally a link */
    OXT_CELL_DATE,             /* a time, or "Never" */
    OXT_CELL_CHECKBOX,         /* a tick of the list's POST form */
    OXT_CELL_LINK,             /* text that links somewhere of ours */
    OXT_CELL_PAIR,             /* "x Total / y OX", each part a link */
    OXT_CELL_ICON              /* an icon, optionally a link */
} oxt_cell_kind_t;

/* oxt_cell_t.flags */
#define OXT_CELL_SUSPENDED 1   /* NAME: show the suspended icon */
#define OXT_CELL_DIALOG    2   /* ICON: the link opens a dialog page
                                  (Prefs; see oxt_page_dialog_link) */

/** What a getter fills in for one row and one column. */
typedef struct oxt_cell_t {
    const char *text;          /* TEXT, NAME, LINK: the words; ICON: label */
    const char *detail;        /* TEXT: a reason, shown on hover and focus */
    long long num;             /* NUMBER; PAIR: the total */
    long long num2;            /* PAIR: the replicated part */
    long long when;            /* DATE: seconds since 1970; 0: "Never" */
    int on;                    /* CHECKBOX: ticked; ICON: active */
    int disabled;              /* CHECKBOX: cannot be changed here */
    unsigned flags;            /* OXT_CELL_* */
    oxt_icon_t icon;           /* ICON: which one */
    const oxt_url_t *url;      /* NAME, NUMBER, LINK, ICON: the link;
                                  PAIR: the total's link */
    const oxt_url_t *url2;     /* NAME: the Plesk link; PAIR: the OX part's */
} oxt_cell_t;

/**
 * Fills cell (zeroed before the call) from row. baton is the view's; p
 * is the row's scratch pool (cleared after the row).
 */
typedef void oxt_list_get_fn(oxt_cell_t *cell, const void *row, void *baton,
                             apr_pool_t *p);

/** The id of a row: the JSON "id", the value of its checkboxes. */
typedef long long oxt_list_id_fn(const void *row);

/* oxt_column_t.flags */
#define OXT_COL_NO_HTML 1      /* only in JSON and CSV */
#define OXT_COL_NO_JSON 2
#define OXT_COL_NO_CSV  4

typedef struct oxt_column_t {
    const char *key;           /* a-z 0-9 _; unique; not "id" */
    const char *title;         /* the header */
    oxt_cell_kind_t kind;
    const char *sort_sql;      /* ORDER BY expression; NULL: not sortable */
    const char *search_sql;    /* matched by q with LIKE; NULL: not */
    oxt_list_get_fn *get;
    unsigned flags;            /* OXT_COL_* */
    const char *csv_title;     /* the CSV header; NULL: title */
    const char *all_label;     /* CHECKBOX: a header button that submits
                                  all=<key> ("turn on for all"); NULL: none */
} oxt_column_t;

typedef struct oxt_list_def_t {
    const char *noun;          /* plural: "1-25 domains of 50 total" */
    const oxt_column_t *cols;
    int ncols;
    const char *default_sort;  /* a key of a sortable column */
    int default_desc;
    const char *tiebreak_sql;  /* appended to every ORDER BY ("d.id") */
    oxt_list_id_fn *id;
} oxt_list_def_t;

/**
 * Checks a description: keys unique and well formed, none "id", a
 * column "name", the default sort sortable, a getter everywhere, a
 * tiebreak. For the unit tests of each page; APR_EINVAL with *pwhy.
 */
apr_status_t oxt_list_def_check(const oxt_list_def_t *def,
                                const char **pwhy);

/** The column with key, or NULL. */
const oxt_column_t *oxt_list_column(const oxt_list_def_t *def,
                                    const char *key);

/* ---- the request ---------------------------------------------------------- */

#define OXT_LIST_Q_MAX       255
#define OXT_LIST_PAGE_MAX    10000000
#define OXT_LIST_PER_PAGE    25          /* the default */
#define OXT_LIST_ALL         0           /* per_page=all */
/* "All" shows every row up to this many a page, then pages: a million
 * rows on one page is hundreds of megabytes of HTML, which no browser
 * shows and no Apache worker should build. */
#define OXT_LIST_ALL_MAX     10000
#define OXT_LIST_WINDOW      5           /* page numbers around the page */

typedef struct oxt_list_req_t {
    const char *q;             /* "" when no search */
    const oxt_column_t *sort;  /* never NULL after a parse */
    int desc;
    long long page;            /* as asked, 1 .. OXT_LIST_PAGE_MAX */
    int per_page;              /* 10, 25, 100 or OXT_LIST_ALL */
    long long reseller;        /* owner filters; 0: none */
    long long client;
    long long domain;
    int ox;                    /* replicated only */
    int search;                /* search=: -1 absent, 0 hide, 1 show */
} oxt_list_req_t;

/**
 * Reads the list parameters of query (a parsed query string) into req.
 * Display parameters fall back to their defaults; a malformed owner
 * filter or ox gives APR_EINVAL (answer 404, as for a forged id).
 * req->q points into query or p.
 */
apr_status_t oxt_list_req_parse(oxt_list_req_t *req,
                                const oxt_list_def_t *def,
                                const oxt_form_t *query, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- SQL pieces from the allow-list --------------------------------------- */

/**
 * "ORDER BY <sort_sql> ASC, <tiebreak> ASC" (or DESC, DESC), built only
 * from the description's strings. In p.
 */
const char *oxt_list_order_sql(const oxt_list_def_t *def,
                               const oxt_list_req_t *req, apr_pool_t *p);

/**
 * "(<search_sql> LIKE ? ESCAPE '!' OR ...)" over the searchable columns;
 * *pn (may be NULL) gets the number of placeholders, each to be bound to
 * oxt_list_like(req->q). NULL when no column is searchable. In p.
 */
const char *oxt_list_search_sql(const oxt_list_def_t *def, int *pn,
                                apr_pool_t *p);

/**
 * "%q%" with LIKE's own characters escaped by '!' ("50%_off" becomes
 * "%50!%!_off%"), so a search matches the text typed, never a pattern.
 */
const char *oxt_list_like(const char *q, apr_pool_t *p);

/* ---- paging -------------------------------------------------------------------- */

typedef struct oxt_paging_t {
    long long total;
    long long page;            /* clamped to 1 .. pages */
    long long pages;           /* at least 1 */
    long long offset;          /* rows to skip (LIMIT offset, limit) */
    long long limit;           /* rows a page: per_page, or
                                  OXT_LIST_ALL_MAX for "All" */
    long long first, last;     /* 1-based rows shown; 0, 0 when empty */
    long long win_first;       /* the page numbers listed */
    long long win_last;
    int more;                  /* total is a bound: there are more rows
                                  ("of more than N"); set by the caller
                                  after oxt_list_paging */
} oxt_paging_t;

/** The paging of req over total rows. */
void oxt_list_paging(oxt_paging_t *pg, const oxt_list_req_t *req,
                     long long total);

/* ---- rendering ----------------------------------------------------------------- */

typedef struct oxt_list_view_t {
    const oxt_list_def_t *def;
    const oxt_list_req_t *req;
    const oxt_paging_t *paging;
    const oxt_url_t *self;     /* the list's route, fixed parameters added */
    const char *static_base;   /* the static files location (icons) */
    void *baton;               /* handed to the getters */
    apr_pool_t *rowp;          /* scratch, cleared after every row */
    long long rows;            /* rows rendered so far */
    int has_checkbox;          /* rows carry a hidden "row" id field */
    const char *search_hint;   /* how search matches, shown under the
                                  search box; NULL: nothing */
    long long anchor_first;    /* keyset links: the ids of this page's */
    long long anchor_last;     /* first and last rows (0: none); set,
                                  the links to the pages of the window
                                  after it carry after=anchor_last, those
                                  before it before=anchor_first, each
                                  with from=<this page>, so the list can
                                  seek there instead of counting rows
                                  from an end (page 1 and the last page
                                  never need it) */
} oxt_list_view_t;

/** Sets up v; its scratch pool is a child of p. */
void oxt_list_view_init(oxt_list_view_t *v, const oxt_list_def_t *def,
                        const oxt_list_req_t *req, const oxt_paging_t *pg,
                        const oxt_url_t *self, const char *static_base,
                        void *baton, apr_pool_t *p);

/**
 * The URL of this list with its parameters (q, filters, per_page) and
 * the given sort, direction and page; sort NULL: the request's. In p.
 */
oxt_url_t *oxt_list_url(const oxt_list_view_t *v, const oxt_column_t *sort,
                        int desc, long long page, int per_page,
                        apr_pool_t *p);

/**
 * The search form (GET, role="search"): "Search by name", Search, Reset
 * Search, keeping sort, per_page and the filters; with id="oxt-search"
 * and hidden when hidden is true. Put it outside the list's POST form.
 */
void oxt_list_search_form(oxt_html_t *h, const oxt_list_view_t *v,
                          int hidden);

/**
 * The Hide/Show Search link: without JavaScript it goes to this list
 * with search=hide or search=show (the page remembers the choice and
 * draws the form hidden or not); with it, htdocs/oxtender.js toggles the
 * form in place and keeps the choice in the cookie named cookie (a-z,
 * 0-9 and _: the caller's own, "oxt_search_r7").
 */
void oxt_list_search_toggle(oxt_html_t *h, const oxt_list_view_t *v,
                            int hidden, const char *cookie);

/**
 * "1-25 domains of 50 total  Pages: First << 1 2 >> Last  Number of
 * entries per page: 10 25 100 All" ("4 domains total" on one page), as a
 * <nav> with aria-label label ("Pages, top").
 */
void oxt_list_paging_html(oxt_html_t *h, const oxt_list_view_t *v,
                          const char *label);

/** The <table> and its header row (sort links, aria-sort, select-all). */
void oxt_list_html_begin(oxt_html_t *h, oxt_list_view_t *v);

/** One row. */
void oxt_list_html_row(oxt_html_t *h, oxt_list_view_t *v, const void *row);

/** The end of the table ("No domains." when there was no row). */
void oxt_list_html_end(oxt_html_t *h, oxt_list_view_t *v);

/** The JSON twin: the object up to "items": [ ... */
void oxt_list_json_begin(oxt_json_t *j, oxt_list_view_t *v);
void oxt_list_json_row(oxt_json_t *j, oxt_list_view_t *v, const void *row);
/** ... ] } — then the caller calls oxt_json_finish. */
void oxt_list_json_end(oxt_json_t *j, oxt_list_view_t *v);

/** CSV: the header record, one record per row. */
void oxt_list_csv_begin(oxt_csv_t *c, oxt_list_view_t *v);
void oxt_list_csv_row(oxt_csv_t *c, oxt_list_view_t *v, const void *row);

/**
 * "Mar 25, 2010 04:44 PM" in the server's local time (the guide's
 * format, English month names whatever the locale) into buf; "Never" for
 * 0. buf must hold OXT_LIST_DATE_LEN bytes.
 */
#define OXT_LIST_DATE_LEN 80
const char *oxt_list_date_text(char *buf, long long when);

/** "2010-03-25T16:44:00Z" (UTC) into buf (OXT_LIST_DATE_LEN bytes). */
const char *oxt_list_date_iso(char *buf, long long when);

#endif /* OXT_LIST_H */
