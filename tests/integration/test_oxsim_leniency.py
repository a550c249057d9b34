"""Requests shaped like OX's own sample clients (Perl SOAP::Lite, PHP
SoapClient non-WSDL RPC/encoded) and other shapes real OX accepts
(docs/reference/ox-soap.md §2): the emulator must answer them like OX
does."""
import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.oxsim import (OxSim, as_dict, ctx_xml, creds_xml,  # noqa: E402
                           fault_string, returns)

ENV_PERL = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            '<soap:Body>%s</soap:Body></soap:Envelope>')

ENV_PHP = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:ns1="http://soap.admin.openexchange.com" '
           'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
           'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
           '<SOAP-ENV:Body>%s</SOAP-ENV:Body></SOAP-ENV:Envelope>')


def perl_struct(gensym, xsitype, fields):
    """SOAP::Data->type(T)->value(\\SOAP::Data->value(name => v, ...))."""
    attr = ' xsi:type="%s"' % xsitype if xsitype else ""
    inner = "".join('<%s xsi:type="xsd:string">%s</%s>' % (k, v, k) for k, v in fields)
    return "<c-gensym%d%s>%s</c-gensym%d>" % (gensym, attr, inner, gensym)


def php_struct(i, fields):
    """A PHP object in non-WSDL mode: paramN, SOAP-ENC:Struct, nil for null."""
    inner = ""
    for k, v in fields:
        if v is None:
            inner += '<%s xsi:nil="true"/>' % k
        else:
            inner += '<%s xsi:type="xsd:string">%s</%s>' % (k, v, k)
    return '<param%d xsi:type="SOAP-ENC:Struct">%s</param%d>' % (i, inner, i)


@pytest.fixture(scope="module")
def sim():
    s = OxSim().start()
    yield s
    assert s.stop() == 0


@pytest.fixture(autouse=True)
def clean(sim):
    sim.reset()


def post(sim, service, body, headers=None):
    status, data = sim.post_soap(service, body, headers=headers)
    return status, ET.fromstring(data)


CTX = [("id", "424242"), ("name", "testcontext"), ("maxQuota", "5555")]
ADMIN = [("name", "oxadmin"), ("display_name", "Context Admin"), ("given_name", "C"),
         ("sur_name", "A"), ("password", "secret"), ("primaryEmail", "admin@testcontext.org")]
CREDS = [("login", "oxadmin"), ("password", "secret")]
MASTERC = [("login", "oxadminmaster"), ("password", "secret")]


def test_perl_soap_lite_createcontext_and_createuser(sim):
    # ->ns(uri): prefixed wrapper, unqualified c-gensym children
    body = ('<namesp1:create xmlns:namesp1="http://soap.admin.openexchange.com">%s%s%s'
            '</namesp1:create>' % (perl_struct(3, "namesp1:Context", CTX),
                                   perl_struct(5, None, ADMIN),
                                   perl_struct(7, "namesp1:Credentials", MASTERC)))
    status, root = post(sim, "OXContextService", ENV_PERL % body)
    assert status == 200, fault_string(root)
    assert as_dict(returns(root)[0])["id"] == "424242"
    # the createuser sample, default-namespace wrapper (children inherit it)
    user = [("name", "testuser"), ("password", "secret"), ("display_name", "testuser"),
            ("sur_name", "user"), ("given_name", "test"),
            ("primaryEmail", "testuser@bla.de"), ("email1", "testuser@bla.de"),
            ("language", "de_DE"), ("timezone", "Europe/Berlin")]
    body = ('<create xmlns="http://soap.admin.openexchange.com">%s%s%s</create>'
            % (perl_struct(11, "Context", [("id", "424242")]), perl_struct(12, None, user),
               perl_struct(13, "Credentials", CREDS)))
    status, root = post(sim, "OXUserService", ENV_PERL % body)
    assert status == 200, fault_string(root)
    d = as_dict(returns(root)[0])
    assert d["name"] == "testuser" and d["language"] == "de_DE"


def test_perl_generic_names_bound_by_xsi_type_not_order(sim):
    sim.create_context(1, "a.example", admin=dict(
        name="oxadmin", password="secret", display_name="A", given_name="A",
        sur_name="A", primaryEmail="a@a.example"))
    # Credentials first, Context second: xsi:type decides, not position
    body = ('<namesp1:getData xmlns:namesp1="http://soap.admin.openexchange.com">%s%s'
            '</namesp1:getData>' % (perl_struct(1, "namesp2:Credentials", MASTERC),
                                    perl_struct(2, "namesp2:Context", [("id", "1")])))
    status, root = post(sim, "OXContextService", ENV_PERL % body)
    assert status == 200, fault_string(root)
    assert as_dict(returns(root)[0])["name"] == "a.example"


