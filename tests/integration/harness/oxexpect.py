"""The OX state a replicator run should converge to, computed in Python
from psa and the prefs we set, and the comparison with /oxsim/state.

Used by the crash, fault and benchmark checks
(tests/integration/test_replication_crash.py, test_replication_faults.py,
bench/replicate.py). The rules are those of lib/oxt_desired.c and
lib/oxt_plan.c, written again independently so that a mistake in either
shows up as a difference:

  - a domain is suspended when its status or its owner's (the client, or
    the client's reseller, or the reseller owning it directly) is not 0;
    nothing of a suspended domain is created;
  - mail is on when a DomainServices row of type 'mail' has status 0;
  - a mailbox is a user when postbox = 'true', its domain is not
    suspended, mail is on, the domain is selected (prefs, domain level
    only here: the callers set prefs per domain) and the password is
    usable: not empty/NULL, not 'crypt'; 'sym' passwords are the
    generator's plain text user<mail.id>@<domain>-pw (gendata README);
  - a context exists when its domain has at least one user;
  - user: name = mail_name (OX refuses renames, so a renamed mailbox keeps
    its first name: pass ox_names), primaryEmail = email1 =
    defaultSenderAddress = mail_name@domain, aliases = every local part
    (the mailbox's and its mail_aliases) at the domain and at each
    mail-enabled, unsuspended domain alias, display name
    mail_name@displayName, given name mail_name, surname displayName,
    IMAP login = the address, servers from the Settings, language /
    time zone / service type from the domain prefs or the Settings'
    defaults; context: name = domain name, login mappings = the domain
    and its mail-enabled aliases, quota = the Settings' default (100 MB),
    exactly one context admin, whose address is ITS_NAME@context.

Passwords are compared through the emulator's salted digests
(password_sha256, harness/oxsim.py): the state never shows a password.

Stdlib only.
"""
import collections

from .oxsim import password_hash

IMAP = ("imap.example.test", "143")
SMTP = ("smtp.example.test", "25")
ACCESS = {"webmail": "webmail", "groupware_standard": "groupware_standard",
          "groupware_premium": "groupware_premium"}


def _rows(px, db, sql):
    return px.sql(db, sql)


