"""Configuration mistakes stop Apache at configuration time
(`apache2 -t`), with a message that names the file, key and line.
"""
import os
import secrets

import pytest

from harness.apache import Apache, ApacheError


@pytest.fixture(scope="module")
def offline(run_dir, site):
    """An Apache that is never started: configtest and failed starts."""
    reason = Apache.available()
    if reason:
        pytest.skip(reason)
    return Apache(os.path.join(run_dir, "apache-offline"), site.config)


def output(res):
    return res.stdout + res.stderr


def test_good_config_passes_configtest(offline):
    """The control: the negative cases below fail for their own reason."""
    res = offline.configtest(offline.conf_text())
    assert res.returncode == 0, output(res)
    assert "Syntax OK" in output(res)


def test_missing_config_file(offline):
    path = "/nonexistent/oxtender-%s.conf" % secrets.token_hex(4)
    res = offline.configtest(offline.conf_text(oxtender_config=path))
    assert res.returncode != 0, output(res)
    assert path in output(res)
    assert "Syntax OK" not in output(res)


def config_with(site, name, extra_lines=(), **overrides):
    path = os.path.join(site.root, name)
    site.write_config(path, extra_lines=extra_lines, **overrides)
    with open(path) as f:
        lines = f.read().splitlines()
    return path, lines


def test_unknown_key_names_key_and_line(offline, site):
    path, lines = config_with(site, "unknown-key.conf",
                              extra_lines=["bogus_key = 1", "# after"])
    lineno = lines.index("bogus_key = 1") + 1
    res = offline.configtest(offline.conf_text(oxtender_config=path))
    out = output(res)
    assert res.returncode != 0, out
    assert "bogus_key" in out
    assert "%s:%d" % (path, lineno) in out, out


def test_bad_value_names_key_and_line(offline, site):
    path, lines = config_with(site, "bad-port.conf", db_port="99999")
    lineno = lines.index("db_port = 99999") + 1
    res = offline.configtest(offline.conf_text(oxtender_config=path))
    out = output(res)
    assert res.returncode != 0, out
    assert "%s:%d" % (path, lineno) in out, out
    assert "db_port" in out or "99999" in out, out


def test_line_without_equals(offline, site):
    path, lines = config_with(site, "no-equals.conf",
                              extra_lines=["just some words"])
    lineno = lines.index("just some words") + 1
    res = offline.configtest(offline.conf_text(oxtender_config=path))
    assert res.returncode != 0, output(res)
    assert "%s:%d" % (path, lineno) in output(res), output(res)


def test_config_directive_not_allowed_in_location(offline, site):
    extra = ("<Location /elsewhere>\n    OxtenderConfig %s\n</Location>"
             % site.config)
    res = offline.configtest(offline.conf_text(extra=extra))
    assert res.returncode != 0, output(res)
    assert "OxtenderConfig" in output(res)


def test_base_uri_must_be_a_path(offline):
    extra = ("<Location /groupware>\n    SetHandler oxtender\n"
             "    OxtenderBaseURI groupware\n</Location>")
    res = offline.configtest(offline.conf_text(extra=extra))
    assert res.returncode != 0, output(res)
    assert "OxtenderBaseURI" in output(res)


def test_start_without_oxtender_config_fails(run_dir, site):
    """Loaded but never told where its config is: refuse to start, say why
    (OXT00010, level crit) instead of serving 503s."""
    httpd = Apache(os.path.join(run_dir, "apache-noconfig"), site.config)
    httpd.oxtender_config = ""
    with pytest.raises(ApacheError) as err:
        httpd.start(timeout=15)
    assert not httpd.running()
    assert "OXT00010" in str(err.value), str(err.value)


def test_base_uri_moves_the_pages(apache_conf, site):
    """OxtenderBaseURI inside another <Location> serves the home page there;
    paths outside the base are not pages."""
    httpd = apache_conf(
        "<Location /groupware>\n"
        "    SetHandler oxtender\n"
        "    OxtenderBaseURI /groupware\n"
        "    AuthType Oxtender\n"
        '    AuthName "OXtender"\n'
        "    Require oxtender-role admin\n"
        "</Location>")
    auth = ("admin", site.admin_password)
    r = httpd.get("/groupware/?format=json", auth=auth)
    assert r.status == 200, r.text
    assert r.json()["role"] == "admin"
    assert httpd.get("/groupware/nope", auth=auth).status == 404


@pytest.mark.parametrize("directive,where", [
    ("OxtenderSessionIdleTimeout 5", "location"),
    ("OxtenderSessionIdleTimeout soon", "location"),
    ("OxtenderSessionCookie PHP;SESSID", "location"),
    ("OxtenderBasicAuth maybe", "location"),
    ("OxtenderTrustedProxy nginx.local", "server"),
    ("OxtenderClientAddressHeader X-Real:IP", "server"),
    ("OxtenderLoginThrottle 5", "server"),
    ("OxtenderLoginThrottle 0 10", "server"),
    ("OxtenderLoginThrottle often", "server"),
    ("Require oxtender-role admin owner", "location"),
    ("OxtenderLoginThrottle 5 50", "location"),
])
def test_bad_sign_in_directives_stop_configtest(offline, directive, where):
    """Every sign-in directive checks its value when Apache reads it (and
    a server-wide one is refused inside a <Location>)."""
    extra = directive if where == "server" else (
        "<Location /oxtender>\n    %s\n</Location>" % directive)
    res = offline.configtest(offline.conf_text(extra=extra))
    assert res.returncode != 0, output(res)
    assert directive.split()[0] in output(res) or "oxtender-role" in \
        output(res), output(res)


def test_good_sign_in_directives_pass_configtest(offline):
    extra = ("OxtenderTrustedProxy 127.0.0.1 ::1\n"
             "OxtenderClientAddressHeader X-Real-IP\n"
             "OxtenderLoginThrottle 10 100\n"
             "<Location /oxtender>\n"
             "    OxtenderSessionCookie PLESKSESSID\n"
             "    OxtenderSessionIdleTimeout 900\n"
             "    OxtenderBasicAuth Off\n"
             "</Location>")
    res = offline.configtest(offline.conf_text(extra=extra))
    assert res.returncode == 0, output(res)
