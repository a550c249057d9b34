/*
 * oxt_form.c — see oxt_form.h.
 */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "oxt_form.h"
#include "oxt_utf8.h"

const oxt_form_limits_t oxt_form_query_limits = { 8192, 64, 64, 2048 };
const oxt_form_limits_t oxt_form_post_limits = { 65536, 512, 64, 8192 };
const oxt_form_limits_t oxt_form_list_limits = {
    8 * 1024 * 1024, 250000, 64, 1024
};
const oxt_multipart_limits_t oxt_multipart_upload_limits = {
    65536, 8, 1024, 8
};

struct oxt_form_t {
    apr_array_header_t *fields;    /* oxt_form_field_t */
};

/* ---- urlencoded ------------------------------------------------------------ */

static int form_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (unsigned char)apr_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes n bytes at s ('+', %XX) into a new string in p; at most max
 * bytes out. The decoded text must be UTF-8 without NUL. */
static apr_status_t form_decode(const char **pout, const char *s,
                                apr_size_t n, apr_size_t max,
                                oxt_result_t *res, apr_pool_t *p)
{
    char *out = apr_palloc(p, n + 1);
    apr_size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        if (o == max) {
            return oxt_result_set(res, APR_ENOSPC, "Form field too long",
                                  "more than %" APR_SIZE_T_FMT " bytes", max);
        }
        if (s[i] == '+') {
            out[o++] = ' ';
            continue;
        }
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        hi = i + 2 < n ? form_hex((unsigned char)s[i + 1]) : -1;
        lo = i + 2 < n ? form_hex((unsigned char)s[i + 2]) : -1;
        if (i + 2 >= n || hi < 0 || lo < 0) {
            return oxt_result_set(res, APR_EINVAL, "Malformed form data",
                                  "a %% without two hex digits");
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    if (memchr(out, '\0', o) != NULL || !oxt_utf8_valid(out, o)) {
        return oxt_result_set(res, APR_EINVAL, "Malformed form data",
                              "a NUL or invalid UTF-8");
    }
    out[o] = '\0';
    *pout = out;
    return APR_SUCCESS;
}

/* One "key=value" of n bytes (n > 0). */
static apr_status_t form_pair(oxt_form_t *f, const char *s, apr_size_t n,
                              const oxt_form_limits_t *lim,
                              oxt_result_t *res, apr_pool_t *p)
{
    const char *eq = memchr(s, '=', n);
    apr_size_t klen = eq ? (apr_size_t)(eq - s) : n;
    oxt_form_field_t *fld;
    apr_status_t rv;

    if (klen == 0) {
        return oxt_result_set(res, APR_EINVAL, "Malformed form data",
                              "a field without a name");
    }
    if (f->fields->nelts >= lim->max_fields) {
        return oxt_result_set(res, APR_ENOSPC, "Too many form fields",
                              "more than %d", lim->max_fields);
    }
    fld = apr_array_push(f->fields);
    rv = form_decode(&fld->key, s, klen, lim->max_key, res, p);
    if (rv == APR_SUCCESS) {
        rv = eq ? form_decode(&fld->value, eq + 1, n - klen - 1,
                              lim->max_value, res, p)
                : APR_SUCCESS;
        if (!eq) {
            fld->value = "";
        }
    }
    return rv;
}

oxt_form_t *oxt_form_empty(apr_pool_t *p)
{
    oxt_form_t *f = apr_pcalloc(p, sizeof(*f));

    f->fields = apr_array_make(p, 8, sizeof(oxt_form_field_t));
    return f;
}

apr_status_t oxt_form_parse(oxt_form_t **pform, const char *data,
                            apr_size_t len, const oxt_form_limits_t *lim,
                            oxt_result_t *res, apr_pool_t *p)
{
    oxt_form_t *f = oxt_form_empty(p);
    const char *end, *amp;
    apr_status_t rv;

    if (len == 0 || data == NULL) {
        *pform = f;
        return APR_SUCCESS;
    }
    end = data + len;
    if (len > lim->max_input) {
        return oxt_result_set(res, APR_ENOSPC, "Form data too large",
                              "more than %" APR_SIZE_T_FMT " bytes",
                              lim->max_input);
    }
    while (data < end) {
        amp = memchr(data, '&', (apr_size_t)(end - data));
        if (amp == NULL) {
            amp = end;
        }
        if (amp > data) {
            rv = form_pair(f, data, (apr_size_t)(amp - data), lim, res, p);
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
        data = amp + 1;
    }
    *pform = f;
    return APR_SUCCESS;
}

int oxt_form_count(const oxt_form_t *f)
{
    return f->fields->nelts;
}

const oxt_form_field_t *oxt_form_field(const oxt_form_t *f, int i)
{
    if (i < 0 || i >= f->fields->nelts) {
        return NULL;
    }
    return &APR_ARRAY_IDX(f->fields, i, oxt_form_field_t);
}

const char *oxt_form_get(const oxt_form_t *f, const char *key)
{
    const oxt_form_field_t *fld;
    int i;

    for (i = 0; i < f->fields->nelts; i++) {
        fld = &APR_ARRAY_IDX(f->fields, i, oxt_form_field_t);
        if (strcmp(fld->key, key) == 0) {
            return fld->value;
        }
    }
    return NULL;
}

apr_array_header_t *oxt_form_values(const oxt_form_t *f, const char *key,
                                    apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    const oxt_form_field_t *fld;
    int i;

    for (i = 0; i < f->fields->nelts; i++) {
        fld = &APR_ARRAY_IDX(f->fields, i, oxt_form_field_t);
        if (strcmp(fld->key, key) == 0) {
            APR_ARRAY_PUSH(out, const char *) = fld->value;
        }
    }
    return out;
}

/* A plain decimal number: an optional '-', digits, nothing else, no
 * leading zeros (so one value has one spelling), no overflow. */
static apr_status_t form_number(long long *pv, const char *s)
{
    int neg = *s == '-';
    unsigned long long v = 0, limit;
    const char *d = s + neg;

    if (*d == '\0' || (d[0] == '0' && d[1] != '\0')) {
        return APR_EINVAL;
    }
    limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; *d; d++) {
        if (!apr_isdigit(*d) || v > (limit - (unsigned)(*d - '0')) / 10) {
            return APR_EINVAL;
        }
        v = v * 10 + (unsigned)(*d - '0');
    }
    *pv = neg ? (long long)(0 - v) : (long long)v;
    return APR_SUCCESS;
}

apr_status_t oxt_form_int(long long *pv, const oxt_form_t *f,
                          const char *key, long long min, long long max)
{
    const char *s = oxt_form_get(f, key);
    long long v;

    if (s == NULL) {
        return APR_ENOENT;
    }
    if (form_number(&v, s) != APR_SUCCESS || v < min || v > max) {
        return APR_EINVAL;
    }
    *pv = v;
    return APR_SUCCESS;
}

apr_status_t oxt_form_parse_id(long long *pid, const char *s)
{
    long long v;

    if (s == NULL || *s == '-' || form_number(&v, s) != APR_SUCCESS
        || v < 1) {
        return APR_EINVAL;
    }
    *pid = v;
    return APR_SUCCESS;
}

apr_status_t oxt_form_ids(apr_array_header_t **pids, const oxt_form_t *f,
                          const char *key, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 8, sizeof(long long));
    const oxt_form_field_t *fld;
    long long id;
    int i;

    for (i = 0; i < f->fields->nelts; i++) {
        fld = &APR_ARRAY_IDX(f->fields, i, oxt_form_field_t);
        if (strcmp(fld->key, key) != 0) {
            continue;
        }
        if (oxt_form_parse_id(&id, fld->value) != APR_SUCCESS) {
            return APR_EINVAL;
        }
        APR_ARRAY_PUSH(ids, long long) = id;
    }
    *pids = ids;
    return APR_SUCCESS;
}

