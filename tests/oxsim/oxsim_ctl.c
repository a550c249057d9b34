/*
 * oxsim_ctl.c — the control endpoints under /oxsim/ (JSON out):
 *   GET /oxsim/state, GET /oxsim/counters, GET|POST /oxsim/config,
 *   POST /oxsim/reset.
 * POST /oxsim/config takes a flat JSON object or a form body; keys are the
 * command-line flags without dashes (fault_rate=0.1).
 */
#include "oxsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OXSIM_CTL_MAXKEY 64
#define OXSIM_CTL_MAXVAL 512

static void oxsim_ctl_error(oxsim_buf_t *out, const char *msg)
{
    oxsim_buf_puts(out, "{\"error\":");
    oxsim_buf_json(out, msg);
    oxsim_buf_puts(out, "}");
}

/* ---- form bodies ----------------------------------------------------- */

static int oxsim_hex(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* URL-decodes s[0..n) into out; returns -1 when it does not fit. */
static int oxsim_urldecode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%' && i + 2 < n && oxsim_hex(s[i + 1]) >= 0
                   && oxsim_hex(s[i + 2]) >= 0) {
            ch = oxsim_hex(s[i + 1]) * 16 + oxsim_hex(s[i + 2]);
            i += 2;
        }
        if (o + 1 >= outlen) {
            return -1;
        }
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

static int oxsim_ctl_form(const char *body, size_t len, char *err,
                          size_t errlen)
{
    char key[OXSIM_CTL_MAXKEY], val[OXSIM_CTL_MAXVAL];
    const char *p = body, *end = body + len;

    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (stop > p) {
            if (eq == NULL || oxsim_urldecode(p, (size_t)(eq - p), key, sizeof(key))
                || oxsim_urldecode(eq + 1, (size_t)(stop - eq - 1), val, sizeof(val))) {
                snprintf(err, errlen, "malformed form body");
                return -1;
            }
            if (oxsim_cfg_set(key, val, err, errlen)) {
                return -1;
            }
        }
        p = stop + 1;
    }
    return 0;
}

/* ---- flat JSON bodies ------------------------------------------------ */

typedef struct {
    const char *p, *end;
} oxsim_json_t;

static void oxsim_json_ws(oxsim_json_t *j)
{
    while (j->p < j->end && strchr(" \t\r\n", *j->p)) {
        j->p++;
    }
}

static int oxsim_json_string(oxsim_json_t *j, char *out, size_t outlen)
{
    size_t o = 0;

    if (j->p >= j->end || *j->p != '"') {
        return -1;
    }
    for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
        char ch = *j->p;
        if (ch == '\\') {
            if (++j->p >= j->end || !strchr("\"\\/", *j->p)) {
                return -1;   /* knob values never need \n or \u */
            }
            ch = *j->p;
        }
        if (o + 1 >= outlen) {
            return -1;
        }
        out[o++] = ch;
    }
    if (j->p >= j->end) {
        return -1;
    }
    j->p++;
    out[o] = '\0';
    return 0;
}

/* A number, true/false or string; numbers and literals as their text. */
static int oxsim_json_scalar(oxsim_json_t *j, char *out, size_t outlen)
{
    size_t n;

    if (j->p < j->end && *j->p == '"') {
        return oxsim_json_string(j, out, outlen);
    }
    n = strspn(j->p, "0123456789+-.eEtrufals");
    if (n == 0 || n >= outlen || j->p + n > j->end) {
        return -1;
    }
    memcpy(out, j->p, n);
    out[n] = '\0';
    j->p += n;
    return 0;
}

/* A value may be an array (repeatable knobs such as reseller). */
static int oxsim_json_value(oxsim_json_t *j, const char *key, char *err,
                            size_t errlen)
{
    char val[OXSIM_CTL_MAXVAL];

    if (j->p < j->end && *j->p == '[') {
        j->p++;
        for (;;) {
            oxsim_json_ws(j);
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return 0;
            }
            if (oxsim_json_scalar(j, val, sizeof(val))
                || oxsim_cfg_set(key, val, err, errlen)) {
                return -1;
            }
            oxsim_json_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
            }
        }
    }
    if (oxsim_json_scalar(j, val, sizeof(val))) {
        return -1;
    }
    return oxsim_cfg_set(key, val, err, errlen);
}

static int oxsim_ctl_json(const char *body, size_t len, char *err,
                          size_t errlen)
{
    oxsim_json_t j = { body, body + len };
    char key[OXSIM_CTL_MAXKEY];

    err[0] = '\0';
    oxsim_json_ws(&j);
    if (j.p >= j.end || *j.p++ != '{') {
        goto bad;
    }
    for (;;) {
        oxsim_json_ws(&j);
        if (j.p < j.end && *j.p == '}') {
            return 0;
        }
        if (oxsim_json_string(&j, key, sizeof(key))) {
            goto bad;
        }
        oxsim_json_ws(&j);
        if (j.p >= j.end || *j.p++ != ':') {
            goto bad;
        }
        oxsim_json_ws(&j);
        if (oxsim_json_value(&j, key, err, errlen)) {
            goto bad;
        }
        oxsim_json_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
        }
    }
bad:
    if (err[0] == '\0') {
        snprintf(err, errlen, "malformed JSON body");
    }
    return -1;
}

/* ---- dispatch ----------------------------------------------------------- */

static int oxsim_ctl_config(const char *method, const char *body, size_t len,
                            oxsim_buf_t *out)
{
    char err[256];
    size_t i = 0;

    if (!strcmp(method, "POST")) {
        while (i < len && strchr(" \t\r\n", body[i])) {
            i++;
        }
        if ((i < len && body[i] == '{') ? oxsim_ctl_json(body, len, err, sizeof(err))
                                        : oxsim_ctl_form(body, len, err, sizeof(err))) {
            oxsim_ctl_error(out, err);
            return 400;
        }
    }
    oxsim_cfg_json(out);
    return 200;
}

int oxsim_ctl_handle(const char *method, const char *url, const char *body,
                     size_t len, const char *ctype, oxsim_buf_t *out)
{
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");

    (void)ctype;   /* the body's first character decides JSON vs form */
    if (!strcmp(url, "/oxsim/state") && get) {
        oxsim_store_lock();
        oxsim_store_json(out);
        oxsim_store_unlock();
        return 200;
    }
    if (!strcmp(url, "/oxsim/counters") && get) {
        oxsim_counters_json(out);
        return 200;
    }
    if (!strcmp(url, "/oxsim/config") && (get || post)) {
        return oxsim_ctl_config(method, body, len, out);
    }
    if (!strcmp(url, "/oxsim/reset") && post) {
        oxsim_store_lock();
        oxsim_store_reset();
        oxsim_store_unlock();
        oxsim_counters_reset();
        oxsim_buf_puts(out, "{\"ok\":true}");
        return 200;
    }
    oxsim_ctl_error(out, "no such control endpoint or method");
    return 404;
}
