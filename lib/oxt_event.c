/*
 * oxt_event.c — see oxt_event.h: an event made from the handler's
 * arguments, written to and read from the spool, and the daemon's
 * hand-off lock; nothing here needs the database (oxt_event_db.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_time.h>

#include "oxt_event.h"
#include "oxt_event_int.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

static const struct {
    const char *name;
    oxt_event_kind_t kind;
} known_events[] = {
    { "mailname_create", EV_MAILBOX },
    { "mailname_update", EV_MAILBOX },
    { "mailname_delete", EV_MAILBOX },
    { "domain_create", EV_DOMAIN },
    { "domain_update", EV_DOMAIN },
    { "domain_delete", EV_DOMAIN },
    { "domain_status_update", EV_DOMAIN },
    { "site_create", EV_DOMAIN },
    { "site_update", EV_DOMAIN },
    { "site_delete", EV_DOMAIN },
    { "domain_alias_create", EV_DOMAIN_ALIAS },
    { "domain_alias_update", EV_DOMAIN_ALIAS },
    { "domain_alias_delete", EV_DOMAIN_ALIAS },
    { "client_update", EV_ACCOUNT },
    { "client_status_update", EV_ACCOUNT },
    { "reseller_update", EV_ACCOUNT },
    { "reseller_status_update", EV_ACCOUNT },
};

/* Only these names identify objects; NEW_PASSWORD and the rest are never
 * kept, written to a spool file or logged. */
static const char *const kept_vars[] = {
    "NEW_MAILNAME", "OLD_MAILNAME", "NEW_DOMAIN_NAME", "OLD_DOMAIN_NAME",
    "NEW_DOMAIN_ALIAS_NAME", "OLD_DOMAIN_ALIAS_NAME", "NEW_LOGIN_NAME",
    "OLD_LOGIN_NAME",
};

#define SPOOL_SUFFIX ".hint"
#define SPOOL_MAX_BYTES OXT_EVENT_SPOOL_MAX

/* A kept value's longest: the longest name Plesk passes (a domain of 253
 * octets in Unicode, up to four bytes a character per label, is about
 * 950) fits, and an event with every kept name at this length still
 * fits the spool's limit, so no event we make is one its reader refuses
 * ("event=" and the event's name, then "KEY=value\n" per name). */
#define EVENT_VALUE_MAX 960
#define EVENT_KEY_MAX   (sizeof("NEW_DOMAIN_ALIAS_NAME") - 1)
#define EVENT_NAME_MAX  64
_Static_assert(sizeof("event=\n") + EVENT_NAME_MAX
               + sizeof(kept_vars) / sizeof(kept_vars[0])
                 * (EVENT_KEY_MAX + 2 + EVENT_VALUE_MAX)
               <= SPOOL_MAX_BYTES, "the largest event must fit the spool");

int oxt_event_kind(oxt_event_kind_t *pkind, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(known_events) / sizeof(known_events[0]); i++) {
        if (strcmp(known_events[i].name, name) == 0) {
            *pkind = known_events[i].kind;
            return 1;
        }
    }
    return 0;
}

int oxt_event_is_known(const char *name)
{
    oxt_event_kind_t kind;

    return oxt_event_kind(&kind, name);
}