/* ---- multipart: the Content-Type ------------------------------------------ */

/* RFC 7230 tchar. */
static int mp_tchar(unsigned char c)
{
    return apr_isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 2046 bchars (space allowed, not last). */
static int mp_bchar(unsigned char c)
{
    return apr_isalnum(c) || (c != 0 && strchr("'()+_,-./:=? ", c));
}

static const char *mp_skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* A token or a quoted string (no backslashes, no controls) at *ps, into
 * a new string; *ps moves past it. NULL when neither. */
static const char *mp_param_value(const char **ps, apr_pool_t *p)
{
    const char *s = *ps, *start;

    if (*s == '"') {
        for (start = ++s; *s && *s != '"'; s++) {
            if (*s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f) {
                return NULL;
            }
        }
        if (*s != '"') {
            return NULL;
        }
        *ps = s + 1;
        return apr_pstrmemdup(p, start, (apr_size_t)(s - start));
    }
    for (start = s; mp_tchar((unsigned char)*s); s++) {
    }
    if (s == start) {
        return NULL;
    }
    *ps = s;
    return apr_pstrmemdup(p, start, (apr_size_t)(s - start));
}

/* One "; name=value" of a header at *ps into *pname and *pvalue. */
static apr_status_t mp_param(const char **ps, const char **pname,
                             const char **pvalue, apr_pool_t *p)
{
    const char *s = mp_skip_ows(*ps), *start;

    if (*s != ';') {
        return APR_EINVAL;
    }
    s = mp_skip_ows(s + 1);
    for (start = s; mp_tchar((unsigned char)*s); s++) {
    }
    if (s == start || *s != '=') {
        return APR_EINVAL;
    }
    *pname = apr_pstrmemdup(p, start, (apr_size_t)(s - start));
    s++;
    *pvalue = mp_param_value(&s, p);
    if (*pvalue == NULL) {
        return APR_EINVAL;
    }
    *ps = s;
    return APR_SUCCESS;
}

static int mp_boundary_ok(const char *b)
{
    apr_size_t n = strlen(b), i;

    if (n < 1 || n > 70 || b[n - 1] == ' ') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!mp_bchar((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

apr_status_t oxt_multipart_boundary(const char **pboundary,
                                    const char *content_type,
                                    oxt_result_t *res, apr_pool_t *p)
{
    static const char type[] = "multipart/form-data";
    const char *s, *name, *value, *boundary = NULL;

    if (content_type == NULL
        || strncasecmp(content_type, type, sizeof(type) - 1) != 0) {
        return oxt_result_set(res, APR_EINVAL, "Not a multipart form",
                              "the Content-Type is another type");
    }
    s = content_type + sizeof(type) - 1;
    while (*mp_skip_ows(s) != '\0') {
        if (mp_param(&s, &name, &value, p) != APR_SUCCESS) {
            return oxt_result_set(res, APR_EINVAL, "Malformed Content-Type",
                                  "a parameter is not token=value");
        }
        if (strcasecmp(name, "boundary") == 0) {
            if (boundary != NULL || !mp_boundary_ok(value)) {
                return oxt_result_set(res, APR_EINVAL, "Malformed Content-"
                                      "Type", "a bad or second boundary");
            }
            boundary = value;
        }
    }
    if (boundary == NULL) {
        return oxt_result_set(res, APR_EINVAL, "Malformed Content-Type",
                              "no boundary");
    }
    *pboundary = boundary;
    return APR_SUCCESS;
}

/* ---- multipart: the body ----------------------------------------------------- */

typedef struct mp_state_t {
    const char *at;            /* the next byte to read */
    const char *end;
    const char *delim;         /* CR LF "--" boundary */
    apr_size_t dlen;
    const oxt_multipart_limits_t *lim;
    oxt_result_t *res;
    apr_pool_t *p;
} mp_state_t;

static apr_status_t mp_bad(mp_state_t *st, const char *why)
{
    return oxt_result_set(st->res, APR_EINVAL, "Malformed multipart body",
                          "%s", why);
}

/* The first occurrence of the delimiter at or after from, or NULL. */
static const char *mp_find_delim(const mp_state_t *st, const char *from)
{
    const char *s = from, *cr;

    while ((apr_size_t)(st->end - s) >= st->dlen) {
        cr = memchr(s, '\r', (apr_size_t)(st->end - s) - st->dlen + 1);
        if (cr == NULL) {
            return NULL;
        }
        if (memcmp(cr, st->delim, st->dlen) == 0) {
            return cr;
        }
        s = cr + 1;
    }
    return NULL;
}

/* After a delimiter: "--" (the end: *plast) or CR LF (another part). */
static apr_status_t mp_after_delim(mp_state_t *st, int *plast)
{
    apr_size_t left = (apr_size_t)(st->end - st->at);

    if (left >= 2 && st->at[0] == '-' && st->at[1] == '-') {
        *plast = 1;
        st->at += 2;
        return APR_SUCCESS;
    }
    if (left >= 2 && st->at[0] == '\r' && st->at[1] == '\n') {
        *plast = 0;
        st->at += 2;
        return APR_SUCCESS;
    }
    return mp_bad(st, "a delimiter not followed by CR LF or --");
}

/* A header's value as a string: UTF-8 without controls (tab allowed). */
static int mp_text_ok(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
            return 0;
        }
    }
    return oxt_utf8_valid(s, n);
}

/* Content-Disposition: form-data; name="..."[; filename="..."]. */
static apr_status_t mp_disposition(oxt_part_t *part, const char *v,
                                   mp_state_t *st)
{
    static const char fd[] = "form-data";
    const char *name, *value;

    if (part->name != NULL) {
        return mp_bad(st, "a second Content-Disposition");
    }
    if (strncasecmp(v, fd, sizeof(fd) - 1) != 0) {
        return mp_bad(st, "a disposition other than form-data");
    }
    v += sizeof(fd) - 1;
    while (*mp_skip_ows(v) != '\0') {
        if (mp_param(&v, &name, &value, st->p) != APR_SUCCESS) {
            return mp_bad(st, "a malformed disposition parameter");
        }
        if (strcasecmp(name, "name") == 0 && part->name == NULL) {
            part->name = value;
        }
        else if (strcasecmp(name, "filename") == 0
                 && part->filename == NULL) {
            part->filename = value;
        }
        else if (strcasecmp(name, "name") == 0
                 || strcasecmp(name, "filename") == 0) {
            return mp_bad(st, "a repeated disposition parameter");
        }
    }
    if (part->name == NULL || *part->name == '\0') {
        return mp_bad(st, "a part without a name");
    }
    return APR_SUCCESS;
}

/* One header line "Name: value" (n bytes, CR LF excluded). */
static apr_status_t mp_header(oxt_part_t *part, const char *line,
                              apr_size_t n, mp_state_t *st)
{
    const char *colon = memchr(line, ':', n), *s;
    const char *value;
    apr_size_t i, nlen;

    if (colon == NULL || colon == line) {
        return mp_bad(st, "a header without a name");
    }
    nlen = (apr_size_t)(colon - line);
    for (i = 0; i < nlen; i++) {
        if (!mp_tchar((unsigned char)line[i])) {
            return mp_bad(st, "a malformed header name (or folding)");
        }
    }
    s = mp_skip_ows(colon + 1);
    if (!mp_text_ok(s, (apr_size_t)(line + n - s))) {
        return mp_bad(st, "a control character or bad UTF-8 in a header");
    }
    value = apr_pstrmemdup(st->p, s, (apr_size_t)(line + n - s));
    if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
        return mp_disposition(part, value, st);
    }
    if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
        if (part->type != NULL) {
            return mp_bad(st, "a second Content-Type");
        }
        part->type = value;
    }
    return APR_SUCCESS;
}

