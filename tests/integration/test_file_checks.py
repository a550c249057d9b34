"""Key and configuration files (issue 8, finding 11): the module (at
`apache2 -t`) and the replicator refuse a configuration file or our key
file that others may read, that the group may write, that is owned by
somebody else, or that is a symlink, and say which file, what is wrong
and the fix. The checks live in the core (lib/oxt_util.c), so both front
ends say the same.
"""
import os
import shutil

import pytest

from harness.apache import Apache


@pytest.fixture(scope="module")
def offline(run_dir, site):
    """An Apache that is never started: configtest only."""
    reason = Apache.available()
    if reason:
        pytest.skip(reason)
    return Apache(os.path.join(run_dir, "apache-filecheck"), site.config)


def spoil(path, how):
    """Make path unsafe in one way; returns the path to use."""
    if how == "world-readable":
        os.chmod(path, 0o644)
    elif how == "group-writable":
        os.chmod(path, 0o660)
    elif how == "other owner":
        os.chown(path, 65534, 65534)
    elif how == "symlink":
        real = path + ".real"
        os.rename(path, real)
        os.symlink(real, path)
    return path


SAYS = {
    "world-readable": "is readable by everyone (mode 0644); fix: chmod 0640",
    "group-writable": "is writable by its group (mode 0660); fix: chmod 0640",
    "other owner": "is owned by uid 65534, not by root or by the user"
                   " running this",
    "symlink": "is a symbolic link; refusing to follow it",
}
CASES = [h for h in SAYS if h != "other owner" or os.geteuid() == 0]


def both_refuse(offline, site, config, what, says):
    res = site.replicator("status", config=config)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert what in out and says in out, out
    res = offline.configtest(offline.conf_text(oxtender_config=config))
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "Syntax OK" not in out, out
    assert "OxtenderConfig: " + what in out and says in out, out


def test_the_harness_files_pass(offline, site):
    """The control: the refusals below are for their own reason."""
    assert site.replicator("status").returncode == 0
    res = offline.configtest(offline.conf_text())
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("how", CASES)
def test_an_unsafe_configuration_file_is_refused(offline, site, tmp_path,
                                                 how):
    config = site.write_config(str(tmp_path / "oxtender.conf"))
    spoil(config, how)
    both_refuse(offline, site, config, "Unsafe configuration file: %s"
                % config, SAYS[how])


@pytest.mark.parametrize("how", CASES)
def test_an_unsafe_key_file_is_refused(offline, site, tmp_path, how):
    key = str(tmp_path / "secret.key")
    shutil.copyfile(site.secret_key, key)
    site.share_with_web_user(key)
    config = site.write_config(str(tmp_path / "oxtender.conf"),
                               secret_key_file=key)
    spoil(key, how)
    # status needs no key: a command that does (plan) says it
    res = site.replicator("plan", config=config)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "Unsafe key file: %s" % key in out \
        and SAYS[how] in out, out
    res = offline.configtest(offline.conf_text(oxtender_config=config))
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "Syntax OK" not in out, out
    assert "OxtenderConfig: Unsafe key file: %s" % key in out \
        and SAYS[how] in out, out
