"""Paths, free loopback ports, scratch directories and process helpers
shared by the integration fixtures and the demo.

Everything here is stdlib only. The Makefile exports OXT_TOP, OXT_BUILD,
OXT_REPLICATOR, OXT_OXSIM, OXT_GENDATA, OXT_LICENSE_TOOL, OXT_MODULE,
OXT_SANITIZE, OXT_PAGEKIT and OXT_CORECLI; when pytest is run by hand the
defaults below point at an ordinary `make` build.
"""
import errno
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("OXT_TOP") or os.path.abspath(
    os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("OXT_BUILD") or os.path.join(TOP, "build", "default")
REPLICATOR = os.environ.get("OXT_REPLICATOR") or os.path.join(
    TOP, "replicator", "oxtender-replicator")
OXSIM = os.environ.get("OXT_OXSIM") or os.path.join(TOP, "tests", "oxsim",
                                                    "oxsim")
GENDATA = os.environ.get("OXT_GENDATA") or os.path.join(
    TOP, "tools", "gendata", "oxt-gendata")
LICENSE_TOOL = os.environ.get("OXT_LICENSE_TOOL") or os.path.join(
    TOP, "tools", "license", "oxt-license")
MODULE = os.environ.get("OXT_MODULE") or os.path.join(
    TOP, "mod_oxtender", "mod_oxtender.so")
SANITIZE = os.environ.get("OXT_SANITIZE") == "1"
PAGEKIT = os.environ.get("OXT_PAGEKIT") or os.path.join(
    BUILD, "tests", "oxt-pagekit")
CORECLI = os.environ.get("OXT_CORECLI") or os.path.join(
    BUILD, "tests", "oxt-corecli")
SQL_DIR = os.path.join(TOP, "sql", "oxtender")
PSA_SQL_DIR = os.path.join(TOP, "sql", "psa")
# OXT_GEN_DIR: elsewhere (a benchmark's data kept off the worktree).
GEN_DIR = os.environ.get("OXT_GEN_DIR") or os.path.join(TOP, "tests", "gen")

# Debian puts the servers in /usr/sbin, which a non-root PATH may lack.
SEARCH_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin"


def which(name):
    """Absolute path of an executable, or None."""
    return shutil.which(name, path=SEARCH_PATH)


def executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def psa_schema(flavour=10):
    """sql/psa/psa-<flavour>.sql (flavours 8, 9, 10)."""
    return os.path.join(PSA_SQL_DIR, "psa-%d.sql" % int(flavour))


# ---- ports ---------------------------------------------------------------

def free_port(host="127.0.0.1"):
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(port, host="127.0.0.1"):
    """Nobody listens on port. SO_REUSEADDR as the servers use it, so a
    port our own server just left (TIME_WAIT) counts as free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def port_answers(port, host="127.0.0.1", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---- directories -----------------------------------------------------------

def make_run_dir(prefix="run-", base=None):
    """A fresh directory under tests/gen/ (gitignored), mode 0755 so that
    Apache's unprivileged workers can reach the files we hand them."""
    base = base or GEN_DIR
    os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix=prefix, dir=base)
    os.chmod(path, 0o755)
    return path


RAM_DISK = "/dev/shm"


# What /dev/shm must have free for one more server's tables (each worker
# has one MariaDB; its redo log alone is 96 MB).
RAM_DISK_MIN_FREE = 2 << 30


def ram_dir(prefix):
    """A fresh private directory on the RAM disk (/dev/shm, a tmpfs on
    Debian), or None when there is none or OXT_RAM_DISK=0. The suite's
    MariaDB keeps its tables there: creating and dropping the databases
    of each test is file work that a disk makes ten times slower. The
    caller removes it (remove_tree)."""
    if os.environ.get("OXT_RAM_DISK") == "0":
        return None
    if not (os.path.isdir(RAM_DISK) and os.access(RAM_DISK, os.W_OK)):
        return None
    # A small /dev/shm (a container's 64 MB) would fill under a server's
    # redo log and fail the run: the disk is slower but always right.
    st = os.statvfs(RAM_DISK)
    if st.f_bavail * st.f_frsize < RAM_DISK_MIN_FREE:
        return None
    path = tempfile.mkdtemp(prefix="oxt-" + prefix, dir=RAM_DISK)
    os.chmod(path, 0o700)
    return path


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def tail(path, lines=30):
    """The last lines of a text file, for failure messages."""
    try:
        with open(path, "rb") as f:
            data = f.read()[-65536:]
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e.strerror)
    text = data.decode("utf-8", "replace").splitlines()[-lines:]
    return "\n".join("    " + t for t in text) or "    (empty)"


def write_file(path, text, mode=0o644):
    """Create (or replace) a file with the given mode from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)
    os.chmod(path, mode)


# ---- waiting and processes -------------------------------------------------

def wait_until(predicate, timeout=30.0, interval=0.1):
    """Call predicate() until it is true or the time is up; its last value.
    The first polls come quickly (interval / 16, doubling up to interval):
    most conditions hold within milliseconds, and a fixed step would make
    every wait last at least one step."""
    deadline = time.monotonic() + timeout
    step = interval / 16.0
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(min(step, max(0.0, deadline - time.monotonic())))
        step = min(step * 2, interval)


def pid_alive(pid):
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    # A zombie child of ours is not alive.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def pid_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace")
                    for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def pid_children(pid):
    """pid's children: the processes whose parent (the ppid of
    /proc/PID/stat) it is, whichever of its threads forked them
    (task/PID/children lists only the main thread's)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def pid_runs(pid, needle):
    """pid is alive and its command line mentions needle (guards against a
    recycled pid from a stale pid file)."""
    return pid_alive(pid) and any(needle in a for a in pid_cmdline(pid))


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def terminate(pid, timeout=30.0, proc=None, group=False):
    """SIGTERM, wait up to timeout, then SIGKILL. proc (a Popen) is reaped
    when given. group=True signals the process group led by pid."""
    def send(sig):
        try:
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def gone():
        if proc is not None:
            return proc.poll() is not None
        return not pid_alive(pid)

    if not pid or gone():
        return True
    send(signal.SIGTERM)
    if wait_until(gone, timeout):
        return True
    send(signal.SIGKILL)
    if proc is not None:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    return wait_until(gone, 10)
