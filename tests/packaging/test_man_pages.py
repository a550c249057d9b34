"""The manual pages (docs/man/) against the program: a page for every
command that --help lists and none for a command that does not exist, the
options of --help in the pages, the commands in docs/replicator.md, and
pages that groff formats without a warning."""
import glob
import os
import re
import subprocess

import pytest

from harness import env

MAN_DIR = os.path.join(env.TOP, "docs", "man")
MAIN = "oxtender-replicator"


def help_text():
    res = subprocess.run([env.REPLICATOR, "--help"], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return res.stdout


def commands():
    """{command: its help line} from --help."""
    text = help_text().split("\ncommands:\n", 1)[1]
    return dict(re.findall(r"^  ([a-z-]+) +(.*)$", text, re.M))


def page(name):
    """The page's text with roff's escaped hyphens made plain."""
    with open(os.path.join(MAN_DIR, name + ".8")) as f:
        return f.read().replace("\\-", "-")


def test_a_page_per_command_and_no_other():
    pages = {os.path.basename(p)[:-2]
             for p in glob.glob(os.path.join(MAN_DIR, "*.8"))}
    assert pages == {MAIN} | {MAIN + "-" + c for c in commands()}


@pytest.mark.parametrize("command", sorted(commands()))
def test_command_page(command):
    text = page(MAIN + "-" + command)
    assert re.search(r"^\.TH %s 8 " % re.escape(
        (MAIN + "-" + command).upper()), text, re.M), command
    assert re.search(r"^%s-%s - \S" % (MAIN, command), text, re.M), \
        "NAME line of " + command
    assert re.search(r"^\.B %s$" % re.escape(command), text, re.M) or \
        re.search(r"^\.B %s " % re.escape(command), text, re.M), \
        "SYNOPSIS of %s lacks the command" % command
    # The options and words --help promises for this command.
    for word in re.findall(r"--[a-z-]+|set-ox-password|\bset\b",
                           commands()[command]):
        assert word in text, (command, word)
    main = page(MAIN)
    assert re.search(r"^\.B %s$" % re.escape(command), main, re.M), \
        "%s(8) COMMANDS lacks %s" % (MAIN, command)
    assert ".BR %s-%s (8)" % (MAIN, command) in main, \
        "%s(8) SEE ALSO lacks %s" % (MAIN, command)


def test_main_page_has_the_global_options():
    usage = help_text().split("\ncommands:", 1)[0]
    text = page(MAIN)
    opts = set(re.findall(r"--[a-z-]+|(?<![a-z])-[a-zA-Z]\b", usage))
    assert {"--json", "-q", "-c", "--help", "--version"} <= opts, usage
    for opt in opts:
        assert opt in text, opt
    # --help, not the usage line, names the long forms of -c and -q.
    for opt in ("--config", "--quiet", "-V", "-h", "-j", "OXTENDER_CONF"):
        assert opt in text, opt


def test_replicator_md_describes_every_command():
    with open(os.path.join(env.TOP, "docs", "replicator.md")) as f:
        text = f.read()
    for command in commands():
        assert re.search(r"^## %s$" % command, text, re.M), command
        assert re.search(r"^\| `%s[ `]" % command, text, re.M), command


@pytest.mark.parametrize("name", sorted(
    os.path.basename(p) for p in glob.glob(os.path.join(MAN_DIR, "*.8"))))
def test_groff_formats_without_warnings(name):
    if env.which("groff") is None:
        pytest.skip("groff is not installed (groff-base)")
    res = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                          os.path.join(MAN_DIR, name)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and res.stderr == "", res.stderr
