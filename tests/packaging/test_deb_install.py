"""The packages installed into throw-away roots with dpkg --root (their
maintainer scripts run chrooted there): the first installation, the key and
the configuration that are never overwritten, the migrations on upgrade
against the private MariaDB, the refused downgrade, remove against purge,
and the packaged module serving a page from the database the package
migrated. Nothing is installed on the machine itself."""
import os
import re
import shutil
import stat

import pytest

from debbuild import MODULE_PKG, REPLICATOR_PKG
from harness import env
from harness.apache import Apache
from harness.site import Site

CONF = "/etc/oxtender/oxtender.conf"
KEY = "/etc/oxtender/secret.key"
INSTALLED = "install ok installed"


def output(res):
    return res.stdout + res.stderr


def install(root, *debs, ok=True):
    res = root.dpkg("-i", *debs)
    if ok:
        assert res.returncode == 0, output(res)
    return res


def owner_mode(root, path):
    st = os.lstat(root.p(path))
    group = [g.split(":") for g in root.read("/etc/group").splitlines()]
    names = {int(g[2]): g[0] for g in group}
    return ("root" if st.st_uid == 0 else str(st.st_uid),
            names.get(st.st_gid, str(st.st_gid)), stat.S_IMODE(st.st_mode))


def schedule_lines(text):
    """The cron lines that would run something."""
    return [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
            and not re.match(r"^[A-Z_]+=", line)]


def test_first_install(deb_root, built):
    root = deb_root
    res = install(root, built.deb(REPLICATOR_PKG))
    assert "fill in %s" % CONF in output(res), output(res)
    assert root.status(REPLICATOR_PKG) == INSTALLED
    # /etc/oxtender: root and the panel web server's group only (psaadm
    # on a Plesk server, which this root has).
    assert owner_mode(root, "/etc/oxtender") == ("root", "psaadm", 0o750)
    assert owner_mode(root, CONF) == ("root", "psaadm", 0o640)
    assert owner_mode(root, KEY) == ("root", "psaadm", 0o640)
    assert len(root.read(KEY, "rb")) == 32
    assert root.read(CONF) == \
        root.read("/usr/share/oxtender/oxtender.conf.example")
    assert re.search(r"^sql_dir = /usr/share/oxtender/sql$", root.read(CONF),
                     re.M)
    assert not any(n.endswith(".dpkg-tmp")
                   for n in os.listdir(root.p("/etc/oxtender")))
    # The packaged program runs, with the version of the tree.
    res = root.chroot("/usr/sbin/oxtender-replicator", "--version")
    assert res.stdout == "oxtender-replicator %s\n" % built.version, \
        output(res)
    # Nothing starts on its own: the cron job is commented out, and
    # deb-systemd-helper (it ran: its state file is there) enabled nothing.
    cron = root.read("/etc/cron.d/oxtender-replicator")
    assert "oxtender-replicator" in cron and schedule_lines(cron) == [], cron
    assert re.search(r"^#\*/15 .* /usr/sbin/oxtender-replicator .* run$",
                     cron, re.M), cron
    assert root.exists("/var/lib/systemd/deb-systemd-helper-enabled/"
                       "oxtender-replicator.service.dsh-also")
    assert not root.exists("/etc/systemd/system/multi-user.target.wants/"
                           "oxtender-replicator.service")
    assert root.exists("/lib/systemd/system/oxtender-replicator.service")
    # The metrics timer (node_exporter's textfile collector) waits too.
    assert root.exists("/lib/systemd/system/oxtender-replicator-metrics."
                       "timer")
    assert not root.exists("/etc/systemd/system/timers.target.wants/"
                           "oxtender-replicator-metrics.timer")
    # The module: installed, and enabled nowhere.
    res = install(root, built.deb(MODULE_PKG))
    assert "not enabled" in output(res), output(res)
    assert root.status(MODULE_PKG) == INSTALLED
    assert root.exists("/etc/apache2/mods-available/oxtender.load")
    assert not root.exists("/etc/apache2/mods-enabled")
    assert root.exists("/usr/lib/apache2/modules/mod_oxtender.so")


