"""A throw-away root for installing our Debian packages with
`dpkg --root`, so that their maintainer scripts really run: dpkg runs them
chrooted into the root, which therefore holds copies of the programs they
call (a shell, a few coreutils, sed, getent, perl with
deb-systemd-helper) and of
the shared libraries those and the packaged replicator need, plus
/etc/passwd and /etc/group with root, www-data and psaadm, and /dev/null
and /dev/urandom. Nothing of the machine itself is installed or changed:
every dpkg call names the root, its database and its log.

    base = DebRoot.make_base(path, needs=[replicator_binary])   # once
    root = base.clone(other_path)                               # per test
    res = root.dpkg("-i", deb)          # CompletedProcess, never raises
    root.chroot("/usr/sbin/oxtender-replicator", "--version")
    root.status("oxtender-replicator")  # "install ok installed", ...

Needs root (chroot, device nodes); DebRoot.unavailable() says why not.
"""
import os
import re
import shutil
import subprocess

from harness import env

# What the maintainer scripts (ours and debhelper's) call.
TOOLS = ("sh", "mkdir", "chgrp", "chown", "chmod", "stat", "cat", "head",
         "ln", "rm", "rmdir", "mv", "cp", "sed", "grep", "perl", "getent",
         "deb-systemd-helper")

PASSWD = "root:x:0:0:root:/root:/bin/sh\n" \
         "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nwww-data:x:33:\npsaadm:x:990:\n"


class DebRootError(RuntimeError):
    pass


def _ldd(path):
    """The shared objects path loads, as absolute paths."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return []           # a script or a data file
    res = subprocess.run(["ldd", path], capture_output=True, text=True)
    if res.returncode != 0:
        return []               # a script, or a static binary
    libs = []
    for line in res.stdout.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            libs.append(m.group(1))
    return libs


def _copy_in(root, path):
    """Copy the host file path to the same place under root (through the
    root's own merged-/usr links), following symlinks."""
    dest = root + path
    if os.path.lexists(dest):
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copy2(path, dest)


def _perl_base_files():
    """The files of Debian's perl-base (perl and its core modules)."""
    res = subprocess.run(["dpkg-query", "-L", "perl-base"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise DebRootError("dpkg-query -L perl-base: " + res.stderr)
    return [p for p in res.stdout.splitlines()
            if os.path.isfile(p) and not p.startswith("/usr/share/doc")]


class DebRoot:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        gen = os.path.abspath(env.GEN_DIR) + os.sep
        # Every root lives in the tests' scratch space, never at "/".
        if not self.path.startswith(gen):
            raise DebRootError("a throw-away root must be under %s, not %s"
                               % (gen, self.path))
        self.admindir = os.path.join(self.path, "var", "lib", "dpkg")
        self.log = os.path.join(self.path, "var", "log", "dpkg.log")

    @staticmethod
    def unavailable():
        if os.geteuid() != 0:
            return "installing into a throw-away root needs root (chroot)"
        for tool in ("dpkg", "chroot", "ldd", "dpkg-query"):
            if env.which(tool) is None:
                return "%s is missing" % tool
        for tool in TOOLS:
            if env.which(tool) is None:
                return "%s is missing (for the maintainer scripts)" % tool
        return None

    # ---- building ----------------------------------------------------------

    @classmethod
    def make_base(cls, path, needs=()):
        """The programs and libraries every clone shares: TOOLS, perl-base,
        and the libraries of the binaries in needs."""
        base = cls(path)
        os.makedirs(base.path)
        for d in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64"):
            os.makedirs(os.path.join(base.path, d))
        for link in ("bin", "sbin", "lib", "lib64"):
            os.symlink("usr/" + link, os.path.join(base.path, link))
        files = set(_perl_base_files())
        for tool in TOOLS:
            real = os.path.realpath(env.which(tool))
            files.add(real)
            # Scripts call them by their usual names: /bin/sh, /usr/bin/...
            base._link_tool("/usr/bin/" + tool, real)
        for f in list(files) + list(needs):
            for lib in _ldd(f):
                files.add(lib)
        for f in sorted(files):
            _copy_in(base.path, f)
        return base

    def _link_tool(self, name, real):
        dest = self.path + name
        if os.path.lexists(dest) or name == real:
            return
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.symlink(real, dest)

    def clone(self, path):
        """A new root sharing this base's files (hard links: dpkg only adds
        files next to them) with its own /etc, /var, /dev, /run."""
        root = DebRoot(path)
        subprocess.run(["cp", "-al", self.path, root.path], check=True)
        root._populate()
        return root

    def _populate(self):
        for d in ("etc", "tmp", "run", "dev", "var/log", "var/lock",
                  "var/spool", "var/lib/dpkg/info", "var/lib/dpkg/updates",
                  "var/lib/dpkg/triggers", "var/lib/dpkg/alternatives"):
            os.makedirs(os.path.join(self.path, d), exist_ok=True)
        os.chmod(os.path.join(self.path, "tmp"), 0o1777)
        env.write_file(os.path.join(self.admindir, "status"), "", 0o644)
        env.write_file(os.path.join(self.path, "etc/passwd"), PASSWD, 0o644)
        env.write_file(os.path.join(self.path, "etc/group"), GROUP, 0o644)
        for name, minor in (("null", 3), ("urandom", 9)):
            os.mknod(os.path.join(self.path, "dev", name),
                     0o666 | 0o020000, os.makedev(1, minor))
            os.chmod(os.path.join(self.path, "dev", name), 0o666)

    # ---- using -------------------------------------------------------------

    def env(self):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("LANG", "LC_", "DPKG_"))}
        e.update(PATH="/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL="C",
                 DEBIAN_FRONTEND="noninteractive")
        return e

    def dpkg(self, *args, timeout=120):
        """dpkg on this root only: its instdir, its database, its log."""
        argv = ["dpkg", "--root=" + self.path, "--admindir=" + self.admindir,
                "--log=" + self.log, "--force-depends", "--force-confold"]
        return subprocess.run(argv + list(args), capture_output=True,
                              text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=self.env())

    def chroot(self, *argv, timeout=120):
        return subprocess.run(["chroot", self.path] + list(argv),
                              capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL,
                              env=self.env())

    def status(self, package):
        """dpkg's status of package in this root ("install ok installed",
        "deinstall ok config-files", ...), or None when unknown."""
        res = subprocess.run(["dpkg-query", "--admindir=" + self.admindir,
                              "-W", "-f=${Status}", package],
                             capture_output=True, text=True)
        return res.stdout.strip() if res.returncode == 0 else None

    def p(self, path):
        """The host path of path inside the root."""
        return os.path.join(self.path, path.lstrip("/"))

    def exists(self, path):
        return os.path.lexists(self.p(path))

    def read(self, path, mode="r"):
        with open(self.p(path), mode) as f:
            return f.read()

    def rewrite(self, path, text):
        """Replace a file's content, keeping its owner and mode."""
        with open(self.p(path), "r+") as f:
            f.truncate(0)
            f.write(text)
