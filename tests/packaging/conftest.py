"""Fixtures of the packaging tests (tests/packaging/README.md).

Session scope, built once and shared:
  pkg_dir     tests/gen/pkg-XXXX, removed at the end unless a test failed
  built       version N of both packages (scripts/build-deb.sh, the tree)
  built_next  version N+1: N's built tree with a new VERSION, changelog
              entry and migration 9000, rebuilt without a clean
  lintian     lintian's output on N's .changes
  mariadb     a private MariaDB (harness.mariadb) for the migrations
  base_root   programs and libraries the throw-away roots share
Function scope:
  deb_root    a fresh throw-away root (debroot.DebRoot)
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import env                       # noqa: E402
from harness.mariadb import MariaDB           # noqa: E402

import debbuild                               # noqa: E402
from debroot import DebRoot                   # noqa: E402


def _need(*tools):
    for tool in tools:
        if env.which(tool) is None:
            pytest.skip("%s is not installed (scripts/install-deps.sh)"
                        % tool)


@pytest.fixture(scope="session")
def pkg_dir(request):
    path = env.make_run_dir(prefix="pkg-")
    yield path
    if request.session.testsfailed or os.environ.get("OXT_KEEP_GEN") == "1":
        print("\npackaging scratch kept in %s" % path)
    else:
        env.remove_tree(path)


@pytest.fixture(scope="session")
def built(pkg_dir):
    _need("dpkg-buildpackage", "dh", "fakeroot")
    b = debbuild.build_current(os.path.join(pkg_dir, "build-n"))
    print("\nbuilt version %s in %.0f s" % (b.version, b.seconds))
    return b


@pytest.fixture(scope="session")
def built_next(built, pkg_dir):
    b = debbuild.build_next(built, os.path.join(pkg_dir, "build-n1"))
    print("\nbuilt version %s in %.0f s" % (b.version, b.seconds))
    return b


@pytest.fixture(scope="session")
def lintian(built):
    _need("lintian")
    res = subprocess.run(["lintian", built.changes], capture_output=True,
                         text=True, timeout=600)
    return res


@pytest.fixture(scope="session")
def mariadb(pkg_dir):
    reason = MariaDB.available()
    if reason:
        pytest.skip(reason)
    db = MariaDB(os.path.join(pkg_dir, "mariadb"))
    db.start()
    yield db
    db.stop()


@pytest.fixture(scope="session")
def base_root(built, pkg_dir):
    reason = DebRoot.unavailable()
    if reason:
        pytest.skip(reason)
    # The replicator's own libraries, from the package itself.
    unpacked = os.path.join(pkg_dir, "unpacked")
    subprocess.run(["dpkg-deb", "-x", built.deb(debbuild.REPLICATOR_PKG),
                    unpacked], check=True)
    return DebRoot.make_base(os.path.join(pkg_dir, "base-root"), needs=[
        os.path.join(unpacked, "usr/sbin/oxtender-replicator"),
        os.path.join(unpacked, "usr/lib/oxtender/oxtender-replicator")])


@pytest.fixture
def deb_root(base_root, pkg_dir, request):
    name = "root-" + request.node.name.replace("/", "_")[:60]
    return base_root.clone(os.path.join(pkg_dir, name))
