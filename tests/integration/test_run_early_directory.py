"""A first `run` brings the lists' directory in line beside the pass's
last domains (replicator/oxt_repl_cmd_run.c, run_drain: a thread and a
connection of its own while at least 8 domains are still in progress,
with at least 250 ms of OX work left to them),
and the step after the pass compares what moved since: after the run
the directories are exactly what a full `directory` makes of psa and our
state (it finds nothing to add, change or remove), OX is exactly the
desired state, and a second run has nothing to do.

The emulator answers after 50 ms, so when the pass has started its 120
domains the last 64 in progress (the window at four connections; each a
chain of one context create and its users' creates, five on average)
have about 3 s of OX work left, and their outcomes are recorded after
the early step's sums were read.
"""
import re

from harness import oxexpect
from harness.plesk import make_plesk  # noqa: F401

SIZE = dict(resellers=3, clients=12, domains=120, mailboxes=600)


def test_first_run_directory_beside_the_last_domains(make_plesk):
    px = make_plesk(size=SIZE, oxsim_args=["--latency-ms", "50"])
    px.write_config(ox_connections=4, log_level="info")
    # every mailbox in OX (as bench/replicate.py has it), so that the pass
    # ends with a full window of domains in progress
    px.replicate_everything("early-pw-")
    assert px.repl("directory").returncode == 0     # filled, as on a server
    want = oxexpect.desired(px)
    res = px.run()
    laps = re.search(r"OXT04560: run profile: .* the pass (\d+) ms \(of it"
                     r" the last domains beside the lists' directory (\d+)"
                     r" ms\)", res.stderr)
    assert laps, res.stderr[-3000:]
    assert int(laps.group(2)) > 0, laps.group(0)     # the early step ran
    steps = re.findall(r"OXT04360: directory: ([^,]+),", res.stderr)
    assert len(steps) == 2, steps                    # early, then after
    assert "OXT04971" not in res.stderr, res.stderr[-3000:]
    assert oxexpect.compare(want, px.ox_state()) == []
    # a full comparison of every domain finds the directories true
    out = px.repl("directory")
    assert out.returncode == 0, px.describe(out)
    assert re.search(r"directory: \d+ rows looked at, 0 added, 0 changed,"
                     r" 0 removed", out.stdout), out.stdout
    # and a second run has nothing left, neither in OX nor there
    calls = dict(px.ox_calls())
    again = px.run()
    assert px.ox_calls() == calls, again.stderr[-2000:]
    assert re.search(r"OXT04360: directory: 0 buckets", again.stderr), \
        again.stderr[-2000:]