/* The header lines of a part, up to and including the empty line. */
static apr_status_t mp_headers(oxt_part_t *part, mp_state_t *st)
{
    const char *lf;
    apr_size_t n;
    int count = 0;
    apr_status_t rv;

    for (;;) {
        n = (apr_size_t)(st->end - st->at);
        if (n > st->lim->max_header) {
            n = st->lim->max_header;
        }
        lf = memchr(st->at, '\n', n);
        if (lf == NULL) {
            return n == st->lim->max_header
                ? oxt_result_set(st->res, APR_ENOSPC, "Multipart header "
                                 "too long", "over %" APR_SIZE_T_FMT
                                 " bytes", st->lim->max_header)
                : mp_bad(st, "truncated headers");
        }
        if (lf == st->at || lf[-1] != '\r') {
            return mp_bad(st, "a header line not ending in CR LF");
        }
        n = (apr_size_t)(lf - st->at) - 1;
        if (n == 0) {
            st->at = lf + 1;
            return part->name ? APR_SUCCESS
                              : mp_bad(st, "a part without a disposition");
        }
        if (++count > st->lim->max_headers) {
            return oxt_result_set(st->res, APR_ENOSPC, "Too many multipart "
                                  "headers", "over %d", st->lim->max_headers);
        }
        rv = mp_header(part, st->at, n, st);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        st->at = lf + 1;
    }
}

