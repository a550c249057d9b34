"""A recording fake of Plesk's `custombutton` command-line tool.

    tool = FakeCustomButton(directory, mariadb, psa_db)
    tool.path               # the executable (put it on PATH or configure it)
    tool.calls()            # [argv[1:], ...] of every run, oldest first
    tool.fail(True)         # from now on: exit 1 without changing anything

Like Plesk's own tool, it changes psa.custom_buttons: `--create` inserts a
row for the owner named by -owner (a client, reseller or domain login;
the admin without it), `--remove ID` deletes the row. Only the options
docs/reference/panel-login.md says we rely on are understood; anything
else makes it fail, so a test notices a call the real tool would refuse.
"""
import json
import os
import sys

_SCRIPT = r'''#!/usr/bin/python3
import json, subprocess, sys
LOG, FAIL, CLIENT, PSA = %(log)r, %(fail)r, %(client)r, %(psa)r
args = sys.argv[1:]
with open(LOG, "a") as f:
    f.write(json.dumps(args) + "\n")
if __import__("os").path.exists(FAIL):
    sys.stderr.write("custombutton: failing as asked\n")
    sys.exit(1)

def sql(text):
    return subprocess.run(CLIENT + [PSA], input=text.encode(), check=True,
                          capture_output=True).stdout.decode().split()

def q(v):
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

if args[:1] == ["--remove"] and len(args) == 2 and args[1].isdigit():
    sql("DELETE FROM custom_buttons WHERE id = %%s" %% args[1])
    sys.exit(0)
if args[:1] != ["--create"]:
    sys.exit(2)
known = {"-text", "-url", "-place", "-conhelp", "-internal", "-public",
         "-owner"}
opts = dict(zip(args[1::2], args[2::2]))
if len(args) %% 2 != 1 or set(opts) - known or not {"-text", "-url"} <= set(opts):
    sys.stderr.write("custombutton: bad options %%r\n" %% args)
    sys.exit(2)
level, level_id = 1, 0
owner = opts.get("-owner")
if owner is not None:
    row = sql("SELECT id, IF(%(typed)s, 4) FROM clients WHERE login = %%s"
              %% q(owner))
    if row:
        level_id, level = int(row[0]), int(row[1])
    else:
        row = sql("SELECT id FROM domains WHERE name = %%s" %% q(owner))
        if not row:
            sys.stderr.write("custombutton: no such owner\n")
            sys.exit(1)
        level_id, level = int(row[0]), 8
sql("INSERT INTO custom_buttons (level, level_id, place, text, url, "
    "conhelp, options) VALUES (%%d, %%d, %%s, %%s, %%s, %%s, 0)" %% (
        level, level_id, q(opts.get("-place", "navigation")),
        q(opts["-text"]), q(opts["-url"]), q(opts.get("-conhelp", ""))))
'''


class FakeCustomButton:
    def __init__(self, directory, mariadb, psa_db, flavour=10):
        os.makedirs(directory, exist_ok=True)
        self.dir = directory
        self.path = os.path.join(directory, "custombutton")
        self.log = os.path.join(directory, "custombutton.calls")
        self.fail_flag = os.path.join(directory, "custombutton.fail")
        typed = ("c.type = 'reseller', 2" if flavour >= 9 else "0, 2")
        script = _SCRIPT % {
            "log": self.log, "fail": self.fail_flag,
            "client": mariadb.client_argv(),
            "psa": psa_db,
            "typed": typed.replace("c.type", "type"),
        }
        with open(self.path, "w") as f:
            f.write(script)
        os.chmod(self.path, 0o755)
        os.chmod(directory, 0o755)
        self.reset()

    def reset(self):
        with open(self.log, "w"):
            pass
        self.fail(False)

    def fail(self, on):
        if on:
            open(self.fail_flag, "w").close()
        elif os.path.exists(self.fail_flag):
            os.unlink(self.fail_flag)

    def calls(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]


__all__ = ["FakeCustomButton"]
if __name__ == "__main__":
    sys.exit("a library for the tests, not a program")