static int event_var_kept(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof(kept_vars) / sizeof(kept_vars[0]); i++) {
        if (strcmp(kept_vars[i], key) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Values with line breaks could forge spool lines; names never have them. */
static void event_var_set(oxt_event_t *ev, const char *key,
                          const char *value, apr_pool_t *p)
{
    char *k = apr_pstrdup(p, key), *c;

    for (c = k; *c; c++) {
        *c = (char)apr_toupper(*c);
    }
    if (!event_var_kept(k) || value == NULL || *value == '\0'
        || strpbrk(value, "\r\n") != NULL
        || strlen(value) > EVENT_VALUE_MAX) {
        return;
    }
    apr_table_set(ev->vars, k, value);
}

/* getenv over an environment block: the first "key=" entry wins. */
static const char *event_env_get(const char *const *envp, const char *key)
{
    size_t n = strlen(key);

    for (; envp != NULL && *envp != NULL; envp++) {
        if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=') {
            return *envp + n + 1;
        }
    }
    return NULL;
}

apr_status_t oxt_event_make_env(oxt_event_t **pev, const char *name,
                                int argc, const char *const *argv,
                                const char *const *envp, apr_pool_t *p)
{
    oxt_event_t *ev = apr_pcalloc(p, sizeof(*ev));
    const char *eq;
    size_t i;
    int a;

    if (!oxt_event_is_known(name)) {
        return APR_ENOTIMPL;
    }
    ev->name = apr_pstrdup(p, name);
    ev->vars = apr_table_make(p, 4);
    for (i = 0; i < sizeof(kept_vars) / sizeof(kept_vars[0]); i++) {
        event_var_set(ev, kept_vars[i], event_env_get(envp, kept_vars[i]),
                      p);
    }
    /* The older template form passes "key=value" words; they win. */
    for (a = 0; a < argc; a++) {
        eq = strchr(argv[a], '=');
        if (eq != NULL) {
            event_var_set(ev, apr_pstrndup(p, argv[a],
                                           (apr_size_t)(eq - argv[a])),
                          eq + 1, p);
        }
    }
    *pev = ev;
    return APR_SUCCESS;
}

apr_status_t oxt_event_make(oxt_event_t **pev, const char *name, int argc,
                            const char *const *argv, apr_pool_t *p)
{
    return oxt_event_make_env(pev, name, argc, argv,
                              (const char *const *)environ, p);
}

/* ---- spool ------------------------------------------------------------------ */

typedef struct {
    char *text;
    apr_pool_t *p;
} spool_text_t;

static int spool_text_var(void *baton, const char *key, const char *value)
{
    spool_text_t *t = baton;

    t->text = apr_pstrcat(t->p, t->text, key, "=", value, "\n", NULL);
    return 1;
}

const char *oxt_event_spool_text(const oxt_event_t *ev, apr_pool_t *p)
{
    spool_text_t t;

    t.text = apr_pstrcat(p, "event=", ev->name, "\n", NULL);
    t.p = p;
    apr_table_do(spool_text_var, &t, ev->vars, NULL);
    return t.text;
}

static apr_status_t spool_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv;
}

apr_status_t oxt_event_spool_write(const oxt_event_t *ev, const char *dir,
                                   apr_pool_t *p)
{
    unsigned char rnd[6];
    const char *name, *tmp, *path;
    const char *text = oxt_event_spool_text(ev, p);
    apr_size_t len = strlen(text);
    apr_file_t *f;
    apr_status_t rv;

    /* Not oxt_crypto_random: OpenSSL's start (its configuration file)
     * cost more than the rest of an event handed to the daemon, and a
     * name needs no more than the kernel's random bytes. */
    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        memset(rnd, 0, sizeof(rnd));
    }
    /* Zero-padded microseconds first, so names sort in arrival order. */
    name = apr_psprintf(p, "%020" APR_INT64_T_FMT "-%ld-%02x%02x%02x%02x%02x"
                        "%02x", (apr_int64_t)apr_time_now(), (long)getpid(),
                        rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    tmp = apr_pstrcat(p, dir, "/.", name, ".tmp", NULL);
    path = apr_pstrcat(p, dir, "/", name, SPOOL_SUFFIX, NULL);
    rv = apr_file_open(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_EXCL
                       | APR_FOPEN_WRITE | APR_FOPEN_BUFFERED,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, text, len, NULL);
    if (rv == APR_SUCCESS) {
        rv = apr_file_flush(f);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        return rv;
    }
    /* The rename itself reaches the disk before the event counts as
     * recorded (Plesk forgets it once the handler exits). */
    return spool_sync_dir(dir);
}

apr_status_t oxt_event_spool_parse(oxt_event_t **pev, const char *buf,
                                   apr_size_t len, apr_pool_t *p)
{
    oxt_event_t *ev;
    char *text, *line, *next, *eq;
    const char *name = NULL;
    apr_status_t rv;

    if (len > SPOOL_MAX_BYTES) {
        return APR_EINVAL;
    }
    text = apr_pstrmemdup(p, buf, len);
    if (strncmp(text, "event=", 6) != 0) {
        return APR_EINVAL;
    }
    next = strchr(text, '\n');
    name = apr_pstrndup(p, text + 6, next ? (apr_size_t)(next - text - 6)
                                          : strlen(text + 6));
    /* The environment of the replaying process is not the event's. */
    rv = oxt_event_make_env(&ev, name, 0, NULL, NULL, p);
    if (rv != APR_SUCCESS) {
        return APR_EINVAL;
    }
    for (line = next ? next + 1 : NULL; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        eq = strchr(line, '=');
        if (eq != NULL) {
            *eq = '\0';
            event_var_set(ev, line, eq + 1, p);
        }
    }
    *pev = ev;
    return APR_SUCCESS;
}

