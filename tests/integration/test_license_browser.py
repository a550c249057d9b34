"""The License page in headless Chromium, with JavaScript on and off, on
the site of harness/licpage.py: a key file chosen in the file input and
uploaded shows its properties; a bad one is refused with its reason and
the key in force stays; the page executes nothing it was not meant to.
Screenshots go to tests/gen/artifacts.
"""
import os

import pytest

from harness.licpage import KEPT
from test_setlogs_browser import inert, sign_in

pytestmark = pytest.mark.expect_log("AH01631")


@pytest.fixture(params=["js", "nojs"])
def b(request, browser, browser_nojs, license_site):
    br = browser if request.param == "js" else browser_nojs
    license_site.reset()
    yield br
    br.reset()
    license_site.reset()


def choose_and_upload(b, path):
    b.find("#f-key").send_keys(path)
    b.find("#oxt-lic-upload-form button[type=submit]").click()


def test_upload_a_key_through_the_file_input(license_site, b):
    lp = license_site
    tag = "js" if b.javascript else "nojs"
    number = "OXT-BROWSER-" + tag.upper()
    path = os.path.join(lp.site.root, "browser-%s.key" % tag)
    with open(path, "w") as f:
        f.write(lp.mint(number=number, ownership="owned", tier="100",
                        premium="yes", free_usage="no"))
    sign_in(b, lp, "admin", "license")
    assert b.find("h1").text.startswith("License Management")
    assert b.find("#oxt-lic-number").text == KEPT
    assert b.find("a[aria-current=page]").text == "License"
    choose_and_upload(b, path)
    b.wait(lambda d: b.find("#oxt-lic-number").text == number)
    assert "The license key is in force." in b.find("div.oxt-msg-info").text
    assert b.find("#oxt-lic-ownership").text == "Owned"
    assert b.find("#oxt-lic-tier").text == "100 domains"
    assert b.find("#oxt-lic-premium").text == "Yes"
    assert b.find("#oxt-lic-free").text == "No"
    b.screenshot("license-%s-uploaded" % tag)
    inert(b)
    # a changed key is refused, the one in force stays
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("tier: 100", "tier: unlimited"))
    choose_and_upload(b, path)
    err = b.wait_css("div.oxt-msg-error")
    assert "The license key was refused" in err.text
    assert "The key in force is kept." in err.text
    assert b.find("#oxt-lic-number").text == number
    assert lp.number() == number
    b.screenshot("license-%s-refused" % tag)
    inert(b)
