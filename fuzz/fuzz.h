/*
 * fuzz.h — shared by the libFuzzer harnesses (fuzz/fuzz_<name>.c) and the
 * seed replayer (fuzz/replay.c). The build force-includes it into every
 * harness (-include), so a harness needs no prototype of its own.
 *
 * A harness defines LLVMFuzzerTestOneInput and may define
 * LLVMFuzzerInitialize; it gets a fresh pool per input from fuzz_pool()
 * and must destroy it before returning, so memory does not grow over
 * millions of inputs.
 */
#ifndef OXT_FUZZ_H
#define OXT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "oxt_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline int fuzz_log_level(void *baton, int level)
{
    (void)baton;
    (void)level;
    return 0;
}

/* A fresh pool for one input. The first call initialises APR and turns
 * logging off: a fuzzer's output is its findings, not our log lines. */
static inline apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *root;
    apr_pool_t *p;

    if (root == NULL) {
        apr_initialize();
        apr_pool_create(&root, NULL);
        oxt_log_set(fuzz_log_level, NULL, NULL);
    }
    apr_pool_create(&p, root);
    return p;
}

static inline int fuzz_visit(void *baton, const char *key,
                             const char *value)
{
    *(volatile size_t *)baton += strlen(key) + strlen(value);
    return 1;
}

/* Reads every entry of a parser's result table, so ASan sees any bad
 * string it left there. */
static inline size_t fuzz_table_walk(const apr_table_t *t)
{
    volatile size_t n = 0;

    apr_table_do(fuzz_visit, (void *)&n, t, NULL);
    return n;
}

#endif /* OXT_FUZZ_H */