def desired(px, ox_names=None, default_language="en_US",
            default_timezone="Europe/Berlin", default_quota=100,
            imap=IMAP, smtp=SMTP):
    """{context name: {"dom_id", "quota", "mappings" (set), "users":
    {user name: {field: value}}}}. ox_names: {mail_id: name} of users
    created before a rename (OX keeps the first user name)."""
    ox_names = ox_names or {}
    prefs = {}
    for lvl, pid, forever, lang, tz, svc in _rows(
            px, "oxt", "SELECT level, plesk_id, webmail_forever, language,"
            " timezone, service_type FROM prefs"):
        assert lvl == "domain", "oxexpect handles domain-level prefs only"
        prefs[int(pid)] = dict(forever=forever, language=lang, timezone=tz,
                               service=svc)
    domains = {}
    for (did, name, disp, dstat, mail_on, ctype, cstat, otype,
         ostat) in _rows(px, "psa",
                         "SELECT d.id, d.name, COALESCE(d.displayName, d.name),"
                         " d.status, (ds.id IS NOT NULL AND ds.status = 0),"
                         " c.type, c.status, o.type, o.status"
                         " FROM domains d JOIN clients c ON c.id = d.cl_id"
                         " LEFT JOIN clients o ON o.id = c.parent_id"
                         " LEFT JOIN DomainServices ds ON ds.dom_id = d.id"
                         " AND ds.type = 'mail'"):
        suspended = int(dstat) != 0
        if ctype in ("client", "reseller") and int(cstat) != 0:
            suspended = True
        if ctype == "client" and otype == "reseller" and int(ostat or 0):
            suspended = True
        domains[int(did)] = dict(name=name, display=disp,
                                 suspended=suspended, mail_on=mail_on == "1",
                                 aliases=[])
    for did, alias in _rows(px, "psa", "SELECT dom_id, name FROM domainaliases"
                            " WHERE mail = 'true' AND status = 0"):
        if int(did) in domains:
            domains[int(did)]["aliases"].append(alias)
    mail_aliases = collections.defaultdict(list)
    for mid, alias in _rows(px, "psa", "SELECT mn_id, alias FROM mail_aliases"):
        mail_aliases[int(mid)].append(alias)
    out = {}
    for (mid, mname, did, postbox, ptype, pw) in _rows(
            px, "psa", "SELECT m.id, m.mail_name, m.dom_id, m.postbox,"
            " a.type, a.password FROM mail m"
            " LEFT JOIN accounts a ON a.id = m.account_id"):
        mid, did = int(mid), int(did)
        d = domains[did]
        pref = prefs.get(did, {})
        if postbox != "true" or d["suspended"] or not d["mail_on"]:
            continue
        if pref.get("forever") != "on":
            continue
        ptype = ptype or "plain"
        if not pw or ptype == "crypt":
            continue
        if ptype == "sym":
            # the generator's text, from the id (a rename keeps it)
            pw = "user%d@%s-pw" % (mid, d["name"])
        elif ptype != "plain":
            continue
        addr = "%s@%s" % (mname, d["name"])
        aliases = set()
        for dom in [d["name"]] + d["aliases"]:
            for local in [mname] + mail_aliases[mid]:
                aliases.add("%s@%s" % (local, dom))
        svc = pref.get("service") or "webmail"
        user = {
            "name": ox_names.get(mid, mname),
            "primaryEmail": addr, "email1": addr,
            "defaultSenderAddress": addr,
            "aliases": sorted(aliases),
            "display_name": "%s@%s" % (mname, d["display"]),
            "given_name": mname, "sur_name": d["display"],
            "imapLogin": addr,
            "imapServer": imap[0], "imapPort": imap[1],
            "smtpServer": smtp[0], "smtpPort": smtp[1],
            "language": pref.get("language") or default_language,
            "timezone": pref.get("timezone") or default_timezone,
            "password": pw,
            "access_combination": ACCESS[svc],
            "_mail_id": mid,
        }
        ctx = out.setdefault(d["name"], dict(
            dom_id=did, quota=default_quota, users={},
            mappings=set([d["name"]] + d["aliases"])))
        assert user["name"] not in ctx["users"], "two mailboxes named %s" % (
            user["name"])
        ctx["users"][user["name"]] = user
    return out


def ox_names_of(want):
    """{mail_id: OX user name} of a desired state (for ox_names later)."""
    return {u["_mail_id"]: name for ctx in want.values()
            for name, u in ctx["users"].items()}


def compare(want, state, limit=40):
    """Differences between the desired state and /oxsim/state, as a list
    of strings (empty: equal). Checks every context and user exactly once:
    duplicates, leftovers, missing ones and every attribute above."""
    problems = []
    names = collections.Counter(c["name"] for c in state["contexts"])
    for name, n in names.items():
        if n > 1:
            problems.append("context %s exists %d times" % (name, n))
    ids = collections.Counter(c["id"] for c in state["contexts"])
    problems += ["context id %s used %d times" % kv for kv in ids.items()
                 if kv[1] > 1]
    have = {c["name"]: c for c in state["contexts"]}
    for name in sorted(set(have) - set(want)):
        problems.append("leftover context %s (users %s)" % (
            name, sorted(u["name"] for u in have[name]["users"])[:5]))
    for name in sorted(set(want) - set(have)):
        problems.append("missing context %s" % name)
    for name in sorted(set(want) & set(have)):
        w, c = want[name], have[name]
        if c["maxQuota"] != w["quota"]:
            problems.append("%s: maxQuota %r, want %r" % (
                name, c["maxQuota"], w["quota"]))
        if not c["enabled"]:
            problems.append("%s: disabled" % name)
        maps = set(c["loginMappings"]) - {str(c["id"])}
        if maps != w["mappings"]:
            problems.append("%s: loginMappings %s, want %s" % (
                name, sorted(maps), sorted(w["mappings"])))
        admins = [u for u in c["users"] if u.get("contextadmin")]
        if len(admins) != 1:
            problems.append("%s: %d context admins" % (name, len(admins)))
        for a in admins:
            # its address follows the context's name (issue 13, finding 4)
            mail = "%s@%s" % (a["name"], name)
            got = (a.get("primaryEmail"), a.get("email1"),
                   a.get("defaultSenderAddress"), sorted(a.get("aliases")
                                                         or []))
            if got != (mail, mail, mail, [mail]):
                problems.append("%s: context admin %s has addresses %r,"
                                " want %s" % (name, a["name"], got, mail))
        users = [u for u in c["users"] if not u.get("contextadmin")]
        count = collections.Counter(u["name"] for u in users)
        for uname, n in count.items():
            if n > 1:
                problems.append("%s: user %s exists %d times" % (name, uname, n))
        if len(users) != len(w["users"]):
            problems.append("%s: %d users, want %d" % (
                name, len(users), len(w["users"])))
        got = {u["name"]: u for u in users}
        for uname in sorted(set(got) - set(w["users"])):
            problems.append("%s: leftover user %s" % (name, uname))
        for uname in sorted(set(w["users"]) - set(got)):
            problems.append("%s: missing user %s" % (name, uname))
        for uname in sorted(set(w["users"]) & set(got)):
            wu, gu = w["users"][uname], got[uname]
            for key, val in wu.items():
                if key.startswith("_"):
                    continue
                g = gu.get(key)
                if key == "aliases":
                    g = sorted(g or [])
                if key == "password":
                    if gu.get("password_sha256") != password_hash(
                            state.get("password_salt", ""), c["id"],
                            gu["id"], val):
                        problems.append("%s/%s: password differs" % (
                            name, uname))
                    continue
                if g != val:
                    problems.append("%s/%s: %s = %r, want %r" % (
                        name, uname, key, g, val))
    if len(problems) > limit:
        problems = problems[:limit] + ["... %d more" % (len(problems) - limit)]
    return problems


