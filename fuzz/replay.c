/*
 * replay.c — runs a fuzz harness once over each file named on the command
 * line (or every file of a directory), without libFuzzer. make check
 * builds every fuzz/fuzz_*.c with it and the ordinary compiler and replays
 * the harness's seed corpus: the harnesses keep compiling, every corpus
 * exists and no seed crashes (under SANITIZE=1 with ASan and UBSan).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Optional in a harness, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (1024 * 1024)

static int replay_file(const char *path)
{
    static unsigned char buf[REPLAY_MAX_INPUT];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        perror(path);
        return 1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    /* A copy of exactly n bytes: ASan then sees reads past the input. */
    {
        unsigned char *copy = malloc(n ? n : 1);

        if (copy == NULL) {
            return 1;
        }
        memcpy(copy, buf, n);
        LLVMFuzzerTestOneInput(copy, n);
        free(copy);
    }
    return 0;
}

static int replay_dir(const char *dir, int *pcount)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int rc = 0;

    if (d == NULL) {
        perror(dir);
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        rc |= replay_file(path);
        (*pcount)++;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    struct stat st;
    int i, rc = 0, count = 0;

    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (i = 1; i < argc; i++) {
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            rc |= replay_dir(argv[i], &count);
        }
        else {
            rc |= replay_file(argv[i]);
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no seed inputs (an empty corpus?)\n");
        return 1;
    }
    printf("replay: %d inputs, no crash\n", count);
    return rc;
}