def test_key_and_configuration_are_never_overwritten(deb_root, built):
    """A second configure keeps both files byte for byte (the database is
    not reachable with the unedited configuration: a warning, no failure);
    a missing key is made again, in the group the admin gave the
    directory."""
    root = deb_root
    install(root, built.deb(REPLICATOR_PKG))
    key = root.read(KEY, "rb")
    edited = root.read(CONF) + "# edited by the admin\n"
    root.rewrite(CONF, edited)
    res = install(root, built.deb(REPLICATOR_PKG))
    assert "cannot be reached" in output(res), output(res)
    assert root.status(REPLICATOR_PKG) == INSTALLED
    assert root.read(KEY, "rb") == key
    assert root.read(CONF) == edited
    os.chown(root.p("/etc/oxtender"), 0, 33)           # www-data
    os.unlink(root.p(KEY))
    install(root, built.deb(REPLICATOR_PKG))
    assert owner_mode(root, KEY) == ("root", "www-data", 0o640)
    assert root.read(KEY, "rb") != key
    assert owner_mode(root, CONF) == ("root", "psaadm", 0o640)


def test_without_plesk_the_group_is_www_data(deb_root, built):
    root = deb_root
    root.rewrite("/etc/group", "root:x:0:\nwww-data:x:33:\n")
    install(root, built.deb(REPLICATOR_PKG))
    assert owner_mode(root, "/etc/oxtender") == ("root", "www-data", 0o750)
    assert owner_mode(root, KEY) == ("root", "www-data", 0o640)


@pytest.fixture
def site(mariadb, pkg_dir, request):
    """psa (generated) and an empty oxtender database with its account;
    the package migrates it."""
    name = "oxt_pkg_" + re.sub(r"\W", "_", request.node.name)[-20:]
    s = Site(os.path.join(pkg_dir, "site-" + name), mariadb,
             oxtender_db=name, psa_db=name + "_psa")
    s.build(resellers=1, clients=3, domains=8, mailboxes=40)
    yield s
    mariadb.drop_database(name)
    mariadb.drop_database(s.psa_db)


def configure_for(root, site):
    """What the admin does after the first installation: fill in the
    configuration (paths as seen inside the root) and Plesk's key."""
    os.makedirs(root.p("/etc/psa/private"), exist_ok=True)
    with open(site.plesk_key, "rb") as src, \
            open(root.p("/etc/psa/private/secret_key"), "wb") as dst:
        dst.write(src.read())
    root.rewrite(CONF, site.config_text(
        sql_dir="/usr/share/oxtender/sql", secret_key_file=KEY,
        plesk_secret_key_file="/etc/psa/private/secret_key",
        lock_file="/var/lock/oxtender-replicator.lock",
        spool_dir="/var/spool/oxtender", log_level="info"))


def versions(site):
    return [int(v) for (v,) in site.db.query(
        "SELECT version FROM schema_version ORDER BY version",
        site.oxtender_db)]


def tree_versions():
    return sorted(int(n[:4]) for n in os.listdir(env.SQL_DIR)
                  if re.match(r"^\d{4}_.*\.sql$", n))


def test_upgrade_migrates_and_downgrade_is_refused(deb_root, built,
                                                   built_next, site):
    root = deb_root
    install(root, built.deb(REPLICATOR_PKG))
    configure_for(root, site)
    # Configured now: configuring again (an "upgrade" to the same
    # version) applies every migration of version N.
    res = install(root, built.deb(REPLICATOR_PKG))
    assert versions(site) == tree_versions(), output(res)
    # N+1 brings migration 9000: the upgrade applies it, and only it.
    res = install(root, built_next.deb(REPLICATOR_PKG))
    assert "applied %s" % built_next.migration in output(res), output(res)
    assert "1 migration applied" in output(res), output(res)
    assert versions(site) == tree_versions() + [9000]
    assert root.chroot("/usr/sbin/oxtender-replicator", "--version").stdout \
        == "oxtender-replicator %s\n" % built_next.version
    before = site.db.query("SELECT version, name, applied_at FROM "
                           "schema_version ORDER BY version",
                           site.oxtender_db)
    # Back to N: the postinst's migrate refuses, the package stays
    # unconfigured, the schema is untouched, and N's programs refuse to
    # work on the newer database.
    res = install(root, built.deb(REPLICATOR_PKG), ok=False)
    assert res.returncode != 0
    assert "refusing to downgrade" in output(res), output(res)
    assert root.status(REPLICATOR_PKG) == "install ok half-configured"
    assert site.db.query("SELECT version, name, applied_at FROM "
                         "schema_version ORDER BY version",
                         site.oxtender_db) == before
    assert site.db.query("SHOW TABLES LIKE 'packaging_probe'",
                         site.oxtender_db)
    res = root.chroot("/usr/sbin/oxtender-replicator", "-c", CONF, "plan")
    assert res.returncode == 1 and "newer" in res.stderr, output(res)
    # N+1 again repairs it.
    res = install(root, built_next.deb(REPLICATOR_PKG))
    assert "0 migrations applied" in output(res), output(res)
    assert root.status(REPLICATOR_PKG) == INSTALLED
    res = root.chroot("/usr/sbin/oxtender-replicator", "-c", CONF,
                      "--json", "plan")
    assert res.returncode == 0, output(res)


