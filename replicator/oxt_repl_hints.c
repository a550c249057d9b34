/*
 * oxt_repl_hints.c — the daemon's socket for the event handlers:
 * spool_dir/.daemon.sock, where a handler hands its event to the daemon
 * and waits for the hint's commit (docs/architecture.md, "Events hand off
 * to the daemon").
 *
 * A thread of its own, as the metrics endpoint (oxt_repl_httpd.c), with
 * its own database connection and psa handle: the engine's belong to the
 * engine's thread. It reads every handler's message (the event's spool
 * text, lib/oxt_event.h oxt_event_msg_parse: at most 8 KiB, within
 * HINTS_READ_TIMEOUT, never blocking on one peer) and group-commits:
 * whatever arrived while the previous commit ran is queued in one
 * transaction (oxt_event_queue_many), committed, and only then is each
 * of those handlers answered "ok". A handler that gets anything else, or
 * nothing in time, spools the event itself (oxt_event_hand_off), so a
 * hint is never lost; a peer that sends too much, too slowly or nothing
 * we act on is closed without an answer. After each commit the engine's
 * thread is woken (oxt_repl_hints_wait), so that it claims the hints at
 * once rather than at its next poll.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_thread_proc.h>
#include <apr_thread_mutex.h>
#include <apr_thread_cond.h>

#include "oxt_repl.h"
#include "oxt_event.h"
#include "oxt_log.h"
#include "oxt_status.h"

/* Handlers read at once; more wait in the listen backlog (and a handler
 * that finds even that full spools its event at once). */
#define HINTS_CONNS        64
#define HINTS_BACKLOG      512
/* A handler sends its few hundred bytes right after it connects. */
#define HINTS_READ_TIMEOUT apr_time_from_msec(500)
/* How long the thread waits for handlers before it looks at stop. */
#define HINTS_POLL_MS      200
/* After the first whole event, the thread waits this long for more
 * unless it has this many. */
#define HINTS_GATHER_MS    2
#define HINTS_GATHER_MAX   8
/* The thread's statements; a handler gives up after
 * OXT_EVENT_SEND_TIMEOUT anyway and spools. */
#define HINTS_DB_TIMEOUT_S 3
/* After a failed connect the handlers are refused at once for this long
 * (they spool) rather than each waiting for another try. */
#define HINTS_DB_RETRY     apr_time_from_msec(500)

typedef struct {
    int fd;                            /* -1: a free slot */
    apr_time_t deadline;
    apr_size_t len;
    const oxt_event_t *ev;             /* read whole, waiting for a commit */
    char buf[OXT_EVENT_SPOOL_MAX + 1]; /* one more: "too long" is seen */
} hints_conn_t;

struct oxt_repl_hints_t {
    const oxt_config_t *cfg;
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    dev_t dev;                         /* our socket file, removed at the */
    ino_t ino;                         /* end only if it is still ours */
    apr_thread_t *thread;
    volatile apr_uint32_t stop;
    /* Hints committed since the engine last looked, under mx. */
    apr_thread_mutex_t *mx;
    apr_thread_cond_t *cv;
    int committed;
    /* The thread's own. */
    hints_conn_t conns[HINTS_CONNS];
    int nconns;
    apr_pool_t *dbp;                   /* the connection's */
    oxt_db_t *db;
    oxt_psa_t *psa;
    apr_time_t db_failed;              /* when the last connect failed */
    int failing;                       /* said once until a commit works */
};

/* ---- a handler's connection ------------------------------------------- */

static void hints_close(oxt_repl_hints_t *h, hints_conn_t *c)
{
    close(c->fd);
    c->fd = -1;
    c->ev = NULL;
    h->nconns--;
}

/* Only the daemon's own user, or root, hands us events (the socket's mode
 * says so already; this holds also where a file system ignores it). */
static int hints_peer_ok(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0
           && (cred.uid == 0 || cred.uid == geteuid());
}

/* Reads what the peer has sent; a whole event waits for the commit, a
 * message that is too long or no event of ours is closed unanswered. */
static void hints_read(oxt_repl_hints_t *h, hints_conn_t *c, apr_pool_t *bp)
{
    oxt_event_t *ev;
    ssize_t n;
    apr_status_t rv = APR_INCOMPLETE;

    while (c->ev == NULL && rv == APR_INCOMPLETE) {
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;                    /* the rest later (or never) */
        }
        if (n < 0) {
            hints_close(h, c);
            return;
        }
        c->len += (apr_size_t)n;
        rv = oxt_event_msg_parse(&ev, c->buf, c->len, n == 0, bp);
        if (rv == APR_SUCCESS) {
            c->ev = ev;
        }
        else if (rv != APR_INCOMPLETE) {
            hints_close(h, c);
        }
    }
}

