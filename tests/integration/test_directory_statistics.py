"""After a directory pass that filled (or emptied) a tenth of the lists'
rows, the optimizer's statistics of the directory's tables are those of
the rows (oxt_dir_analyze_if_moved): InnoDB would take them itself, but seconds
later in the background, and not at all when the server stopped first;
with "0 rows" for dir_domain a narrow search walked the whole name index
(bench/lists.py at 100k: 17 ms of the server per page, 0.3 ms after)."""
import os

import pytest

from harness.site import Site

TABLES = ("dir_domain", "dir_account", "dir_term", "dir_mailbox",
          "dir_mailbox_term")


@pytest.fixture(scope="module")
def fresh(run_dir, mariadb):
    site = Site(os.path.join(run_dir, "site-dirstats"), mariadb, flavour=9,
                psa_db="psa_dirstats", oxtender_db="oxt_dirstats")
    site.build(resellers=3, clients=20, domains=300, mailboxes=900)
    site.migrate()
    return site


def stats(site):
    return {t: int(n) for t, n in site.oxt(
        "SELECT table_name, n_rows FROM mysql.innodb_table_stats WHERE"
        " database_name = '%s' AND table_name IN (%s)" % (
            site.oxtender_db, ",".join("'%s'" % t for t in TABLES)))}


def counts(site):
    return {t: int(site.oxt("SELECT COUNT(*) FROM %s" % t)[0][0])
            for t in TABLES}


def test_a_first_fill_leaves_the_statistics_of_its_rows(fresh):
    assert stats(fresh)["dir_domain"] == 0, "migrated: empty"
    res = fresh.replicator("directory")
    assert res.returncode == 0, res.stderr
    want = counts(fresh)
    assert want["dir_domain"] == 300 and want["dir_mailbox"] == 900
    # At once, not some seconds later: the pass took them. Small tables
    # are sampled whole, so the figures are exact.
    assert stats(fresh) == want


def test_a_pass_with_nothing_changed_takes_none(fresh):
    assert fresh.replicator("directory").returncode == 0   # filled
    fresh.db.sql("UPDATE mysql.innodb_table_stats SET n_rows = 1 WHERE"
                 " database_name = '%s' AND table_name = 'dir_domain'"
                 % fresh.oxtender_db)
    fresh.db.sql("FLUSH TABLE %s.dir_domain" % fresh.oxtender_db)
    res = fresh.replicator("directory")
    assert res.returncode == 0, res.stderr
    assert "0 added, 0 changed, 0 removed" in res.stdout
    assert stats(fresh)["dir_domain"] == 1, "no ANALYZE on a steady pass"
