/*
 * oxt_csv.h — writing CSV (RFC 4180) to a sink: the "Download Report" of
 * the service utilization reports.
 *
 * Fields are separated by ',' and records end with CR LF. A field that
 * holds '"', ',', CR or LF is quoted, with inner quotes doubled. Text is
 * UTF-8 (a byte that is not valid UTF-8 becomes U+FFFD); OXT_CSV_BOM
 * starts the file with a byte order mark, which spreadsheet programs need
 * to read it as UTF-8.
 *
 * Formula injection (CWE-1236): a spreadsheet runs a cell that starts with
 * '=', '+', '-' or '@' (and some also after a leading tab or CR), and
 * customers choose their names. Text fields that start with one of these
 * get a leading "'" and are quoted, as OWASP recommends, so "=HYPERLINK(...)"
 * shows as the text it is. Numbers written with oxt_csv_int are numbers
 * and are left alone ("-5" stays -5).
 *
 * Example — the report's CSV, streamed row by row:
 *
 *     oxt_csv_t *c = oxt_csv_make(sink, OXT_CSV_BOM, p);
 *     oxt_csv_field(c, "User name");  ...  oxt_csv_end_row(c);
 *     for each row:
 *         oxt_csv_field(c, row->name);
 *         oxt_csv_field(c, "Client");
 *         oxt_csv_int(c, row->webmail);  ...
 *         oxt_csv_end_row(c);
 *     rv = oxt_csv_finish(c);
 *
 * Writing allocates nothing: memory stays flat however many rows stream.
 */
#ifndef OXT_CSV_H
#define OXT_CSV_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_sink.h"

typedef struct oxt_csv_t oxt_csv_t;

/** Flags of oxt_csv_make. */
#define OXT_CSV_BOM 1          /* write U+FEFF first */

/** A writer to sink, in p. */
oxt_csv_t *oxt_csv_make(oxt_sink_t *sink, int flags, apr_pool_t *p);

/** A text field; NULL is an empty field. */
void oxt_csv_field(oxt_csv_t *c, const char *s);

/** A number field. */
void oxt_csv_int(oxt_csv_t *c, long long v);

/** Ends the record (CR LF). */
void oxt_csv_end_row(oxt_csv_t *c);

/**
 * APR_SUCCESS when everything reached the sink, else its failure; a
 * record left open is ended first.
 */
apr_status_t oxt_csv_finish(oxt_csv_t *c)
    __attribute__((warn_unused_result));

#endif /* OXT_CSV_H */
