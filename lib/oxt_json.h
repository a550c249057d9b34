/*
 * oxt_json.h — writing JSON text (the "?format=json" twin of every page,
 * the replicator's --json output).
 */
#ifndef OXT_JSON_H
#define OXT_JSON_H

#include <apr_pools.h>

/**
 * s as a JSON string literal, quotes included; NULL gives null. Control
 * characters, quotes and backslashes are escaped, and so are < > & so the
 * text is also safe inside an HTML script block. Invalid UTF-8 bytes become
 * U+FFFD. Result lives in p.
 */
const char *oxt_json_str(const char *s, apr_pool_t *p);

#endif /* OXT_JSON_H */