static void hints_accept(oxt_repl_hints_t *h, apr_pool_t *bp)
{
    hints_conn_t *c;
    int fd, i;

    while (h->nconns < HINTS_CONNS) {
        fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;                    /* EAGAIN: nobody else waits */
        }
        if (!hints_peer_ok(fd)) {
            close(fd);
            continue;
        }
        for (i = 0, c = NULL; i < HINTS_CONNS && c == NULL; i++) {
            if (h->conns[i].fd < 0) {
                c = &h->conns[i];
            }
        }
        if (c == NULL) {               /* cannot be: nconns counts them */
            close(fd);
            return;
        }
        c->fd = fd;
        c->len = 0;
        c->ev = NULL;
        c->deadline = apr_time_now() + HINTS_READ_TIMEOUT;
        h->nconns++;
        /* A handler sends as soon as it is connected: most often it is
         * all there already. */
        hints_read(h, c, bp);
    }
}

/* Waits for handlers and their data, no longer than wait_ms and the
 * first deadline; then reads, accepts and drops who is late. */
static void hints_poll(oxt_repl_hints_t *h, int wait_ms, apr_pool_t *bp)
{
    struct pollfd pfd[HINTS_CONNS + 1];
    hints_conn_t *map[HINTS_CONNS + 1];
    apr_time_t now = apr_time_now(), first = now + apr_time_from_msec(
                         wait_ms);
    int i, n = 0;

    for (i = 0; i < HINTS_CONNS; i++) {
        hints_conn_t *c = &h->conns[i];

        if (c->fd >= 0 && c->ev == NULL) {
            pfd[n].fd = c->fd;
            pfd[n].events = POLLIN;
            map[n++] = c;
            first = c->deadline < first ? c->deadline : first;
        }
    }
    if (h->nconns < HINTS_CONNS) {
        pfd[n].fd = h->listen_fd;
        pfd[n].events = POLLIN;
        map[n++] = NULL;
    }
    if (poll(pfd, (nfds_t)n, first > now ? (int)((first - now + 999) / 1000)
                                         : 0) <= 0) {
        n = 0;
    }
    for (i = 0; i < n; i++) {
        if (pfd[i].revents != 0 && map[i] != NULL) {
            hints_read(h, map[i], bp);
        }
    }
    for (i = 0; i < n; i++) {
        if (pfd[i].revents != 0 && map[i] == NULL) {
            hints_accept(h, bp);
        }
    }
    now = apr_time_now();
    for (i = 0; i < HINTS_CONNS; i++) {
        if (h->conns[i].fd >= 0 && h->conns[i].ev == NULL
            && h->conns[i].deadline <= now) {
            hints_close(h, &h->conns[i]);      /* too slow: no answer */
        }
    }
}

/* ---- the group commit ------------------------------------------------- */

/* How many handlers have sent a whole event. */
static int hints_ready(const oxt_repl_hints_t *h)
{
    int i, n = 0;

    for (i = 0; i < HINTS_CONNS; i++) {
        n += h->conns[i].fd >= 0 && h->conns[i].ev != NULL;
    }
    return n;
}

static apr_status_t hints_db(oxt_repl_hints_t *h, oxt_result_t *res)
{
    oxt_db_params_t params;
    apr_status_t rv;

    if (h->db != NULL) {
        return APR_SUCCESS;
    }
    if (h->db_failed != 0
        && apr_time_now() - h->db_failed < HINTS_DB_RETRY) {
        return oxt_result_set(res, OXT_EDBCONN, "No database",
                              "the last connect failed just now");
    }
    oxt_db_params_from_config(&params, h->cfg);
    params.connect_timeout = HINTS_DB_TIMEOUT_S;
    params.read_timeout = HINTS_DB_TIMEOUT_S;
    rv = oxt_db_open(&h->db, &params, res, h->dbp);
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&h->psa, h->db, h->cfg, res, h->dbp);
    }
    if (rv != APR_SUCCESS) {
        apr_pool_clear(h->dbp);
        h->db = NULL;
        h->db_failed = apr_time_now();
    }
    return rv;
}

static void hints_db_drop(oxt_repl_hints_t *h)
{
    apr_pool_clear(h->dbp);
    h->db = NULL;
    h->psa = NULL;
}

/* A kept connection the server dropped meanwhile (its wait_timeout after
 * hours without events, a restart, a KILL) fails at the transaction's
 * start: then once more on a new one, so that the handlers of that
 * batch are not sent to the spool, and the thread never keeps a dead
 * connection (reconnecting is ours: the client library's is off). */
