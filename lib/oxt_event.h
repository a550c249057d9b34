/*
 * oxt_event.h — Plesk Event Manager events turned into queue hints.
 *
 * Plesk runs "oxtender-replicator event <name>" for each registered event
 * with the old and new values in NEW_* / OLD_* environment variables
 * (Plesk 9.5+), or, for the older template form, as "KEY=value" arguments
 * (docs/reference/plesk-events.md §3). An event is only a trigger: we keep
 * the names that identify the object, resolve them to stable Plesk ids,
 * and queue a hint. Passwords and every other value are dropped on the way
 * in.
 *
 * When the database cannot be reached the event is written to a spool
 * directory, one file per event, and the next run replays it. While a
 * daemon runs, the handler hands the event to it over a Unix socket in
 * the spool directory (oxt_event_hand_off), and the daemon group-commits
 * what its handlers sent; the spool file is the fallback.
 */
#ifndef OXT_EVENT_H
#define OXT_EVENT_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <sys/un.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

typedef struct oxt_event_t {
    const char *name;          /* e.g. "mailname_update" */
    apr_table_t *vars;         /* upper-case keys: NEW_MAILNAME, ... */
} oxt_event_t;

/** True when we act on events of this name. */
int oxt_event_is_known(const char *name);

/**
 * An event from argv ("KEY=value" words, keys folded to upper case) and
 * the environment (getenv). Only the identifying variables are kept.
 */
apr_status_t oxt_event_make(oxt_event_t **pev, const char *name, int argc,
                            const char *const *argv, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * As oxt_event_make, with the environment given as a NULL-terminated
 * block of "KEY=value" strings (envp may be NULL: no environment), so the
 * parser can be driven from memory (tests, fuzzing).
 */
apr_status_t oxt_event_make_env(oxt_event_t **pev, const char *name,
                                int argc, const char *const *argv,
                                const char *const *envp, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Resolves the event to stable ids and queues the hints (in the oxtender
 * database, db's default). An object that cannot be found is no error:
 * a delete of something never replicated needs nothing. *pqueued (may be
 * NULL) gets how many hints were queued.
 */
apr_status_t oxt_event_queue(int *pqueued, const oxt_event_t *ev,
                             const oxt_psa_t *psa, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Whether oxt_event_queue needs psa's capabilities for ev (an account
 * event: the shape of psa.clients), so that a handle from
 * oxt_psa_open_bare must be probed first (oxt_psa_probe).
 */
int oxt_event_needs_caps(const oxt_event_t *ev);

/**
 * Queues the events evs (oxt_event_t *) as oxt_event_queue would each,
 * in the caller's transaction: the mailbox events naming one ASCII
 * address (a bulk change's) resolved in one lookup and queued in one
 * upsert per 100, the rest one by one. The daemon's socket and the
 * spool's replay queue their batches with it.
 */
apr_status_t oxt_event_queue_many(const apr_array_header_t *evs,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The event as a spool file holds it ("event=NAME\n", then "KEY=value\n"
 *  for each kept variable), in p. */
const char *oxt_event_spool_text(const oxt_event_t *ev, apr_pool_t *p);

/** Writes the event to a new file in dir (atomically: temp + rename). */
apr_status_t oxt_event_spool_write(const oxt_event_t *ev, const char *dir,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Reads a spool file back: never through a symlink, never from a FIFO or
 * anything else that is no regular file, at most 8 KiB.
 */
apr_status_t oxt_event_spool_read(oxt_event_t **pev, const char *path,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Parses the len bytes of a spool file's text (need not be NUL
 * terminated); APR_EINVAL when it is no spool file of a known event.
 */
apr_status_t oxt_event_spool_parse(oxt_event_t **pev, const char *buf,
                                   apr_size_t len, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Replays every spool file of dir (oldest first) into the queue and
 * removes each once queued: up to OXT_EVENT_SPOOL_CHUNK files in one
 * transaction, their files removed only after its commit (a crash in
 * between replays them again; a hint coalesces with its own row, so
 * nothing is doubled). A file that cannot be parsed is renamed *.bad and
 * reported, never silently dropped. *pcount gets how many events were
 * replayed.
 */
apr_status_t oxt_event_spool_replay(int *pcount, const char *dir,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The daemon's hand-off: while a daemon holds dir's lock file
 * (OXT_EVENT_SPOOL_LOCK, an exclusive flock), the event handler writes
 * each event to the spool, which the daemon drains into the queue within
 * a poll, instead of connecting to the database itself (a connection, its
 * authentication and a commit per event cost more than the hint).
 * Takes the lock (never waiting) for as long as p lives; APR_EBUSY when
 * another process holds it, an error when dir has no such file and it
 * cannot be made. Never through a symlink.
 */
apr_status_t oxt_event_spool_own(const char *dir, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Whether a process holds dir's hand-off lock (oxt_event_spool_own): a
 * probe that leaves nothing behind. 0 when there is no lock file.
 */
int oxt_event_spool_owned(const char *dir, apr_pool_t *p);

/**
 * The daemon's socket in dir (OXT_EVENT_SOCKET) as an address;
 * APR_ENAMETOOLONG when the path does not fit.
 */
apr_status_t oxt_event_socket_addr(struct sockaddr_un *sa, const char *dir)
    __attribute__((warn_unused_result));

/**
 * A message of a handler to the daemon's socket: the event's spool text
 * (at most OXT_EVENT_SPOOL_MAX bytes), complete when the sender has shut
 * down its side (eof) and its last line is whole. APR_INCOMPLETE before
 * eof, APR_ENOSPC when too long, APR_EINVAL when it is no event we act
 * on (or a NUL, or a last line cut short).
 */
apr_status_t oxt_event_msg_parse(oxt_event_t **pev, const char *buf,
                                 apr_size_t len, int eof, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Sends the event to the daemon's socket in dir and waits, until
 * timeout, for its answer, which comes once the hint is committed:
 * APR_SUCCESS only on "ok". Without the database client: the event
 * front calls it.
 */
apr_status_t oxt_event_send(const oxt_event_t *ev, const char *dir,
                            apr_interval_time_t timeout, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The handler's hand-off while a daemon holds dir's lock: the event over
 * the daemon's socket (oxt_event_send), or, if that fails in any way,
 * to the spool (oxt_event_spool_write). APR_SUCCESS when the daemon has
 * it one way or the other; anything else (APR_ENOENT: no daemon) and the
 * caller queues it itself.
 */
apr_status_t oxt_event_hand_off(const oxt_event_t *ev, const char *dir,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

#define OXT_EVENT_SPOOL_LOCK  ".daemon.lock"
#define OXT_EVENT_SOCKET      ".daemon.sock"
#define OXT_EVENT_SPOOL_CHUNK 500
/* The largest spool file, and message to the socket. */
#define OXT_EVENT_SPOOL_MAX   8192
/* How long a handler waits for the daemon's answer (its group commit)
 * before it spools the event instead. */
#define OXT_EVENT_SEND_TIMEOUT apr_time_from_sec(3)

#endif /* OXT_EVENT_H */
