"""The packages as files: what each holds and with which modes, the
conffiles, the maintainer scripts, the control fields, and lintian's
verdict. The expected lists come from the tree (migrations, manual pages,
registration scripts, htdocs/), so a file added there must arrive in the
package, and nothing else may."""
import glob
import os
import re
import shutil
import subprocess

import pytest

import debbuild
from debbuild import MODULE_PKG, REPLICATOR_PKG
from harness import env


def deb_entries(deb):
    """{path: (mode string, owner/group)} of a .deb, paths without "./"."""
    out = subprocess.run(["dpkg-deb", "-c", deb], check=True,
                         capture_output=True, text=True).stdout
    entries = {}
    for line in out.splitlines():
        f = line.split(None, 5)
        path = f[5].split(" -> ")[0]
        entries[path[1:].rstrip("/") or "/"] = (f[0], f[1])
    return entries


def files_of(entries):
    return {p: m for p, (m, _) in entries.items() if not m.startswith("d")}


def control_dir(deb, tmp_path):
    d = str(tmp_path / os.path.basename(deb))
    subprocess.run(["dpkg-deb", "-e", deb, d], check=True)
    return d


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", deb, name], check=True,
                          capture_output=True, text=True).stdout.strip()


def doc_names(package):
    with open(os.path.join(env.TOP, "debian", package + ".docs")) as f:
        docs = {os.path.basename(line.strip()) for line in f if line.strip()}
    return docs | {"README.Debian", "changelog", "copyright"}


def docs_in(files, package):
    prefix = "/usr/share/doc/%s/" % package
    return {re.sub(r"\.gz$", "", p[len(prefix):]) for p in files
            if p.startswith(prefix)}


def test_version_is_written_once():
    """VERSION is the one place; debian/changelog must agree with it
    (debian/rules refuses to build otherwise)."""
    assert debbuild.changelog_version() == debbuild.tree_version()


@pytest.mark.parametrize("version,ok", [(None, True), ("9.9.9", False)])
def test_rules_refuse_a_changelog_that_disagrees(tmp_path, version, ok):
    """debian/rules' check, run on a copy of debian/ and VERSION: the
    package build stops before compiling when the two disagree."""
    d = str(tmp_path / "src")
    shutil.copytree(os.path.join(env.TOP, "debian"),
                    os.path.join(d, "debian"))
    with open(os.path.join(d, "VERSION"), "w") as f:
        f.write((version or debbuild.tree_version()) + "\n")
    res = subprocess.run(["make", "-s", "-f", "debian/rules",
                          "execute_before_dh_auto_build"], cwd=d,
                         capture_output=True, text=True, timeout=60)
    assert (res.returncode == 0) == ok, res.stdout + res.stderr
    if not ok:
        assert "VERSION says 9.9.9" in res.stderr, res.stderr


def test_replicator_package_files(built):
    entries = deb_entries(built.deb(REPLICATOR_PKG))
    files = files_of(entries)
    assert all(o == "root/root" for _, o in entries.values()), entries
    sql = {"/usr/share/oxtender/sql/" + os.path.basename(p): "-rw-r--r--"
           for p in glob.glob(os.path.join(env.SQL_DIR,
                                           "[0-9][0-9][0-9][0-9]_*.sql"))}
    man = {"/usr/share/man/man8/%s.gz" % os.path.basename(p): "-rw-r--r--"
           for p in glob.glob(os.path.join(env.TOP, "docs", "man", "*.8"))}
    scripts = {"/usr/share/oxtender/" + os.path.basename(p): "-rwxr-xr-x"
               for p in glob.glob(os.path.join(env.TOP, "conf",
                                               "register-*.sh"))}
    expected = {
        "/usr/sbin/oxtender-replicator": "-rwxr-xr-x",
        "/usr/lib/oxtender/oxtender-replicator": "-rwxr-xr-x",
        "/etc/cron.d/oxtender-replicator": "-rw-r--r--",
        "/lib/systemd/system/oxtender-replicator.service": "-rw-r--r--",
        "/lib/systemd/system/oxtender-replicator-metrics.service":
            "-rw-r--r--",
        "/lib/systemd/system/oxtender-replicator-metrics.timer":
            "-rw-r--r--",
        "/usr/share/oxtender/oxtender.conf.example": "-rw-r--r--",
    }
    expected.update(sql)
    expected.update(man)
    expected.update(scripts)
    assert len(sql) >= 7 and len(man) >= 10 and scripts
    others = {p: m for p, m in files.items()
              if not p.startswith("/usr/share/doc/")}
    assert others == expected
    assert docs_in(files, REPLICATOR_PKG) == doc_names(REPLICATOR_PKG)
    assert entries["/var/spool/oxtender"][0] == "drwxr-xr-x"
    # Configuration and keys are made by the postinst, never shipped.
    assert not any(p.startswith("/etc/oxtender") for p in entries)


