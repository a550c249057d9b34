"""A private MariaDB server in a scratch directory, and the SQL helpers the
tests and the demo use on it.

    db = MariaDB(root)          # root: a directory of its own
    db.start()                  # install the data dir once, start, wait
    db.sql("CREATE TABLE t (i INT)", database="x")
    rows = db.query("SELECT i FROM t", database="x")   # [('1',), ...]
    db.stop()                   # SIGTERM, wait, SIGKILL fallback

It listens on 127.0.0.1:<port> (Apache and the replicator connect over TCP
with the `oxtender` user) and on a unix socket in root (the `mariadb`
client, as root, without password). All SQL goes through the `mariadb`
client binary; there is no Python driver in the standard library.
"""
import atexit
import ctypes
import os
import signal
import subprocess

from . import env

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: SIGTERM the child when the test process dies, so a
    crashed or killed pytest leaves no server behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:       # never fail the exec over this
        pass


class MariaDBError(RuntimeError):
    pass


def sql_quote(value):
    """A MariaDB string literal."""
    s = str(value).replace("\\", "\\\\").replace("'", "\\'")
    s = s.replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + s + "'"


def _unescape(field):
    """Undo the escaping of `mariadb --batch` output; NULL becomes None."""
    if field == "NULL":
        return None
    if "\\" not in field:
        return field
    out, i = [], 0
    table = {"n": "\n", "t": "\t", "0": "\0", "\\": "\\", "r": "\r"}
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append(table.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class MariaDB:
    def __init__(self, root, port=None, buffer_pool="256M", datadir=None,
                 durable=True):
        """datadir: where the tables live (default root/data); the suite
        puts it on a RAM disk (env.ram_dir). durable=False: the server
        does not flush its redo log at each commit nor write pages twice
        (a throw-away server of the tests; every stop is a clean one)."""
        self.root = os.path.abspath(root)
        self.datadir = os.path.abspath(datadir) if datadir \
            else os.path.join(self.root, "data")
        self.durable = durable
        # Temporary tables of our own, not in the /tmp every server shares.
        self.tmpdir = os.path.join(self.root, "tmp")
        self.socket = os.path.join(self.root, "mysql.sock")
        self.pid_file = os.path.join(self.root, "mariadbd.pid")
        self.log_file = os.path.join(self.root, "mariadbd.err")
        self.out_file = os.path.join(self.root, "mariadbd.out")
        self.host = "127.0.0.1"
        self.auto_port = port is None
        self.port = port or env.free_port()
        self.buffer_pool = buffer_pool
        self.proc = None
        self._atexit = False
        self.mariadbd = env.which("mariadbd")
        self.install_db = env.which("mariadb-install-db")
        self.client_bin = env.which("mariadb")

    @staticmethod
    def available():
        """None when usable, else the reason it is not."""
        for name in ("mariadbd", "mariadb-install-db", "mariadb"):
            if env.which(name) is None:
                return ("%s not installed (apt-get install mariadb-server)"
                        % name)
        return None

    # ---- life cycle --------------------------------------------------------

    def _user_args(self):
        return ["--user=root"] if os.geteuid() == 0 else []

    def install(self):
        """Create the system tables, once per data directory."""
        if os.path.isdir(os.path.join(self.datadir, "mysql")):
            return
        os.makedirs(self.tmpdir, exist_ok=True)
        argv = [self.install_db, "--no-defaults", "--datadir=" + self.datadir,
                "--auth-root-authentication-method=normal", "--skip-test-db",
                "--skip-name-resolve", "--tmpdir=" + self.tmpdir] + \
            self._user_args()
        # Once more on a clean directory when it fails: the bootstrap's
        # temporary tables have been seen to vanish on a busy machine.
        for attempt in range(2):
            res = subprocess.run(argv, capture_output=True, text=True)
            if res.returncode == 0:
                return
            env.remove_tree(self.datadir)
        raise MariaDBError("mariadb-install-db failed (exit %d):\n%s\n%s"
                           % (res.returncode, res.stdout[-3000:],
                              res.stderr[-3000:]))

    def server_argv(self):
        os.makedirs(self.tmpdir, exist_ok=True)
        return [self.mariadbd, "--no-defaults",
                "--datadir=" + self.datadir,
                "--socket=" + self.socket,
                "--tmpdir=" + self.tmpdir,
                "--bind-address=127.0.0.1",
                "--port=%d" % self.port,
                "--pid-file=" + self.pid_file,
                "--log-error=" + self.log_file,
                "--innodb-buffer-pool-size=" + self.buffer_pool,
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci"] + \
            ([] if self.durable else
             ["--innodb-flush-log-at-trx-commit=0",
              "--innodb-doublewrite=0"]) + self._user_args()

    def start(self, detach=False, timeout=60):
        """Start and wait until it answers. detach=True (the demo): the
        server outlives this process; otherwise it is stopped at exit and
        when this process dies. A port we picked ourselves that was taken in
        the meantime (another test run) is replaced and retried."""
        if self.running():
            return
        for attempt in range(3):
            try:
                return self._start_once(detach, timeout)
            except MariaDBError as e:
                if not self.auto_port or attempt == 2 \
                        or "Address already in use" not in str(e):
                    raise
                self.port = env.free_port()

    def _start_once(self, detach, timeout):
        self.install()
        for stale in (self.pid_file, self.socket):
            if os.path.exists(stale):
                os.unlink(stale)
        out = open(self.out_file, "ab")
        try:
            self.proc = subprocess.Popen(
                self.server_argv(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=None if detach else _die_with_parent)
        finally:
            out.close()
        if not detach and not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        if not env.wait_until(self._ready_or_dead, timeout, 0.2) \
                or self.proc.poll() is not None:
            rc = self.proc.poll()
            self.stop()
            raise MariaDBError(
                "mariadbd %s (port %d, socket %s)\n--- %s:\n%s\n--- %s:\n%s"
                % ("exited with %s" % rc if rc is not None
                   else "did not answer within %ds" % timeout,
                   self.port, self.socket, self.log_file,
                   env.tail(self.log_file), self.out_file,
                   env.tail(self.out_file, 10)))

    def _ready_or_dead(self):
        if self.proc is not None and self.proc.poll() is not None:
            return True
        if not os.path.exists(self.socket):
            return False
        res = subprocess.run(self.client_argv() + ["-e", "SELECT 1"],
                             capture_output=True)
        return res.returncode == 0 and env.port_answers(self.port)

    def pid(self):
        if self.proc is not None and self.proc.poll() is None:
            return self.proc.pid
        pid = env.read_pid(self.pid_file)
        return pid if env.pid_runs(pid, "--datadir=" + self.datadir) else None

    def running(self):
        return self.pid() is not None

    def stop(self, timeout=60):
        """Stop the server we started (or the one our pid file names)."""
        pid = self.pid()
        if pid is not None:
            proc = self.proc if self.proc is not None \
                and self.proc.pid == pid else None
            env.terminate(pid, timeout, proc=proc)
        elif self.proc is not None:
            self.proc.poll()
        self.proc = None
        return pid

    # ---- SQL through the client ---------------------------------------------

    def client_argv(self, database=None, user="root", password=None,
                    tcp=False):
        argv = [self.client_bin, "--no-defaults"]
        if tcp:
            argv += ["--protocol=TCP", "-h", self.host, "-P", str(self.port)]
        else:
            argv += ["-S", self.socket]
        argv += ["-u", user]
        if password is not None:
            argv.append("--password=" + password)
        argv += ["--batch", "--skip-column-names",
                 "--default-character-set=utf8mb4"]
        if database:
            argv.append(database)
        return argv

    def sql(self, statements, database=None, check=True, **kw):
        """Run SQL text; returns the client's stdout. check=True raises
        MariaDBError (with the statement and the server's message)."""
        res = subprocess.run(self.client_argv(database, **kw),
                             input=statements.encode("utf-8"),
                             capture_output=True)
        if check and res.returncode != 0:
            raise MariaDBError("SQL failed (%s): %s\n--- statement:\n%s"
                               % (database or "-",
                                  res.stderr.decode("utf-8", "replace"),
                                  statements[:2000]))
        return res.stdout.decode("utf-8", "replace")

    def query(self, statement, database=None):
        """Rows as tuples of strings (None for NULL)."""
        out = self.sql(statement, database)
        return [tuple(_unescape(f) for f in line.split("\t"))
                for line in out.splitlines()]

    def scalar(self, statement, database=None):
        rows = self.query(statement, database)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise MariaDBError("expected one value from %r, got %r"
                               % (statement, rows[:5]))
        return rows[0][0]

    def create_database(self, name, drop=False):
        text = ""
        if drop:
            text += "DROP DATABASE IF EXISTS `%s`;\n" % name
        text += ("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 "
                 "COLLATE utf8mb4_unicode_ci;\n" % name)
        self.sql(text)

    def drop_database(self, name):
        self.sql("DROP DATABASE IF EXISTS `%s`;" % name)

    def load_file(self, database, path):
        with open(path, "rb") as f:
            res = subprocess.run(self.client_argv(database), stdin=f,
                                 capture_output=True)
        if res.returncode != 0:
            raise MariaDBError("loading %s into %s failed: %s" % (
                path, database, res.stderr.decode("utf-8", "replace")))

    def load_from(self, database, argv):
        """Pipe the stdout of a command (e.g. oxt-gendata) into database."""
        gen_err = os.path.join(self.root, "load-%s.err" % database)
        with open(gen_err, "wb") as err:
            gen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err)
            res = subprocess.run(self.client_argv(database), stdin=gen.stdout,
                                 capture_output=True)
            gen.stdout.close()
            grc = gen.wait()
        if grc != 0:
            raise MariaDBError("%s failed (exit %d):\n%s" % (
                " ".join(argv), grc, env.tail(gen_err)))
        if res.returncode != 0:
            raise MariaDBError("loading the output of %s into %s failed: %s"
                               % (os.path.basename(argv[0]), database,
                                  res.stderr.decode("utf-8", "replace")))

    def create_user(self, user, password, grants=(),
                    hosts=("127.0.0.1", "localhost")):
        """(Re)create user@host for each host with the password and grants,
        e.g. grants=("ALL PRIVILEGES ON `oxtender`.*",
                     "SELECT ON `psa`.*")."""
        text = ""
        for host in hosts:
            who = "%s@%s" % (sql_quote(user), sql_quote(host))
            text += "DROP USER IF EXISTS %s;\n" % who
            text += "CREATE USER %s IDENTIFIED BY %s;\n" % (
                who, sql_quote(password))
            for grant in grants:
                text += "GRANT %s TO %s;\n" % (grant, who)
        self.sql(text + "FLUSH PRIVILEGES;\n")

    def create_app_user(self, user, password, oxtender_db, psa_db):
        """The account Apache and the replicator use: everything on our
        database, read-only on Plesk's."""
        self.create_user(user, password, grants=(
            "ALL PRIVILEGES ON `%s`.*" % oxtender_db,
            "SELECT ON `%s`.*" % psa_db))
