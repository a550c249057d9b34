"""The database connection's idle hook (lib/oxt_db.c, oxt_db_set_idle)
against the real server: the replicator's session pumps its OX
connections through it while it reads and writes between the engine's
turns (replicator/oxt_repl_session.c), so it must run after every
statement and during a long read on the thread that set it, and never
for a statement another thread makes on the connection (the engine's
commits run on a thread of their own, while the engine's thread drives
the SOAP client). tests/corecli counts the calls.
"""
from harness.plesk import make_plesk, plesk  # noqa: F401


def test_idle_hook_runs_after_statements_on_its_own_thread_only(plesk):
    rc, out = plesk.core("db-idle", expect_rc=0)
    assert out["rows"] == 600
    # one statement
    assert out["after_select"] == 1
    # its execution, then every 256 rows of the 600 (256, 512)
    assert out["after_read"] == 1 + 3
    # START TRANSACTION and COMMIT
    assert out["after_transaction"] == 4 + 2
    # a statement of another thread on the same connection: not counted
    assert out["after_other_thread"] == 6
    # unset: nothing more
    assert out["after_unset"] == 6
