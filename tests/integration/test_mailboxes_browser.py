"""The Mailboxes page in headless Chromium, served by the module itself
(harness/mailboxes.py: Plesk 9 site with hostile names, a mailbox whose
own name is markup):

  - a hostile owner (the heading) and a hostile mailbox name (the row,
    the dialog, the Info message) execute nothing and arrive as text;
  - with JavaScript: the header box of Change Service ticks the column,
    Apply Your Changes opens the Change Service dialog in place (a
    <dialog> over the list, focus in it), its OK records the change and
    the list shows "Update in progress" with the Info message;
  - without JavaScript: the header box is not offered (it would do
    nothing), the same flow works with plain form posts;
  - the reseller, the client and the domain administrator of the hostile
    domain each see only its mailboxes, as text, and change one through
    the dialog, with and without JavaScript.
Screenshots go to tests/gen/artifacts.
"""
import pytest

from harness.mailboxes import HOSTILE_MAIL, HOSTILE_NAMES
from test_lists_browser import inert as lists_inert, ready
from test_lists_browser import js, nojs  # noqa: F401 (fixtures)

pytestmark = pytest.mark.expect_log("AH01631")


@pytest.fixture(scope="module")
def mb(mbox_site):
    return mbox_site


def sign_in(b, mb, login):
    sid = mb.site.add_session(login)
    b.get(mb.httpd.url("/oxtender-static/oxtender.css"))
    b.driver.add_cookie({"name": "PHPSESSID", "value": sid, "path": "/"})


def inert(b):
    lists_inert(b)
    assert b.js("return document.querySelectorAll('img[src=x]').length") \
        == 0


def hostile_client(mb):
    """The client named HOSTILE_NAMES[0] owns hostile0.example."""
    return mb.hostile_ids["client"][0]


def open_list(b, mb, cid):
    b.get(mb.httpd.url("/oxtender/mailboxes?client=%d&per_page=all" % cid))
    ready(b)


def row_of(b, mail_id):
    box = b.find("input[name=ox_service][value='%d']" % mail_id)
    return box.find_element("xpath", "./ancestor::tr")


def change_flow(b, mb, pick, service, label):
    """Apply with the boxes pick() ticked, choose service in the dialog,
    OK: the Info message and the list as they come back."""
    pick()
    b.find("button[name=apply]").click()
    if b.javascript:
        # in place, as the guide's pop-up panel: the list stays behind it
        b.wait_css("dialog.oxt-dialog[open] #oxt-change-form")
        assert b.find_all("#oxt-list-form")
        assert b.active().get_attribute("name") == "service"
    else:
        b.wait_css("#oxt-change-form")
    inert(b)
    assert HOSTILE_MAIL in b.find("#oxt-change-form p").text
    b.find("input[name=service][value=%s]" % service).click()
    b.screenshot("mailboxes-dialog-%s" % ("js" if b.javascript else "nojs"))
    b.find("#oxt-change-form button[type=submit]").click()
    info = b.wait_css("[role=status]")
    ready(b)
    inert(b)
    assert info.text.startswith("Info: Service type for mailbox(es) ")
    assert HOSTILE_MAIL + "@hostile0.example" in info.text
    assert "(Update in progress: %s)" % label in \
        row_of(b, mb.hostile_mail_id).text
    b.screenshot("mailboxes-after-%s" % ("js" if b.javascript else "nojs"))


def test_hostile_names_are_text_and_the_header_box_ticks_all(mb, js):
    sign_in(js, mb, "admin")
    cid = hostile_client(mb)
    open_list(js, mb, cid)
    inert(js)
    assert js.find("h1").text == ("Mailboxes Management for Client "
                                  + HOSTILE_NAMES[0])
    name = row_of(js, mb.hostile_mail_id).find_element(
        "css selector", "td.oxt-col-name bdi").text
    assert name == HOSTILE_MAIL + "@hostile0.example"

    def pick():
        js.find("input[data-oxt-all=change]").click()
        boxes = js.find_all("input[name=change]")
        assert boxes and all(b.is_selected() for b in boxes)

    change_flow(js, mb, pick, "groupware_premium", "Groupware Premium")
    assert mb.state(mb.hostile_mail_id)[1] == "groupware_premium"


def test_without_javascript_the_same_flow_works(mb, nojs):
    sign_in(nojs, mb, "admin")
    open_list(nojs, mb, hostile_client(mb))
    inert(nojs)
    assert not nojs.find("label.oxt-all").is_displayed()

    def pick():
        row_of(nojs, mb.hostile_mail_id).find_element(
            "css selector", "input[name=change]").click()

    change_flow(nojs, mb, pick, "groupware_standard", "Groupware Standard")
    assert mb.state(mb.hostile_mail_id)[1] == "groupware_standard"


def role_login(mb, role, dom):
    """The sign-in of role over the hostile domain dom: its reseller, its
    client, or its own domain administrator (added for the test)."""
    if role == "reseller":
        return "hostile-r"
    if role == "client":
        return "hostile-c0"
    mb.site.psa_sql("INSERT IGNORE INTO dom_level_usrs (dom_id, state)"
                    " VALUES (%d, 'true');\n" % dom)
    return "hostile0.example"


@pytest.mark.parametrize("mode", ["js", "nojs"])
@pytest.mark.parametrize("role,service,label", [
    ("reseller", "groupware_premium", "Groupware Premium"),
    ("client", "groupware_standard", "Groupware Standard"),
    ("domain", "groupware_premium", "Groupware Premium"),
    # (Webmail is the mailbox's service in effect: choosing it changes
    # nothing, so no "Update in progress" would show)
])
def test_every_role_changes_its_mailbox_in_the_browser(mb, request, mode,
                                                       role, service, label):
    """Each level below the admin signs in, opens the hostile domain's
    mailboxes (its own part), sees the hostile names as text and changes
    the service through the dialog, with and without JavaScript."""
    b = request.getfixturevalue(mode)
    dom = int(mb.site.psa_scalar("SELECT id FROM domains WHERE name ="
                                 " 'hostile0.example'"))
    try:
        sign_in(b, mb, role_login(mb, role, dom))
        b.get(mb.httpd.url("/oxtender/mailboxes?domain=%d" % dom))
        ready(b)
        inert(b)
        assert b.find("h1").text.startswith("Mailboxes Management")
        names = [e.text for e in b.find_all("td.oxt-col-name bdi")]
        assert HOSTILE_MAIL + "@hostile0.example" in names
        assert all(n.endswith("@hostile0.example") for n in names), names

        def pick():
            row_of(b, mb.hostile_mail_id).find_element(
                "css selector", "input[name=change]").click()

        change_flow(b, mb, pick, service, label)
        assert mb.state(mb.hostile_mail_id)[1] == service
    finally:
        mb.site.psa_sql("DELETE FROM dom_level_usrs WHERE dom_id = %d;\n"
                        % dom)