def compare_state_tables(px, state, want):
    """The oxtender state tables agree with OX: every context and user we
    hold an id for is the one OX has, and nothing else has an id."""
    problems = []
    have = {c["name"]: c for c in state["contexts"]}
    rows = px.sql("oxt", "SELECT dom_id, ox_context_id, context_name, status,"
                  " CONCAT(admin_login, '@', context_name) ="
                  " applied_admin_address FROM domain_state")
    by_dom = {}
    for dom_id, cid, cname, status, admin_ok in rows:
        by_dom[int(dom_id)] = (cid, cname, status, admin_ok)
    for name, w in want.items():
        row = by_dom.pop(w["dom_id"], None)
        if row is None:
            problems.append("domain_state: no row for %s" % name)
            continue
        cid, cname, status, admin_ok = row
        ctx = have.get(name)
        if ctx is None or cid is None or int(cid) != ctx["id"] \
                or cname != name or status != "ok" or admin_ok != "1":
            problems.append("domain_state %s: id %s name %s status %s"
                            " admin address %s; OX id %s"
                            % (name, cid, cname, status,
                               "ok" if admin_ok == "1" else "not recorded",
                               ctx["id"] if ctx else None))
    for dom_id, row in by_dom.items():
        problems.append("domain_state: leftover row dom %d %r" % (dom_id, row))
    users = {}
    for ctx in state["contexts"]:
        for u in ctx["users"]:
            users[(ctx["id"], u["name"])] = u["id"]
    rows = px.sql("oxt", "SELECT mail_id, ox_context_id, ox_user_id, status"
                  " FROM mailbox_state WHERE ox_user_id IS NOT NULL")
    got = {int(r[0]): r[1:] for r in rows}
    for name, w in want.items():
        ctx = have.get(name)
        for uname, u in w["users"].items():
            row = got.pop(u["_mail_id"], None)
            if row is None:
                problems.append("mailbox_state: no id for mail %d (%s@%s)"
                                % (u["_mail_id"], uname, name))
                continue
            cid, uid, status = row
            oid = users.get((ctx["id"], uname)) if ctx else None
            if ctx is None or int(cid) != ctx["id"] or int(uid) != oid \
                    or status != "replicated":
                problems.append("mailbox_state mail %d: ctx %s user %s %s;"
                                " OX ctx %s user %s" % (
                                    u["_mail_id"], cid, uid, status,
                                    ctx["id"] if ctx else None, oid))
    for mid, row in got.items():
        problems.append("mailbox_state: leftover id for mail %d %r" % (mid, row))
    return problems[:40]


def count_users(want):
    return sum(len(c["users"]) for c in want.values())