static apr_status_t hints_begin(oxt_repl_hints_t *h, oxt_result_t *res)
{
    int kept = h->db != NULL;
    apr_status_t rv = hints_db(h, res);

    rv = rv == APR_SUCCESS ? oxt_db_begin(h->db, res) : rv;
    if (rv != APR_SUCCESS && kept && h->db != NULL) {
        hints_db_drop(h);
        rv = hints_db(h, res);
        rv = rv == APR_SUCCESS ? oxt_db_begin(h->db, res) : rv;
    }
    if (rv != APR_SUCCESS && h->db != NULL) {
        hints_db_drop(h);
    }
    return rv;
}

static apr_status_t hints_queue(oxt_repl_hints_t *h,
                                const apr_array_header_t *evs,
                                oxt_result_t *res, apr_pool_t *bp)
{
    apr_status_t rv = hints_begin(h, res);

    if (rv == APR_SUCCESS) {
        rv = oxt_event_queue_many(evs, h->psa, h->db, res, bp);
        rv = rv == APR_SUCCESS ? oxt_db_commit(h->db, res) : rv;
        if (rv != APR_SUCCESS) {
            oxt_db_rollback(h->db);
            /* Whatever went wrong, the next batch starts afresh. */
            hints_db_drop(h);
        }
    }
    return rv;
}

static void hints_tell(oxt_repl_hints_t *h, apr_status_t rv, int n,
                       apr_time_t t0, oxt_result_t *res, apr_pool_t *bp)
{
    if (rv == APR_SUCCESS) {
        if (h->failing) {
            oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                           OXTLOGNO(04903) "event handlers' hints are"
                           " committed again");
        }
        h->failing = 0;
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                       OXTLOGNO(04904) "%d handlers' hints committed in"
                       " %.1f ms", n,
                       (double)(apr_time_now() - t0) / 1000.0);
    }
    else if (!h->failing) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, rv, OXTLOGNO(04905)
                       "event handlers spool their events: %s",
                       oxt_result_text(res, bp));
        h->failing = 1;
    }
}

/* Queues every whole event in one transaction, then answers their
 * handlers: "ok" once committed, else "error" (they spool). */
static void hints_commit(oxt_repl_hints_t *h, apr_pool_t *bp)
{
    apr_array_header_t *evs = apr_array_make(bp, h->nconns,
                                             sizeof(const oxt_event_t *));
    oxt_result_t *res = oxt_result_make(bp);
    apr_time_t t0 = apr_time_now();
    const char *answer;
    int i;
    apr_status_t rv;

    for (i = 0; i < HINTS_CONNS; i++) {
        if (h->conns[i].fd >= 0 && h->conns[i].ev != NULL) {
            APR_ARRAY_PUSH(evs, const oxt_event_t *) = h->conns[i].ev;
        }
    }
    if (evs->nelts == 0) {
        return;
    }
    rv = hints_queue(h, evs, res, bp);
    answer = rv == APR_SUCCESS ? "ok\n" : "error\n";
    for (i = 0; i < HINTS_CONNS; i++) {
        if (h->conns[i].fd >= 0 && h->conns[i].ev != NULL) {
            /* A few bytes into an empty socket buffer: never blocks. A
             * handler gone meanwhile spooled its event (it coalesces). */
            (void)!send(h->conns[i].fd, answer, strlen(answer),
                        MSG_NOSIGNAL | MSG_DONTWAIT);
            hints_close(h, &h->conns[i]);
        }
    }
    hints_tell(h, rv, evs->nelts, t0, res, bp);
    if (rv == APR_SUCCESS) {
        apr_thread_mutex_lock(h->mx);
        h->committed += evs->nelts;
        apr_thread_cond_signal(h->cv);
        apr_thread_mutex_unlock(h->mx);
    }
}

/* ---- the thread ------------------------------------------------------- */

