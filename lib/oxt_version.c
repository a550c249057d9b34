/*
 * oxt_version.c — see oxt_version.h.
 */
#include "oxt_version.h"

/* Set by the Makefile from the VERSION file; a build without it is a
 * build of nothing in particular, so refuse it. */
#ifndef OXT_VERSION_STRING
#error "OXT_VERSION_STRING is not defined (the Makefile sets it from VERSION)"
#endif

const char *oxt_version(void)
{
    return OXT_VERSION_STRING;
}