def test_packaged_module_serves_the_migrated_database(deb_root, built,
                                                      site, pkg_dir):
    """The module of the package, loaded by a private Apache, answers a
    panel login from the database the package's postinst migrated."""
    root = deb_root
    install(root, built.deb(REPLICATOR_PKG))
    configure_for(root, site)
    install(root, built.deb(REPLICATOR_PKG), built.deb(MODULE_PKG))
    assert versions(site) == tree_versions()
    reason = Apache.available()
    if reason:
        pytest.skip(reason)
    # Apache runs outside the root: the same database, host paths.
    config = site.write_config(
        os.path.join(site.root, "from-package.conf"),
        sql_dir=root.p("/usr/share/oxtender/sql"))
    # The harness wants an executable file; the package ships 0644, as
    # Debian's modules are. Same bytes.
    module = os.path.join(pkg_dir, "packaged-mod_oxtender.so")
    shutil.copyfile(root.p("/usr/lib/apache2/modules/mod_oxtender.so"),
                    module)
    os.chmod(module, 0o755)
    httpd = Apache(os.path.join(pkg_dir, "apache-" + site.oxtender_db),
                   config, module=module)
    httpd.start()
    try:
        r = httpd.get("/oxtender/?format=json",
                      auth=("admin", site.admin_password))
        assert r.status == 200, (r.status, r.text, env.tail(
            httpd.error_log_path))
        assert r.json()["role"] == "admin", r.json()
        assert "mod_oxtender/%s" % built.version in r.headers["Server"]
    finally:
        httpd.stop()


def test_remove_keeps_configuration_purge_deletes_it(deb_root, built):
    root = deb_root
    install(root, built.deb(REPLICATOR_PKG), built.deb(MODULE_PKG))
    key = root.read(KEY, "rb")
    spooled = root.p("/var/spool/oxtender/00000000000000000001-1-x.evt")
    env.write_file(spooled, "event=domain_update\n", 0o600)
    # remove: programs gone, configuration, key, spool and conffiles stay.
    for package in (MODULE_PKG, REPLICATOR_PKG):
        res = root.dpkg("--remove", package)
        assert res.returncode == 0, output(res)
        assert root.status(package) == "deinstall ok config-files"
    assert not root.exists("/usr/sbin/oxtender-replicator")
    assert not root.exists("/usr/lib/apache2/modules/mod_oxtender.so")
    assert root.read(KEY, "rb") == key and root.exists(CONF)
    assert os.path.exists(spooled)
    assert root.exists("/etc/cron.d/oxtender-replicator")
    assert root.exists("/etc/apache2/mods-available/oxtender.conf")
    # purge: everything of ours goes.
    for package in (MODULE_PKG, REPLICATOR_PKG):
        res = root.dpkg("--purge", package)
        assert res.returncode == 0, output(res)
        assert root.status(package) in (None, "unknown ok not-installed")
    for gone in ("/etc/oxtender", "/var/spool/oxtender",
                 "/etc/cron.d/oxtender-replicator",
                 "/etc/apache2/mods-available/oxtender.conf",
                 "/etc/apache2/mods-available/oxtender.load",
                 "/var/lib/systemd/deb-systemd-helper-enabled/"
                 "oxtender-replicator.service.dsh-also"):
        assert not root.exists(gone), gone


def test_purge_leaves_the_admins_own_files(deb_root, built):
    root = deb_root
    install(root, built.deb(REPLICATOR_PKG))
    env.write_file(root.p("/etc/oxtender/notes.txt"), "mine\n", 0o600)
    res = root.dpkg("--purge", REPLICATOR_PKG)
    assert res.returncode == 0, output(res)
    assert sorted(os.listdir(root.p("/etc/oxtender"))) == ["notes.txt"]
