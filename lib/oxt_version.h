/*
 * oxt_version.h — the product's version, for --version, the module's
 * server token and the packages.
 *
 * The one source is the VERSION file at the top of the tree: the Makefile
 * compiles its text into oxt_version.c (and rebuilds that file alone when
 * VERSION changes); debian/rules refuses to build a package whose
 * debian/changelog names another version.
 */
#ifndef OXT_VERSION_H
#define OXT_VERSION_H

/** The version, e.g. "0.1.0"; a static string. */
const char *oxt_version(void);

#endif /* OXT_VERSION_H */