/* Whoever can write the spool directory decides what is in it: a symlink
 * is never followed (a root run would read any file as a hint), a FIFO
 * never opened for blocking reads (it would hang every run), and only a
 * regular file of at most SPOOL_MAX_BYTES is read. */
apr_status_t oxt_event_spool_read_why(oxt_event_t **pev, const char *path,
                                      oxt_result_t *why, apr_pool_t *p)
{
    char *text;
    apr_size_t len;
    apr_status_t rv;

    rv = oxt_util_file_read_checked(&text, &len, path, SPOOL_MAX_BYTES, 0,
                                    why, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_event_spool_parse(pev, text, len, p);
        if (rv != APR_SUCCESS) {
            oxt_result_set(why, rv, "Not a spool file", "%s", path);
        }
    }
    return rv;
}

apr_status_t oxt_event_spool_read(oxt_event_t **pev, const char *path,
                                  apr_pool_t *p)
{
    return oxt_event_spool_read_why(pev, path, NULL, p);
}

static int spool_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

apr_status_t oxt_event_spool_list(apr_array_header_t **pnames,
                                  const char *dir, apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(const char *));
    apr_size_t slen = strlen(SPOOL_SUFFIX), n;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = apr_dir_open(&d, dir, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Every *.hint, whatever its type: the reader refuses what is no
     * regular file, and the replay sets it aside where people see it. */
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        n = strlen(fi.name);
        if (fi.name[0] != '.' && n > slen
            && strcmp(fi.name + n - slen, SPOOL_SUFFIX) == 0) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
        }
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *),
          spool_name_cmp);
    *pnames = names;
    return APR_SUCCESS;
}

/* ---- the daemon's hand-off ------------------------------------------------ */

static apr_status_t spool_lock_close(void *baton)
{
    close(*(const int *)baton);
    return APR_SUCCESS;
}

/* How many times the daemon tries for the hand-off lock, 1 ms apart. */
#define SPOOL_OWN_TRIES 200

apr_status_t oxt_event_spool_own(const char *dir, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/" OXT_EVENT_SPOOL_LOCK, NULL);
    int *pfd = apr_palloc(p, sizeof(*pfd));
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int tries = 0;
    apr_status_t rv;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    /* Every handler holds a shared lock for the moment it looks, so in a
     * burst one try often meets one; a handler's look is microseconds,
     * while failing here would leave the hand-off off for the session.
     * A few tries, never a blocking wait (a stream of shared locks could
     * starve it). Another daemon's lock stays held: EBUSY at the end. */
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || ++tries >= SPOOL_OWN_TRIES) {
            rv = errno == EWOULDBLOCK ? APR_EBUSY : APR_FROM_OS_ERROR(errno);
            close(fd);
            return rv;
        }
        apr_sleep(apr_time_from_msec(1));
    }
    /* Closing the descriptor (the pool's end, or the process's) lets the
     * handlers go back to the database. */
    *pfd = fd;
    apr_pool_cleanup_register(p, pfd, spool_lock_close,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

int oxt_event_spool_owned(const char *dir, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/" OXT_EVENT_SPOOL_LOCK, NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    int owned;

    if (fd < 0) {
        return 0;
    }
    owned = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return owned;
}

/* ---- the daemon's socket ---------------------------------------------- */

apr_status_t oxt_event_socket_addr(struct sockaddr_un *sa, const char *dir)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir,
                 OXT_EVENT_SOCKET);
    return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? APR_ENAMETOOLONG
                                                      : APR_SUCCESS;
}

/* A message is a spool file's text, ended by the sender's shutdown of
 * its side: complete only then, and only when its last line is whole (a
 * sender cut short never leaves half a name to be queued). */
