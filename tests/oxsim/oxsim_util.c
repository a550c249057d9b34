/*
 * oxsim_util.c — byte buffer, hash map and pattern matching for the
 * emulator. The map is our own (not apr_hash) because entries must be
 * freed one by one: 100k users come and go, and a pool never shrinks.
 */
#include "oxsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

/* ---- buffer ------------------------------------------------------------ */

static void oxsim_buf_grow(oxsim_buf_t *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 256;
    char *s;

    while (cap < b->len + need + 1) {
        cap *= 2;
    }
    if (cap == b->cap) {
        return;
    }
    s = realloc(b->s, cap);
    if (s == NULL) {
        /* An emulator out of memory cannot answer honestly: stop loudly. */
        fprintf(stderr, "oxsim: out of memory\n");
        abort();
    }
    b->s = s;
    b->cap = cap;
}

void oxsim_buf_init(oxsim_buf_t *b)
{
    b->s = NULL;
    b->len = 0;
    b->cap = 0;
}

void oxsim_buf_free(oxsim_buf_t *b)
{
    free(b->s);
    oxsim_buf_init(b);
}

void oxsim_buf_add(oxsim_buf_t *b, const char *s, size_t n)
{
    oxsim_buf_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void oxsim_buf_puts(oxsim_buf_t *b, const char *s)
{
    oxsim_buf_add(b, s, strlen(s));
}

void oxsim_buf_printf(oxsim_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) {
        return;
    }
    oxsim_buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void oxsim_buf_xml(oxsim_buf_t *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: break;
        }
        if (rep != NULL) {
            oxsim_buf_add(b, run, (size_t)(s - run));
            oxsim_buf_puts(b, rep);
            run = s + 1;
        }
    }
    oxsim_buf_add(b, run, (size_t)(s - run));
}

void oxsim_buf_json(oxsim_buf_t *b, const char *s)
{
    if (s == NULL) {
        oxsim_buf_puts(b, "null");
        return;
    }
    oxsim_buf_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            char esc[2] = { '\\', (char)ch };
            oxsim_buf_add(b, esc, 2);
        } else if (ch < 0x20) {
            oxsim_buf_printf(b, "\\u%04x", ch);
        } else {
            oxsim_buf_add(b, (const char *)&ch, 1);
        }
    }
    oxsim_buf_add(b, "\"", 1);
}

/* ---- map ------------------------------------------------------------- */

typedef struct oxsim_entry {
    struct oxsim_entry *next;
    uint32_t hash;
    void *val;
    char key[];
} oxsim_entry_t;

struct oxsim_map {
    oxsim_entry_t **slots;
    size_t nslots;
    size_t count;
};

static uint32_t oxsim_hash(const char *k)
{
    uint32_t h = 2166136261u;   /* FNV-1a: short keys, good spread */

    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= 16777619u;
    }
    return h;
}

oxsim_map_t *oxsim_map_new(void)
{
    oxsim_map_t *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        abort();
    }
    m->nslots = 64;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    if (m->slots == NULL) {
        abort();
    }
    return m;
}

void oxsim_map_free(oxsim_map_t *m)
{
    size_t i;

    if (m == NULL) {
        return;
    }
    for (i = 0; i < m->nslots; i++) {
        oxsim_entry_t *e = m->slots[i];
        while (e != NULL) {
            oxsim_entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->slots);
    free(m);
}

static void oxsim_map_rehash(oxsim_map_t *m)
{
    size_t n = m->nslots * 2, i;
    oxsim_entry_t **slots = calloc(n, sizeof(*slots));

    if (slots == NULL) {
        return;   /* keep the longer chains; still correct */
    }
    for (i = 0; i < m->nslots; i++) {
        oxsim_entry_t *e = m->slots[i];
        while (e != NULL) {
            oxsim_entry_t *next = e->next;
            e->next = slots[e->hash & (n - 1)];
            slots[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
}

static oxsim_entry_t **oxsim_map_find(const oxsim_map_t *m, const char *key,
                                      uint32_t h)
{
    oxsim_entry_t **pe = &m->slots[h & (m->nslots - 1)];

    while (*pe != NULL && ((*pe)->hash != h || strcmp((*pe)->key, key))) {
        pe = &(*pe)->next;
    }
    return pe;
}

void *oxsim_map_get(const oxsim_map_t *m, const char *key)
{
    oxsim_entry_t **pe = oxsim_map_find(m, key, oxsim_hash(key));

    return *pe ? (*pe)->val : NULL;
}

void oxsim_map_put(oxsim_map_t *m, const char *key, void *val)
{
    uint32_t h = oxsim_hash(key);
    oxsim_entry_t **pe = oxsim_map_find(m, key, h);
    size_t klen;

    if (*pe != NULL) {
        (*pe)->val = val;
        return;
    }
    klen = strlen(key);
    *pe = malloc(sizeof(oxsim_entry_t) + klen + 1);
    if (*pe == NULL) {
        abort();
    }
    (*pe)->next = NULL;
    (*pe)->hash = h;
    (*pe)->val = val;
    memcpy((*pe)->key, key, klen + 1);
    if (++m->count > m->nslots) {
        oxsim_map_rehash(m);
    }
}

void *oxsim_map_del(oxsim_map_t *m, const char *key)
{
    oxsim_entry_t **pe = oxsim_map_find(m, key, oxsim_hash(key));
    oxsim_entry_t *e = *pe;
    void *val;

    if (e == NULL) {
        return NULL;
    }
    *pe = e->next;
    val = e->val;
    free(e);
    m->count--;
    return val;
}

size_t oxsim_map_count(const oxsim_map_t *m)
{
    return m->count;
}

/* ---- patterns -------------------------------------------------------- */

static int oxsim_lc(int ch, int icase)
{
    return (icase && ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
}

/* OX turns '*' into SQL '%' and runs LIKE; MySQL's default collation is
 * case-insensitive, so the plain list is too unless icase is 0. */
int oxsim_like(const char *p, const char *s, int icase)
{
    for (; *p; p++) {
        if (*p == '*' || *p == '%') {
            while (p[1] == '*' || p[1] == '%') {
                p++;
            }
            if (p[1] == '\0') {
                return 1;
            }
            for (; *s; s++) {
                if (oxsim_like(p + 1, s, icase)) {
                    return 1;
                }
            }
            return 0;
        }
        if (*s == '\0') {
            return 0;
        }
        if (*p == '\\' && p[1] != '\0') {
            p++;
            if (oxsim_lc(*p, icase) != oxsim_lc(*s, icase)) {
                return 0;
            }
        } else if (*p != '_' && oxsim_lc(*p, icase) != oxsim_lc(*s, icase)) {
            return 0;
        }
        s++;
    }
    return *s == '\0';
}

char *oxsim_lower(apr_pool_t *p, const char *s)
{
    char *r = apr_pstrdup(p, s), *q;

    for (q = r; *q; q++) {
        *q = (char)oxsim_lc(*q, 1);
    }
    return r;
}
