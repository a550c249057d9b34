#!/usr/bin/python3
"""The emulator's CPU per big answer (never part of `make check`).

    /usr/bin/python3 bench/oxsim_answers.py [--oxsim PATH] [--calls 1000]
        [--out FILE]

Starts tests/oxsim/oxsim (or PATH) at latency 0, makes one context of ten
users (each with two aliases), then sends OXUserService.list and
getMultipleData of the ten users --calls times each on one keep-alive
connection and prints the emulator's CPU per call (utime + stime from
/proc) and the wall per call. These are the answers reconcile reads per
context (~50 KB each); their cost to the emulator stretches its latency
on a machine whose cores the client shares. --out writes both answers'
bytes, to compare two builds (a faster emulator must answer the same).
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oxsim", help="the emulator binary (default: the tree's)")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--out", help="write the two answers here")
    args = ap.parse_args()
    if args.oxsim:
        os.environ["OXT_OXSIM"] = args.oxsim
    from harness.oxsim import (OxSim, creds_xml, ctx_xml, envelope,  # noqa
                               mailbox, scalar_xml, user_xml)
    sim = OxSim().start()
    try:
        sim.create_context(1, "example.com", combo="groupware_standard")
        for i in range(10):
            fields = mailbox("user%d" % i, aliases=[
                "a%d@example.com" % i, "user%d@example.com" % i])
            status, _ = sim.user_call(
                "createByModuleAccessName", 1, user_xml(**fields)
                + scalar_xml("access_combination_name", "groupware_standard"))
            assert status == 200
        ids = "".join(user_xml("users", id=i) for i in range(3, 13))
        conn = sim.conn()
        answers = []
        for op, params in (("list", scalar_xml("search_pattern", "*")),
                           ("getMultipleData", ids)):
            xml = envelope(op, ctx_xml(id=1) + params
                           + creds_xml("oxadmin", "adminpw"))
            answers.append((op, sim.post_soap("OXUserService", xml,
                                              conn=conn)))
            c0, t0 = cpu(sim.proc.pid), time.monotonic()
            for _ in range(args.calls):
                sim.post_soap("OXUserService", xml, conn=conn)
            c1, t1 = cpu(sim.proc.pid), time.monotonic()
            print("%s: %.3f ms emulator CPU per call, %.3f ms wall"
                  " (%d calls; load average %.2f %.2f %.2f)" % (
                      (op, (c1 - c0) * 1000 / args.calls,
                       (t1 - t0) * 1000 / args.calls, args.calls)
                      + os.getloadavg()))
        if args.out:
            with open(args.out, "w") as f:
                for op, answer in answers:
                    f.write("%s %r\n" % (op, answer))
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