apr_status_t oxt_event_msg_parse(oxt_event_t **pev, const char *buf,
                                 apr_size_t len, int eof, apr_pool_t *p)
{
    if (len > SPOOL_MAX_BYTES) {
        return APR_ENOSPC;
    }
    if (!eof) {
        return APR_INCOMPLETE;
    }
    if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\0', len) != NULL
        || oxt_event_spool_parse(pev, buf, len, p) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* 1 once fd is ready for events, 0 at the deadline or on an error. */
static int sock_wait(int fd, short events, apr_time_t deadline)
{
    struct pollfd pfd;
    apr_interval_time_t left;
    int n;

    for (;;) {
        left = deadline - apr_time_now();
        if (left <= 0) {
            return 0;
        }
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        n = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (n > 0) {
            return 1;
        }
        if (n < 0 && errno != EINTR) {
            return 0;
        }
    }
}

static apr_status_t sock_send_all(int fd, const char *text, apr_size_t len,
                                  apr_time_t deadline)
{
    ssize_t n;

    while (len > 0) {
        /* MSG_NOSIGNAL: a daemon gone mid-way is an error, not SIGPIPE. */
        n = send(fd, text, len, MSG_NOSIGNAL);
        if (n > 0) {
            text += n;
            len -= (apr_size_t)n;
        }
        else if (errno != EAGAIN && errno != EINTR) {
            return APR_FROM_OS_ERROR(errno);
        }
        else if (!sock_wait(fd, POLLOUT, deadline)) {
            return APR_TIMEUP;
        }
    }
    return shutdown(fd, SHUT_WR) == 0 ? APR_SUCCESS
                                      : APR_FROM_OS_ERROR(errno);
}

/* The answer: "ok\n" and nothing else is success. */
static apr_status_t sock_answer(int fd, apr_time_t deadline)
{
    char ans[8];
    apr_size_t got = 0;
    ssize_t n;

    for (;;) {
        n = recv(fd, ans + got, sizeof(ans) - got, 0);
        if (n > 0) {
            got += (apr_size_t)n;
            if (got == 3 && memcmp(ans, "ok\n", 3) == 0) {
                return APR_SUCCESS;
            }
            if (got >= 3 || memcmp(ans, "ok\n", got) != 0) {
                return APR_EGENERAL;   /* an error, or no answer of ours */
            }
        }
        else if (n == 0) {
            return APR_EOF;            /* closed without an answer */
        }
        else if (errno != EAGAIN && errno != EINTR) {
            return APR_FROM_OS_ERROR(errno);
        }
        else if (!sock_wait(fd, POLLIN, deadline)) {
            return APR_TIMEUP;
        }
    }
}

apr_status_t oxt_event_send(const oxt_event_t *ev, const char *dir,
                            apr_interval_time_t timeout, apr_pool_t *p)
{
    const char *text = oxt_event_spool_text(ev, p);
    apr_size_t len = strlen(text);
    apr_time_t deadline = apr_time_now() + timeout;
    struct sockaddr_un sa;
    apr_status_t rv = oxt_event_socket_addr(&sa, dir);
    int fd;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (len > SPOOL_MAX_BYTES) {
        return APR_ENOSPC;
    }
    /* Non-blocking: a daemon whose backlog is full refuses (EAGAIN) at
     * once rather than holding the handler. */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    else {
        rv = sock_send_all(fd, text, len, deadline);
    }
    if (rv == APR_SUCCESS) {
        rv = sock_answer(fd, deadline);
    }
    close(fd);
    return rv;
}

apr_status_t oxt_event_hand_off(const oxt_event_t *ev, const char *dir,
                                apr_pool_t *p)
{
    if (!oxt_event_spool_owned(dir, p)) {
        return APR_ENOENT;
    }
    /* Any failure of the socket (none, refused, a full backlog, no answer
     * in time, an error answer) falls back to the spool file, so no event
     * is lost. A hint the daemon committed whose answer came too late is
     * then spooled too: it is a hint, and the replay's row coalesces with
     * the committed one (one queue row per object). */
    if (oxt_event_send(ev, dir, OXT_EVENT_SEND_TIMEOUT, p) == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    return oxt_event_spool_write(ev, dir, p);
}