static void *APR_THREAD_FUNC hints_main(apr_thread_t *thread, void *data)
{
    oxt_repl_hints_t *h = data;
    apr_pool_t *tp, *bp;
    sigset_t block;
    int i;

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    /* A pool of its own allocator: nothing shared with the other threads.
     * The connection in one child, each batch's events in another. */
    (void)thread;
    if (apr_pool_create_unmanaged_ex(&tp, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_create(&h->dbp, tp);
    apr_pool_create(&bp, tp);
    oxt_db_thread_begin();
    while (!apr_atomic_read32(&h->stop)) {
        hints_poll(h, HINTS_POLL_MS, bp);
        /* A moment for more handlers, so that a commit (a disk flush,
         * for the server and the engine's own commits) carries more. */
        if (hints_ready(h) > 0 && hints_ready(h) < HINTS_GATHER_MAX) {
            hints_poll(h, HINTS_GATHER_MS, bp);
        }
        hints_commit(h, bp);
        /* Every whole event was answered: what bp holds is done with
         * (the handlers still sending have only their buffers). */
        apr_pool_clear(bp);
    }
    for (i = 0; i < HINTS_CONNS; i++) {
        if (h->conns[i].fd >= 0) {
            hints_close(h, &h->conns[i]);
        }
    }
    apr_pool_destroy(tp);              /* the connection with it */
    oxt_db_thread_end();
    /* A return, not apr_thread_exit: its pthread_exit unwinds past this
     * frame and leaves it poisoned for ASan, which then takes the thread's
     * own exit (its TSD destructors, in that stack) for an overflow. */
    return NULL;
}

static apr_status_t hints_cleanup(void *data)
{
    oxt_repl_hints_t *h = data;
    apr_status_t trv;
    struct stat st;

    apr_atomic_set32(&h->stop, 1);
    apr_thread_join(&trv, h->thread);
    close(h->listen_fd);
    if (lstat(h->path, &st) == 0 && st.st_dev == h->dev
        && st.st_ino == h->ino) {
        unlink(h->path);
    }
    return APR_SUCCESS;
}

/* Listens on the socket in dir, replacing a stale one (a daemon that
 * died leaves its file; we hold the daemon's lock, so it is no one's). */
static apr_status_t hints_listen(oxt_repl_hints_t *h, const char *dir,
                                 oxt_result_t *res)
{
    struct sockaddr_un sa;
    struct stat st;
    mode_t mask;
    int rc;
    apr_status_t rv = oxt_event_socket_addr(&sa, dir);

    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot take the handlers' events",
                              "%s/" OXT_EVENT_SOCKET ": the path is too"
                              " long", dir);
    }
    memcpy(h->path, sa.sun_path, sizeof(h->path));
    h->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK
                          | SOCK_CLOEXEC, 0);
    if (h->listen_fd < 0) {
        return oxt_result_set(res, APR_FROM_OS_ERROR(errno), "Cannot take"
                              " the handlers' events", "no socket");
    }
    if (unlink(h->path) != 0 && errno != ENOENT) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv == APR_SUCCESS) {
        /* bind makes the file with 0777 less the umask, so under 0177
         * it is 0600 from the start (connecting needs write permission
         * on it), never wider for a moment as a chmod after bind would
         * leave it. The umask is the process's, not this thread's: the
         * metrics endpoint's thread (metrics_listen) runs already
         * (daemon_endpoint starts it first), and a file it made
         * meanwhile would get 0600 at most too (narrower, never wider);
         * it makes none, it serves a TCP socket. */
        mask = umask(0177);
        rc = bind(h->listen_fd, (const struct sockaddr *)&sa, sizeof(sa));
        umask(mask);
        rv = rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
    }
    if (rv == APR_SUCCESS && (listen(h->listen_fd, HINTS_BACKLOG) != 0
                              || lstat(h->path, &st) != 0)) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        close(h->listen_fd);
        return oxt_result_set(res, rv, "Cannot take the handlers' events",
                              "listening on %s", h->path);
    }
    h->dev = st.st_dev;
    h->ino = st.st_ino;
    return APR_SUCCESS;
}

apr_status_t oxt_repl_hints_start(oxt_repl_hints_t **ph, oxt_repl_t *repl,
                                  oxt_result_t *res)
{
    oxt_repl_hints_t *h = apr_pcalloc(repl->p, sizeof(*h));
    int i;
    apr_status_t rv;

    *ph = NULL;
    h->cfg = repl->cfg;
    for (i = 0; i < HINTS_CONNS; i++) {
        h->conns[i].fd = -1;
    }
    rv = hints_listen(h, repl->cfg->spool_dir, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_thread_mutex_create(&h->mx, APR_THREAD_MUTEX_DEFAULT, repl->p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&h->cv, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&h->thread, NULL, hints_main, h, repl->p);
    }
    if (rv != APR_SUCCESS) {
        close(h->listen_fd);
        unlink(h->path);
        return oxt_result_set(res, rv, "Cannot take the handlers' events",
                              "no thread");
    }
    /* Stopped and joined before the pool's children go. */
    apr_pool_pre_cleanup_register(repl->p, h, hints_cleanup);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                   OXTLOGNO(04901) "event handlers' hints on %s", h->path);
    *ph = h;
    return APR_SUCCESS;
}

int oxt_repl_hints_wait(oxt_repl_hints_t *h, apr_interval_time_t max)
{
    int woken;

    if (h == NULL) {
        apr_sleep(max);
        return 0;
    }
    apr_thread_mutex_lock(h->mx);
    if (h->committed == 0) {
        apr_thread_cond_timedwait(h->cv, h->mx, max);
    }
    woken = h->committed > 0;
    h->committed = 0;
    apr_thread_mutex_unlock(h->mx);
    return woken;
}