def test_module_package_files(built):
    entries = deb_entries(built.deb(MODULE_PKG))
    files = files_of(entries)
    assert all(o == "root/root" for _, o in entries.values()), entries
    expected = {
        "/usr/lib/apache2/modules/mod_oxtender.so": "-rw-r--r--",
        "/etc/apache2/mods-available/oxtender.load": "-rw-r--r--",
        "/etc/apache2/mods-available/oxtender.conf": "-rw-r--r--",
    }
    # Whatever htdocs/ holds today (other work adds CSS and icons there).
    htdocs = os.path.join(env.TOP, "htdocs")
    for d, _, names in os.walk(htdocs):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), htdocs)
            expected["/usr/share/oxtender/htdocs/" + rel] = "-rw-r--r--"
    others = {p: m for p, m in files.items()
              if not p.startswith("/usr/share/doc/")}
    assert others == expected
    assert entries["/usr/share/oxtender/htdocs"][0] == "drwxr-xr-x"
    assert docs_in(files, MODULE_PKG) == doc_names(MODULE_PKG)


def test_control_fields(built):
    version = debbuild.tree_version()
    for package in (MODULE_PKG, REPLICATOR_PKG):
        deb = built.deb(package)
        assert field(deb, "Version") == version
        assert field(deb, "Package") == package
    depends = field(built.deb(MODULE_PKG), "Depends")
    # Configuration, key and schema are the replicator's, of this version.
    assert "oxtender-replicator (= %s)" % version in depends
    assert "apache2-api-" in depends
    assert not field(built.deb(REPLICATOR_PKG), "Pre-Depends")
    with open(built.changes) as f:
        changes = f.read()
    for package in (MODULE_PKG, REPLICATOR_PKG):
        assert "%s_%s_" % (package, version) in changes


def test_conffiles(built, tmp_path):
    rep = control_dir(built.deb(REPLICATOR_PKG), tmp_path)
    mod = control_dir(built.deb(MODULE_PKG), tmp_path)
    with open(os.path.join(rep, "conffiles")) as f:
        assert f.read().split() == ["/etc/cron.d/oxtender-replicator"]
    with open(os.path.join(mod, "conffiles")) as f:
        assert sorted(f.read().split()) == [
            "/etc/apache2/mods-available/oxtender.conf",
            "/etc/apache2/mods-available/oxtender.load"]


def read(d, name):
    with open(os.path.join(d, name)) as f:
        return f.read()


