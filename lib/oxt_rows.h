/*
 * oxt_rows.h — rows of one INSERT, kept in memory and written as
 * multi-row statements.
 *
 * The replicator writes a few rows for every OX operation (its intent,
 * its outcome, its log row). One statement per row costs a round trip to
 * the server each, and on the engine's one thread those round trips,
 * not the rows, were what a turn spent its time on. A turn's rows of one
 * shape are therefore collected here and written together when the turn
 * commits (oxt_store.c): INSERT ... VALUES (...), (...), ... with the
 * rows in the order they were added, so an ON DUPLICATE KEY UPDATE sees
 * them as it would have seen the single statements one after the other.
 *
 * A shape is the statement's text in three parts, so the caller's SQL
 * stays in one place (the module that owns the table): head ("INSERT
 * INTO t (a, b) VALUES "), one row's tuple ("(?, ?)", any number of
 * placeholders, NOW() and constants allowed) and tail, the text after
 * the rows (e.g. " ON DUPLICATE KEY UPDATE n = n + VALUES(n)"), "" for
 * none. Values are bound parameters, never SQL text.
 *
 * A write uses a few statement texts only (1 to 32 rows, and 64), so
 * the connection's prepared-statement cache keeps them: a turn's 30 rows
 * are one statement, 100 are three. A chunk also stays under
 * OXT_ROWS_CHUNK_BYTES of values (a log row may carry a debugging copy of
 * a request).
 */
#ifndef OXT_ROWS_H
#define OXT_ROWS_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_db.h"

/** The most rows one statement writes. */
#define OXT_ROWS_CHUNK_MAX 64
/** The most bytes of values one statement carries (a single bigger row
 *  goes alone). */
#define OXT_ROWS_CHUNK_BYTES (1024 * 1024)

typedef struct oxt_rows_shape_t {
    const char *head;           /* up to and with "VALUES " */
    const char *tuple;          /* one row: "(?, ?, NOW())" */
    const char *tail;           /* after the rows; "" for none */
    int ncols;                  /* how many "?" the tuple holds */
} oxt_rows_shape_t;

typedef struct oxt_rows_t oxt_rows_t;

/** Empty rows of shape (which must outlive them), in a child pool of p. */
oxt_rows_t *oxt_rows_make(const oxt_rows_shape_t *shape, apr_pool_t *p);

/** Appends one row: args[0 .. nargs) are copied, strings included;
 *  APR_EINVAL (nothing added) when nargs is not the shape's ncols. */
apr_status_t oxt_rows_add(oxt_rows_t *rows, const oxt_db_arg_t *args,
                          int nargs)
    __attribute__((warn_unused_result));

/** How many rows wait. */
int oxt_rows_count(const oxt_rows_t *rows);

/** Writes every row on db, in order, then empties rows (also on a
 *  failure: what was not written is dropped; the caller rolls back).
 *  ptemp holds the statements' bindings. */
apr_status_t oxt_rows_write(oxt_rows_t *rows, oxt_db_t *db,
                            oxt_result_t *res, apr_pool_t *ptemp)
    __attribute__((warn_unused_result));

/** Drops every row. */
void oxt_rows_clear(oxt_rows_t *rows);

/** The statement of n rows of shape (1 <= n), in p. */
const char *oxt_rows_sql(const oxt_rows_shape_t *shape, int n, apr_pool_t *p);

/** How many rows the next statement takes of n waiting rows whose value
 *  sizes are bytes[0 .. n): all of them up to 16, else the biggest of 64,
 *  32 and 16 that n allows; fewer while they carry more than
 *  OXT_ROWS_CHUNK_BYTES (at least 1). */
int oxt_rows_chunk(const apr_size_t *bytes, int n);

#endif /* OXT_ROWS_H */