/* One part: headers, then the bytes up to the next delimiter. */
static apr_status_t mp_part(oxt_part_t *part, int *plast, mp_state_t *st)
{
    const char *next;
    apr_status_t rv;

    memset(part, 0, sizeof(*part));
    rv = mp_headers(part, st);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (part->filename != NULL
        && !mp_text_ok(part->filename, strlen(part->filename))) {
        return mp_bad(st, "a control character in a file name");
    }
    if (!mp_text_ok(part->name, strlen(part->name))) {
        return mp_bad(st, "a control character in a field name");
    }
    /* The CR LF before a delimiter belongs to it (RFC 2046), so an
     * empty part is its headers' empty line followed by CR LF "--". */
    next = mp_find_delim(st, st->at);
    if (next == NULL) {
        return mp_bad(st, "a part without a closing delimiter");
    }
    part->data = st->at;
    part->len = (apr_size_t)(next - st->at);
    st->at = next + st->dlen;
    return mp_after_delim(st, plast);
}

static apr_status_t mp_start(mp_state_t *st, const char *boundary,
                             apr_size_t len)
{
    apr_size_t blen = strlen(boundary);

    if (len > st->lim->max_body) {
        return oxt_result_set(st->res, APR_ENOSPC, "Upload too large",
                              "more than %" APR_SIZE_T_FMT " bytes",
                              st->lim->max_body);
    }
    if (!mp_boundary_ok(boundary)) {
        return mp_bad(st, "a bad boundary");
    }
    st->delim = apr_pstrcat(st->p, "\r\n--", boundary, NULL);
    st->dlen = blen + 4;
    /* The first delimiter has no CR LF before it. */
    if (len < blen + 2 || memcmp(st->at, st->delim + 2, blen + 2) != 0) {
        return mp_bad(st, "the body does not start with the boundary");
    }
    st->at += blen + 2;
    return APR_SUCCESS;
}