def test_maintainer_scripts(built, tmp_path):
    rep = control_dir(built.deb(REPLICATOR_PKG), tmp_path)
    mod = control_dir(built.deb(MODULE_PKG), tmp_path)
    for d, names in ((rep, {"postinst", "prerm", "postrm"}),
                     (mod, {"postinst", "prerm", "postrm"})):
        scripts = {n for n in ("preinst", "postinst", "prerm", "postrm")
                   if os.path.exists(os.path.join(d, n))}
        assert scripts == names, d
        for n in scripts:
            path = os.path.join(d, n)
            assert os.stat(path).st_mode & 0o777 == 0o755, path
            res = subprocess.run(["sh", "-n", path], capture_output=True,
                                 text=True)
            assert res.returncode == 0, (path, res.stderr)
    postinst = read(rep, "postinst")
    # The unit is never enabled or started by the package; an upgrade
    # restarts it only if it runs.
    assert "deb-systemd-helper debian-installed" in postinst
    assert "try-restart" in postinst
    assert "_dh_action=start" not in postinst
    assert not re.search(r"deb-systemd-invoke (start|restart) ", postinst)
    assert "deb-systemd-invoke stop" in read(rep, "prerm")
    # Never a2enmod; a2dismod on removal where the admin enabled it.
    for n in ("postinst", "prerm", "postrm"):
        assert "enmod" not in read(mod, n).replace("dismod", "")
    assert "apache2_invoke dismod" in read(mod, "prerm")


def directives(text):
    """Non-comment configuration lines, whitespace-normalised, without
    <IfModule> wrappers."""
    lines = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or line.startswith("#") or \
                re.match(r"</?IfModule\b", line):
            continue
        lines.append(line)
    return lines


def test_mods_available_say_what_conf_says():
    """debian/oxtender.load + .conf are Debian's split of
    conf/httpd-oxtender.conf; they must not drift apart."""
    def text(*rel):
        with open(os.path.join(env.TOP, *rel)) as f:
            return f.read()
    assert directives(text("debian", "oxtender.load")) + \
        directives(text("debian", "oxtender.conf")) == \
        directives(text("conf", "httpd-oxtender.conf"))
    assert re.search(r"^# Depends: .*\bauth_basic\b",
                     text("debian", "oxtender.load"), re.M)


def kept_warnings():
    """The lintian warnings debian/README.source lists as kept."""
    with open(os.path.join(env.TOP, "debian", "README.source")) as f:
        text = f.read()
    section = text.split("\nLintian\n", 1)[1]
    return set(re.findall(r"^ \* ([a-z0-9-]+): ([a-z0-9-]+)$", section,
                          re.M))


def test_lintian(lintian):
    tags = re.findall(r"^([EW]): ([a-z0-9.+-]+)(?: [a-z]+)?: ([a-z0-9-]+)",
                      lintian.stdout, re.M)
    errors = [t for t in tags if t[0] == "E"]
    assert not errors, lintian.stdout
    assert lintian.returncode == 0, lintian.stdout + lintian.stderr
    warnings = {(pkg, tag) for level, pkg, tag in tags if level == "W"}
    assert warnings == kept_warnings(), (
        "lintian's warnings differ from those debian/README.source keeps:\n"
        + lintian.stdout)


@pytest.mark.parametrize("package, binary", [
    (MODULE_PKG, "usr/lib/apache2/modules/mod_oxtender.so"),
    (REPLICATOR_PKG, "usr/sbin/oxtender-replicator"),
    (REPLICATOR_PKG, "usr/lib/oxtender/oxtender-replicator")])
def test_binaries_are_hardened(built, package, binary, tmp_path):
    """dpkg-buildflags' hardening reached the compiler and the linker
    (what lintian's hardening tags would otherwise say): the module, the
    event front and the full replicator it starts."""
    d = str(tmp_path / "x")
    subprocess.run(["dpkg-deb", "-x", built.deb(package), d], check=True)
    path = os.path.join(d, binary)
    dyn = subprocess.run(["readelf", "-d", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    seg = subprocess.run(["readelf", "-l", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    assert "GNU_RELRO" in seg and "BIND_NOW" in dyn, path
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", path], check=True,
                          capture_output=True, text=True).stdout
    assert "__stack_chk_fail" in syms and "_chk@" in syms, path
