"""Fixtures of the integration suite (pyhttpd style, see
/work/shared/ref/style.md §2d and §6 rules 9 and 14).

Session scope: `mariadb` (a private MariaDB, stopped at the end even when
tests fail). More fixtures follow in this file as the harness grows.
"""
import os

import pytest

from harness import env
from harness.mariadb import MariaDB


@pytest.fixture(scope="session")
def run_dir(request):
    """tests/gen/run-XXXX: scratch space of this session; removed at the end
    unless a test failed or OXT_KEEP_GEN=1 (then its path is printed)."""
    path = env.make_run_dir()
    yield path
    if request.session.testsfailed or os.environ.get("OXT_KEEP_GEN") == "1":
        print("\nintegration scratch kept in %s" % path)
    else:
        env.remove_tree(path)


@pytest.fixture(scope="session")
def mariadb(run_dir):
    """A private MariaDB: unix socket in run_dir and 127.0.0.1:<free port>,
    root without password on the socket. API: harness/mariadb.py."""
    reason = MariaDB.available()
    if reason:
        pytest.skip(reason)
    db = MariaDB(os.path.join(run_dir, "mariadb"))
    db.start()
    yield db
    db.stop()
