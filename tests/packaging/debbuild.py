"""Building the packages for the tests: version N from the tree with
scripts/build-deb.sh (what `make deb` runs), and version N+1 from a copy of
that built tree with a new VERSION, a changelog entry and one more
migration, built without a clean so only what changed is recompiled.

    built = build_current(workdir)          # Built(version, debs, changes)
    nxt = build_next(built, workdir2)       # N+1, migration nxt.migration
"""
import glob
import os
import shutil
import subprocess
import time

from harness import env

BUILD_SCRIPT = os.path.join(env.TOP, "scripts", "build-deb.sh")
MODULE_PKG = "libapache2-mod-oxtender"
REPLICATOR_PKG = "oxtender-replicator"
# Far above any real migration number, and never committed: it exists only
# in the copy of the tree that version N+1 is built from.
NEXT_MIGRATION = "9000_packaging_probe.sql"
NEXT_MIGRATION_SQL = """-- Only in the packages tests/packaging builds as "the next version".
CREATE TABLE IF NOT EXISTS packaging_probe (
  id INT NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
"""


class BuildError(RuntimeError):
    pass


class Built:
    def __init__(self, version, outdir, src, seconds):
        self.version = version
        self.outdir = outdir
        self.src = src                  # the built tree (kept)
        self.seconds = seconds
        self.migration = None

    def deb(self, package):
        path = os.path.join(self.outdir, "%s_%s_%s.deb" % (
            package, self.version, deb_arch()))
        if not os.path.isfile(path):
            raise BuildError("%s was not built (have: %s)" % (
                path, os.listdir(self.outdir)))
        return path

    @property
    def changes(self):
        return os.path.join(self.outdir, "mod-oxtender_%s_%s.changes" % (
            self.version, deb_arch()))


def deb_arch():
    return subprocess.run(["dpkg", "--print-architecture"], check=True,
                          capture_output=True, text=True).stdout.strip()


def tree_version(top=env.TOP):
    with open(os.path.join(top, "VERSION")) as f:
        return f.read().strip()


def changelog_version(top=env.TOP):
    return subprocess.run(["dpkg-parsechangelog", "-l",
                           os.path.join(top, "debian", "changelog"),
                           "-SVersion"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _log_failure(what, res, log):
    with open(log, "w") as f:
        f.write(res.stdout + res.stderr)
    raise BuildError("%s failed (exit %d); log %s:\n%s" % (
        what, res.returncode, log, env.tail(log, 40)))


def build_current(workdir):
    """Version N, the tree as it is, with scripts/build-deb.sh."""
    out = os.path.join(workdir, "out")
    start = time.monotonic()
    res = subprocess.run([BUILD_SCRIPT, "--work", workdir, out],
                         capture_output=True, text=True, timeout=1200,
                         stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        _log_failure("scripts/build-deb.sh", res,
                     os.path.join(workdir, "build.log"))
    return Built(tree_version(), out, os.path.join(workdir, "src"),
                 time.monotonic() - start)


# What a build leaves in debian/ that would make dh skip or repeat steps.
_DH_STATE = ("debian/.debhelper", "debian/debhelper-build-stamp",
             "debian/files", "debian/tmp", "debian/" + MODULE_PKG,
             "debian/" + REPLICATOR_PKG)


def _changelog_entry(src, version):
    with open(os.path.join(src, "debian", "changelog")) as f:
        old = f.read()
    maint = subprocess.run(["dpkg-parsechangelog", "-l",
                            os.path.join(src, "debian", "changelog"),
                            "-SMaintainer"], check=True, capture_output=True,
                           text=True).stdout.strip()
    entry = ("mod-oxtender (%s) unstable; urgency=medium\n\n"
             "  * Test build of tests/packaging: one more migration.\n\n"
             " -- %s  %s\n\n" % (version, maint,
                                 time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                               time.gmtime())))
    with open(os.path.join(src, "debian", "changelog"), "w") as f:
        f.write(entry + old)


def build_next(built, workdir):
    """Version N+1: a copy of N's built tree (timestamps kept, so make
    rebuilds only what the new VERSION touches) with one more migration."""
    src = os.path.join(workdir, "src")
    shutil.copytree(built.src, src, symlinks=True)
    for rel in _DH_STATE:
        path = os.path.join(src, rel)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
    for path in glob.glob(os.path.join(src, "debian", "*.substvars")) + \
            glob.glob(os.path.join(src, "debian", "*.debhelper.log")):
        os.unlink(path)
    version = built.version + "+pkgtest1"
    with open(os.path.join(src, "VERSION"), "w") as f:
        f.write(version + "\n")
    _changelog_entry(src, version)
    with open(os.path.join(src, "sql", "oxtender", NEXT_MIGRATION), "w") as f:
        f.write(NEXT_MIGRATION_SQL)
    start = time.monotonic()
    res = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b", "-nc",
                          "-J%d" % (os.cpu_count() or 1)], cwd=src,
                         capture_output=True, text=True, timeout=1200,
                         stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        _log_failure("dpkg-buildpackage (version N+1)", res,
                     os.path.join(workdir, "build.log"))
    nxt = Built(version, workdir, src, time.monotonic() - start)
    nxt.migration = NEXT_MIGRATION
    return nxt