apr_status_t oxt_multipart_parse(apr_array_header_t **pparts,
                                 const char *body, apr_size_t len,
                                 const char *boundary,
                                 const oxt_multipart_limits_t *lim,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, 4, sizeof(oxt_part_t));
    mp_state_t st = { body, NULL, NULL, 0, lim, res, p };
    int last = 0;
    apr_status_t rv;

    if (body == NULL || boundary == NULL) {
        return mp_bad(&st, "no body");
    }
    st.end = body + len;
    rv = mp_start(&st, boundary, len);
    if (rv == APR_SUCCESS) {
        rv = mp_after_delim(&st, &last);
    }
    if (rv == APR_SUCCESS && last) {
        rv = mp_bad(&st, "no parts");
    }
    while (rv == APR_SUCCESS && !last) {
        if (parts->nelts >= lim->max_parts) {
            return oxt_result_set(res, APR_ENOSPC, "Too many parts",
                                  "more than %d", lim->max_parts);
        }
        rv = mp_part(apr_array_push(parts), &last, &st);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pparts = parts;
    return APR_SUCCESS;
}

const oxt_part_t *oxt_multipart_get(const apr_array_header_t *parts,
                                    const char *name)
{
    const oxt_part_t *part;
    int i;

    for (i = 0; i < parts->nelts; i++) {
        part = &APR_ARRAY_IDX(parts, i, oxt_part_t);
        if (strcmp(part->name, name) == 0) {
            return part;
        }
    }
    return NULL;
}

apr_status_t oxt_multipart_text(const char **ptext, const oxt_part_t *part,
                                apr_size_t max, apr_pool_t *p)
{
    if (part->len > max) {
        return APR_ENOSPC;
    }
    if (memchr(part->data, '\0', part->len) != NULL
        || !oxt_utf8_valid(part->data, part->len)) {
        return APR_EINVAL;
    }
    *ptext = apr_pstrmemdup(p, part->data, part->len);
    return APR_SUCCESS;
}