def php_ctx(cid):
    return [("average_size", None), ("enabled", None), ("filestoreId", None),
            ("filestore_name", None), ("id", str(cid)), ("idAsString", None),
            ("loginMappings", None), ("maintenanceReason", None), ("maxQuota", None),
            ("name", None), ("readDatabase", None), ("usedQuota", None),
            ("writeDatabase", None), ("idset", "1")]


def test_php_soapclient_rpc_encoded(sim):
    ctx = [(k, v) for k, v in php_ctx(7) if k != "maxQuota"] + [("maxQuota", "100")]
    body = "<ns1:create>%s%s%s</ns1:create>" % (
        php_struct(0, ctx), php_struct(1, ADMIN + [("contextadmin", "false")]),
        php_struct(2, MASTERC))
    status, root = post(sim, "OXContextService", ENV_PHP % body)
    assert status == 200, fault_string(root)
    # OX's createuser.php sends displayname/email, which are not User fields:
    # real OX answers with the missing mandatory fields
    user = [("name", "soap_test_user_1"), ("displayname", "OX Soap Test User 1"),
            ("given_name", "G"), ("sur_name", "S"), ("password", "secret"),
            ("email", "soap_test_user_1@context7.org"), ("aliases", None)]
    body = "<ns1:create>%s%s%s</ns1:create>" % (
        php_struct(0, php_ctx(7)), php_struct(1, user), php_struct(2, CREDS))
    status, root = post(sim, "OXUserService", ENV_PHP % body)
    assert status == 500
    assert fault_string(root) == "Mandatory fields not set: display_name, primaryEmail"
    # getFullUserObject() style: a complete object with many nils
    user = [("name", "u1"), ("display_name", "U One"), ("given_name", "G"),
            ("sur_name", "S"), ("password", "secret"), ("email1", "u1@context7.org"),
            ("primaryEmail", "u1@context7.org"), ("imapServer", "imaps://u1_imapserver:993"),
            ("smtpServer", "smtps://u1_smtpServer:583"), ("gUI_Spam_filter_capabilities_enabled", "false"),
            ("mailenabled", "true"), ("nickname", None), ("language", "de_DE")]
    body = "<ns1:create>%s%s%s</ns1:create>" % (
        php_struct(0, php_ctx(7)), php_struct(1, user), php_struct(2, CREDS))
    status, root = post(sim, "OXUserService", ENV_PHP % body)
    assert status == 200, fault_string(root)
    d = as_dict(returns(root)[0])
    assert d["imapServerString"] == "imaps://u1_imapserver:993" and d["smtpPort"] == "583"


def test_php_array_of_aliases_with_repeated_keys(sim):
    sim.create_context(1, "a.example", admin=dict(
        name="oxadmin", password="secret", display_name="A", given_name="A",
        sur_name="A", primaryEmail="a@a.example"))
    fields = [("id", "2"), ("aliases", "a@a.example"), ("aliases", "b@a.example")]
    body = "<ns1:change>%s%s%s</ns1:change>" % (
        php_struct(0, php_ctx(1)), php_struct(1, fields), php_struct(2, CREDS))
    status, root = post(sim, "OXUserService", ENV_PHP % body)
    assert status == 200, fault_string(root)
    assert sorted(sim.state()["contexts"][0]["users"][0]["aliases"]) == ["a@a.example", "b@a.example"]


def test_unqualified_children_and_soapaction_ignored(sim):
    sim.create_context(1, "a.example")
    body = ('<ns:getData xmlns:ns="http://soap.admin.openexchange.com">'
            '<ctx><id>1</id></ctx><auth><login>oxadminmaster</login><password>secret</password></auth>'
            '</ns:getData>')
    status, root = post(sim, "OXContextService", ENV_PERL % body,
                        headers={"SOAPAction": '"urn:delete"'})
    assert status == 200, fault_string(root)
    assert as_dict(returns(root)[0])["name"] == "a.example"
    assert sim.state()["contexts"], "SOAPAction must not have deleted anything"


def test_mixed_qualification_and_nil_parameters(sim):
    sim.create_context(1, "a.example")
    # xsi:nil on a data field is "not set": change leaves maxQuota alone
    params = ('<s:ctx><d:id>1</d:id><d:maxQuota xsi:nil="true" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:ctx>'
              + creds_xml("oxadminmaster", "secret"))
    assert sim.call("OXContextService", "change", params)[0] == 200
    assert sim.state()["contexts"][0]["maxQuota"] == 100
    # unknown elements are ignored, as CXF does
    params = ctx_xml(id=1, futureField="x") + "<s:unknownParam>1</s:unknownParam>" \
        + creds_xml("oxadminmaster", "secret")
    assert sim.call("OXContextService", "getData", params)[0] == 200


def test_malformed_xml_is_a_client_fault(sim):
    status, root = post(sim, "OXContextService", "<soap:Envelope")
    assert status == 500
    assert any(el.text == "soap:Client" for el in root.iter() if el.tag == "faultcode")
    status, root = post(sim, "OXContextService", ENV_PERL % "")
    assert status == 500 and fault_string(root)
