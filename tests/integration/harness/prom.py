"""The Prometheus text exposition as the tests read it: a strict parser
(every sample line, # HELP and # TYPE per family, label values with their
escapes) and Debian's promtool as the judge of the conventions.

    m = prom.parse(text)
    m.value("oxtender_operations_total", kind="user_create",
            outcome="success")                  # -> float, or None
    m.samples("oxtender_mailboxes")             # -> [(labels, value)]
    m.types["oxtender_soap_call_duration_seconds"] == "histogram"
    prom.promtool_check(text)                   # asserts promtool's OK
"""
import re
import subprocess

from . import env

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
PROMTOOL = "/usr/bin/promtool"


def _unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def _labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, "bad labels %r" % text
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


class Exposition:
    def __init__(self):
        self.types = {}
        self.helps = {}
        self.lines = []              # (name, labels, value)

    def samples(self, name):
        return [(l, v) for n, l, v in self.lines if n == name]

    def value(self, name, **labels):
        found = [v for n, l, v in self.lines if n == name and l == labels]
        assert len(found) <= 1, (name, labels, found)
        return found[0] if found else None

    def total(self, name, **labels):
        """Sum of the samples whose labels include these."""
        return sum(v for n, l, v in self.lines if n == name and
                   all(l.get(k) == w for k, w in labels.items()))


def parse(text):
    """Parses an exposition; asserts every line is well-formed and every
    sample belongs to a family announced with # HELP and # TYPE."""
    e = Exposition()
    assert text.endswith("\n"), "no final line feed"
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            e.helps[name] = help_
            continue
        if line.startswith("# TYPE "):
            name, _, type_ = line[7:].partition(" ")
            assert name not in e.types, "family %s twice" % name
            e.types[name] = type_
            continue
        m = SAMPLE.match(line)
        assert m, "bad line %r" % line
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) \
            if name not in e.types else name
        assert family in e.types and family in e.helps, \
            "sample %s without # HELP/# TYPE" % name
        e.lines.append((name, _labels(m.group(2) or ""), float(m.group(3))))
    return e


def promtool_check(text):
    """promtool check metrics (Debian's prometheus package): no problem
    found, neither in the format nor by its linter."""
    assert env.executable(PROMTOOL), \
        "%s is missing: scripts/install-deps.sh installs prometheus" % PROMTOOL
    res = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and not res.stdout.strip() \
        and not res.stderr.strip(), \
        "promtool: exit %d\n%s%s" % (res.returncode, res.stdout, res.stderr)
    return res
