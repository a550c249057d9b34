/*
 * test_soap.c — the safe XML parser, fault typing, reply classification,
 * password masking and the client's queueing, cap and debug capture (on
 * the fake transport of fake_soap.c).
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oxt_unit.h"
#include "oxt_soap.h"
#include "oxt_xml.h"
#include "oxt_utf8.h"
#include "fake_soap.h"

#define ENV_OPEN "<soap:Envelope " \
    "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
#define ENV_CLOSE "</soap:Body></soap:Envelope>"

static const char *fault_body(const char *text, apr_pool_t *p)
{
    return apr_pstrcat(p, ENV_OPEN, "<soap:Fault><faultcode>soap:Server"
                       "</faultcode><faultstring>", text,
                       "</faultstring><detail><InvalidDataException "
                       "xmlns=\"http://soap.admin.openexchange.com\"/>"
                       "</detail></soap:Fault>", ENV_CLOSE, NULL);
}

/* ---- parser ----------------------------------------------------------- */

START_TEST(parse_accepts_an_envelope)
{
    const char *xml = ENV_OPEN "<a>x &amp; y</a>" ENV_CLOSE;
    xmlDoc *doc = NULL;

    ck_assert_int_eq(oxt_xml_parse(&doc, xml, strlen(xml), NULL,
                                   oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(oxt_xml_child_text(
                         oxt_xml_child(xmlDocGetRootElement(doc), "Body"),
                         "a", oxt_test_pool), "x & y");
}
END_TEST

START_TEST(parse_refuses_billion_laughs)
{
    const char *xml =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz ["
        "<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
        "]>" ENV_OPEN "<a>&lol9;</a>" ENV_CLOSE;
    xmlDoc *doc = NULL;
    const char *err = NULL;
    apr_time_t start = apr_time_now();

    ck_assert_int_eq(oxt_xml_parse(&doc, xml, strlen(xml), &err,
                                   oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_ptr_null(doc);
    ck_assert_ptr_nonnull(strstr(err, "DTD"));
    ck_assert_int_lt(apr_time_now() - start, apr_time_from_sec(1));
}
END_TEST

START_TEST(parse_refuses_external_entities)
{
    const char *xml =
        "<?xml version=\"1.0\"?><!DOCTYPE r ["
        "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        ENV_OPEN "<a>&xxe;</a>" ENV_CLOSE;
    const char *ext =
        "<?xml version=\"1.0\"?>"
        "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\">"
        ENV_OPEN "<a/>" ENV_CLOSE;
    xmlDoc *doc = NULL;

    ck_assert_int_eq(oxt_xml_parse(&doc, xml, strlen(xml), NULL,
                                   oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_int_eq(oxt_xml_parse(&doc, ext, strlen(ext), NULL,
                                   oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_ptr_null(doc);
}
END_TEST

static const char *const malformed[] = {
    "",
    "<",
    "not xml at all",
    ENV_OPEN "<a>unclosed" ENV_CLOSE,
    ENV_OPEN "<a>&undefined;</a>" ENV_CLOSE,
    "<a></b>",
    "<a>\xff\xfe</a>",
};

START_TEST(parse_refuses_malformed_documents)
{
    xmlDoc *doc = NULL;
    const char *err = NULL;
    const char *xml = malformed[_i];

    ck_assert_int_eq(oxt_xml_parse(&doc, xml, strlen(xml), &err,
                                   oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_ptr_nonnull(err);
}
END_TEST

#define XSI "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

/* The lean parse leaves out nil elements from the given depth, with what
 * they hold, and keeps everything else: the nil ones above that depth,
 * nil false, a nil attribute of another namespace, the text around. */
START_TEST(a_lean_parse_builds_no_node_for_deep_nil_elements)
{
    const char *xml = ENV_OPEN "<r " XSI " xmlns:o=\"urn:other\">"
        "<ret><a xsi:nil=\"true\"/>x<b>1</b><c xsi:nil=\"1\"><d>2</d>"
        "text<!-- c --><?pi p?></c><e xsi:nil=\"false\">3</e>"
        "<f o:nil=\"true\">4</f>y</ret><ret xsi:nil=\"true\"/></r>"
        ENV_CLOSE;
    xmlDoc *doc = NULL;
    xmlNode *r, *ret, *n;
    int elems = 0;

    ck_assert_int_eq(oxt_xml_parse_lean(&doc, xml, strlen(xml), 5, NULL,
                                        oxt_test_pool), APR_SUCCESS);
    r = oxt_xml_child(oxt_xml_child(xmlDocGetRootElement(doc), "Body"),
                      "r");
    ret = oxt_xml_child(r, "ret");
    ck_assert_ptr_null(oxt_xml_child(ret, "a"));
    ck_assert_ptr_null(oxt_xml_child(ret, "c"));
    ck_assert_str_eq(oxt_xml_child_text(ret, "b", oxt_test_pool), "1");
    ck_assert_str_eq(oxt_xml_child_text(ret, "e", oxt_test_pool), "3");
    ck_assert_str_eq(oxt_xml_child_text(ret, "f", oxt_test_pool), "4");
    for (n = ret->children; n != NULL; n = n->next) {
        elems += n->type == XML_ELEMENT_NODE;
        ck_assert_int_ne(n->type, XML_COMMENT_NODE);
        ck_assert_int_ne(n->type, XML_PI_NODE);
    }
    ck_assert_int_eq(elems, 3);
    ck_assert_str_eq(oxt_xml_text(ret, oxt_test_pool), "x134y");
    /* a nil at depth 4 stays */
    n = oxt_xml_next(ret, "ret");
    ck_assert_ptr_nonnull(n);
    ck_assert_int_eq(oxt_xml_is_nil(n), 1);
}
END_TEST

/* What the lean parse leaves out is still read: a document that is not
 * well-formed inside a nil element is refused, a DTD is refused. */
static const char *const lean_malformed[] = {
    ENV_OPEN "<r " XSI "><ret><a xsi:nil=\"true\"><b></a></ret></r>"
        ENV_CLOSE,
    ENV_OPEN "<r " XSI "><ret><a xsi:nil=\"true\">&undefined;</a></ret>"
        "</r>" ENV_CLOSE,
    ENV_OPEN "<r " XSI "><ret><a xsi:nil=\"true\">\xff</a></ret></r>"
        ENV_CLOSE,
    ENV_OPEN "<r " XSI "><ret><a xsi:nil=\"true\"/></ret>",
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"e\">]>" ENV_OPEN
        "<r " XSI "><ret><a xsi:nil=\"true\">&e;</a></ret></r>" ENV_CLOSE,
};

START_TEST(a_lean_parse_refuses_what_the_parse_refuses)
{
    xmlDoc *doc = NULL;
    const char *err = NULL;
    const char *xml = lean_malformed[_i];

    ck_assert_int_eq(oxt_xml_parse(&doc, xml, strlen(xml), NULL,
                                   oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_int_eq(oxt_xml_parse_lean(&doc, xml, strlen(xml), 5, &err,
                                        oxt_test_pool), OXT_ESOAP_XML);
    ck_assert_ptr_null(doc);
    ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(text_check_refuses_what_xml_cannot_carry)
{
    ck_assert_int_eq(oxt_xml_check_text("m\xc3\xbcller & <co>"),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_xml_check_text("tab\tnl\n"), APR_SUCCESS);
    ck_assert_int_eq(oxt_xml_check_text("bell\x07"), APR_EINVAL);
    ck_assert_int_eq(oxt_xml_check_text("bad\xff"), APR_EINVAL);
    ck_assert_int_eq(oxt_xml_check_text("cut\xe2\x82"), APR_EINVAL);
    ck_assert_int_eq(oxt_xml_check_text("\xc0\xaf"), APR_EINVAL);
    ck_assert_int_eq(oxt_xml_check_text("\xef\xbf\xbe"), APR_EINVAL);
}
END_TEST

/* ---- faults ----------------------------------------------------------- */

/* Every OX fault text we act on, with the exception OX declares for it.
 * OX's SOAP layer wraps every exception, so the text is what decides;
 * the type only helps with texts we do not know. */
static const struct {
    const char *text;
    const char *type;
    apr_status_t rv;
} faults[] = {
    { "Authentication failed", "InvalidCredentialsException",
      OXT_ESOAP_AUTH },
    /* OX's reseller plugin, for every login that is not the master's */
    { "authentication failed", "InvalidCredentialsException",
      OXT_ESOAP_AUTH },
    { "Authentication failed for user oxadmin", "InvalidCredentialsException",
      OXT_ESOAP_AUTH },
    { "The context 42 does not exist!", "NoSuchContextException",
      OXT_ESOAP_NO_CTX },
    { "Context 42 does not exist", "NoSuchContextException",
      OXT_ESOAP_NO_CTX },
    { "Database for context 42 and server 3 can not be resolved",
      "StorageException", OXT_ESOAP_NO_CTX },
    { "Context 42 already exists!", "ContextExistsException",
      OXT_ESOAP_CTX_EXISTS },
    { "Context already exists!", "ContextExistsException",
      OXT_ESOAP_CTX_EXISTS },
    { "Context example.com already exists!", "ContextExistsException",
      OXT_ESOAP_CTX_EXISTS },
    /* the same text on a change comes as InvalidDataException */
    { "Context example.com already exists!", "InvalidDataException",
      OXT_ESOAP_CTX_EXISTS },
    { "Illegal chars: \" \" in login mapping", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "Cannot map 'example.com' to the newly created context. This mapping "
      "is already in use.", "StorageException", OXT_ESOAP_INVALID },
    { "A mapping with login info \"example.com\" already exists in the "
      "system!", "StorageException", OXT_ESOAP_INVALID },
    { "java.sql.SQLException: A context with context name \"example.com\" "
      "already exists in the system!", "StorageException",
      OXT_ESOAP_INVALID },
    { "Mandatory fields in context not set: maxQuota",
      "InvalidDataException", OXT_ESOAP_INVALID },
    { "Mandatory fields in admin user not set: password",
      "InvalidDataException", OXT_ESOAP_INVALID },
    { "Mandatory fields not set: display_name", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "No such access combination name \"gold\"", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "Invalid access combination name", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "User info@example.com already exists in this context",
      "InvalidDataException", OXT_ESOAP_USER_EXISTS },
    { "Primary mail address \"a@example.com\" already exists in context 42",
      "InvalidDataException", OXT_ESOAP_INVALID },
    { "The displayname is already used", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "primarymail must have the same value as email1",
      "InvalidDataException", OXT_ESOAP_INVALID },
    { "email1 not equal with primarymail!", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "email1 not sent but required!", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "primaryMail, Email1 and defaultSenderAddress must be present in set "
      "of aliases.", "InvalidDataException", OXT_ESOAP_INVALID },
    { "email1 must also be set in the aliases", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "Invalid email address", "InvalidDataException", OXT_ESOAP_INVALID },
    { "Illegal chars: \"|\"", "InvalidDataException", OXT_ESOAP_INVALID },
    { "Empty password is not allowed.", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "Empty password is not allowed", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "language must contain an underscore, e.g. en_US",
      "InvalidDataException", OXT_ESOAP_INVALID },
    { "Language must contain an underscore, e.g. en_US.",
      "InvalidDataException", OXT_ESOAP_INVALID },
    /* the refusals the engine works around (USERNAME_CHANGEABLE,
     * PRIMARY_MAIL_UNCHANGEABLE) and the undeletable context admin */
    { "Changing username is disabled!", "InvalidDataException",
      OXT_ESOAP_NAME_FIXED },
    { "primary mail must not be changed", "InvalidDataException",
      OXT_ESOAP_MAIL_FIXED },
    { "Admin delete not supported", "InvalidDataException",
      OXT_ESOAP_ADMIN_DEL },
    { "No such user 7 in context 42", "NoSuchUserException",
      OXT_ESOAP_NO_USER },
    { "No such user(s) 7 in context 42", "NoSuchUserException",
      OXT_ESOAP_NO_USER },
    { "Database is locked or is now beeing updated, please try again later",
      "DatabaseUpdateException", OXT_ESOAP_BUSY },
    { "ContextID 42 does not belong to reseller1", "StorageException",
      OXT_ESOAP_AUTH },
    { "Missing quota value.", "InvalidDataException", OXT_ESOAP_INVALID },
    { "Invalid quota value.", "InvalidDataException", OXT_ESOAP_INVALID },
    { "Invalid PasswordMech: {MD4}", "InvalidDataException",
      OXT_ESOAP_INVALID },
    { "neither id or name is set in supplied context object",
      "InvalidDataException", OXT_ESOAP_INVALID },
};

/* The text alone decides: no detail, the declared type, and a wrapper
 * type that says nothing (RemoteException), each with and without OX
 * 7.10.4's "; exceptionId" suffix. */
START_TEST(every_fault_text_maps_with_and_without_detail)
{
    const char *types[] = { NULL, faults[_i].type, "RemoteException" };
    const char *texts[2];
    size_t t, k;

    texts[0] = faults[_i].text;
    texts[1] = apr_pstrcat(oxt_test_pool, faults[_i].text,
                           "; exceptionId -225208343-74", NULL);
    for (t = 0; t < 2; t++) {
        for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
            ck_assert_msg(oxt_soap_fault_classify(texts[t], types[k])
                          == faults[_i].rv, "%s (detail %s)", texts[t],
                          types[k] ? types[k] : "none");
        }
    }
}
END_TEST

static const char *fault_reply(const char *text, const char *type,
                               apr_pool_t *p)
{
    const char *detail = type == NULL ? ""
        : apr_pstrcat(p, "<detail><", type, " xmlns=\"http://soap.admin."
                      "openexchange.com\"><", type, "/></", type,
                      "></detail>", NULL);

    return apr_pstrcat(p, ENV_OPEN, "<soap:Fault><faultcode>soap:Server"
                       "</faultcode><faultstring>", text, "</faultstring>",
                       detail, "</soap:Fault>", ENV_CLOSE, NULL);
}

/* The same through a whole reply, as OX sends it with a typed detail and
 * as its CXF layer sends it without one. */
START_TEST(every_fault_reply_maps_with_and_without_detail)
{
    const char *types[] = { NULL, faults[_i].type };
    const char *text = apr_pstrcat(oxt_test_pool, faults[_i].text,
                                   "; exceptionId 1-2", NULL);
    oxt_result_t *res;
    xmlNode *resp;
    const char *body;
    size_t k;

    for (k = 0; k < 2; k++) {
        res = oxt_result_make(oxt_test_pool);
        resp = NULL;
        body = fault_reply(text, types[k], oxt_test_pool);
        ck_assert_int_eq(oxt_soap_reply_parse(&resp, "change", 500, body,
                                              strlen(body), res,
                                              oxt_test_pool),
                         faults[_i].rv);
        ck_assert_ptr_null(resp);
        ck_assert_str_eq(res->detail, text);
    }
}
END_TEST

/* A Fault sent with HTTP 200 (a proxy, a server that breaks SOAP 1.1)
 * whose type is only in a nil <detail> child: read in full, not leanly,
 * so the type still decides what an unknown text means. */
START_TEST(a_fault_with_http_200_keeps_its_nil_detail_type)
{
    const char *body = apr_pstrcat(oxt_test_pool, ENV_OPEN,
        "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>"
        "something new</faultstring><detail><NoSuchContextException"
        " xmlns=\"http://soap.admin.openexchange.com\""
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
        " xsi:nil=\"true\"/></detail></soap:Fault>", ENV_CLOSE, NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    xmlNode *resp = NULL;

    ck_assert_int_eq(oxt_soap_reply_parse(&resp, "change", 200, body,
                                          strlen(body), res, oxt_test_pool),
                     OXT_ESOAP_NO_CTX);
    ck_assert_ptr_null(resp);
    ck_assert_str_eq(res->detail, "something new");
}
END_TEST

/* A fault's text goes into columns of a fixed width: a long one is cut,
 * between characters, and still classified by the whole. */
START_TEST(a_long_fault_text_is_cut_between_characters)
{
    apr_size_t n = 0;
    char *text = apr_palloc(oxt_test_pool, 100 * 1000 + 64);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    xmlNode *resp = NULL;
    const char *body;

    strcpy(text, "Invalid email address ");
    n = strlen(text);
    while (n < 100 * 1000) {
        memcpy(text + n, "\xc3\xbc", 2);      /* 2 bytes: cut in one */
        n += 2;
    }
    text[n] = '\0';
    body = fault_reply(text, "InvalidDataException", oxt_test_pool);
    ck_assert_int_eq(oxt_soap_reply_parse(&resp, "change", 500, body,
                                          strlen(body), res, oxt_test_pool),
                     OXT_ESOAP_INVALID);
    n = strlen(res->detail);
    ck_assert_uint_le(n, OXT_SOAP_FAULT_MAX + 3);
    ck_assert_uint_ge(n, OXT_SOAP_FAULT_MAX - 1);
    ck_assert(oxt_utf8_valid(res->detail, n));
    ck_assert_str_eq(res->detail + n - 3, "...");
    ck_assert_int_eq(strncmp(res->detail, text, n - 3), 0);
}
END_TEST

START_TEST(unknown_texts_fall_back_to_the_exception_type)
{
    ck_assert_int_eq(oxt_soap_fault_classify("quota out of range",
                                             "InvalidDataException"),
                     OXT_ESOAP_INVALID);
    ck_assert_int_eq(oxt_soap_fault_classify("x", "NoSuchUserException"),
                     OXT_ESOAP_NO_USER);
    ck_assert_int_eq(oxt_soap_fault_classify("x", "StorageException"),
                     OXT_ESOAP_FAULT);
    ck_assert_int_eq(oxt_soap_fault_classify("x; exceptionId 1-2", NULL),
                     OXT_ESOAP_FAULT);
    ck_assert_int_eq(oxt_soap_fault_classify("Something nobody has seen",
                                             NULL), OXT_ESOAP_FAULT);
    ck_assert_int_eq(oxt_soap_fault_classify(NULL, NULL), OXT_ESOAP_FAULT);
    ck_assert_int_eq(oxt_soap_fault_classify("", "InvalidDataException"),
                     OXT_ESOAP_INVALID);
    /* The text wins over a type that says something else. */
    ck_assert_int_eq(oxt_soap_fault_classify("Authentication failed",
                                             "InvalidDataException"),
                     OXT_ESOAP_AUTH);
    ck_assert_int_eq(oxt_soap_fault_classify("Changing username is disabled!",
                                             "NoSuchUserException"),
                     OXT_ESOAP_NAME_FIXED);
}
END_TEST

START_TEST(retryable_codes_are_the_transient_ones)
{
    ck_assert(oxt_soap_status_is_retryable(OXT_ESOAP_BUSY));
    ck_assert(oxt_soap_status_is_retryable(OXT_ESOAP_HTTP5XX));
    ck_assert(oxt_soap_status_is_retryable(OXT_ESOAP_CONNECT));
    ck_assert(oxt_soap_status_is_retryable(OXT_ESOAP_TIMEOUT));
    ck_assert(!oxt_soap_status_is_retryable(OXT_ESOAP_INVALID));
    ck_assert(!oxt_soap_status_is_retryable(OXT_ESOAP_AUTH));
    ck_assert(!oxt_soap_status_is_retryable(APR_SUCCESS));
}
END_TEST

/* ---- replies ---------------------------------------------------------- */

START_TEST(a_fault_reply_keeps_the_server_text)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *text = "The displayname is already used; exceptionId 1-2";
    const char *body = fault_body(text, oxt_test_pool);
    xmlNode *resp = NULL;

    ck_assert_int_eq(oxt_soap_reply_parse(&resp, "create", 500, body,
                                          strlen(body), res, oxt_test_pool),
                     OXT_ESOAP_INVALID);
    ck_assert_ptr_null(resp);
    ck_assert_int_eq(res->status, OXT_ESOAP_INVALID);
    ck_assert_str_eq(res->detail, text);
    ck_assert_str_eq(res->problem, "OX: invalid data");
}
END_TEST

static const struct {
    int http;
    const char *body;
    apr_status_t rv;
} replies[] = {
    { 500, "<html><body>Internal Server Error</body></html>",
      OXT_ESOAP_HTTP5XX },
    { 502, "", OXT_ESOAP_HTTP5XX },
    { 503, ENV_OPEN ENV_CLOSE, OXT_ESOAP_HTTP5XX },
    { 404, "<html>Not Found</html>", OXT_ESOAP_HTTP },
    { 200, "garbage", OXT_ESOAP_XML },
    { 200, "<Envelope><Body><createResponse/></Body></Envelope>",
      OXT_ESOAP_XML },
    { 200, ENV_OPEN "<deleteResponse/>" ENV_CLOSE, OXT_ESOAP_XML },
    { 200, ENV_OPEN ENV_CLOSE, OXT_ESOAP_XML },
    { 200, ENV_OPEN "<ns:createResponse xmlns:ns=\"urn:x\"/>" ENV_CLOSE,
      APR_SUCCESS },
};

START_TEST(replies_are_classified_by_status_and_shape)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    xmlNode *resp = NULL;
    apr_status_t rv;

    rv = oxt_soap_reply_parse(&resp, "create", replies[_i].http,
                              replies[_i].body, strlen(replies[_i].body),
                              res, oxt_test_pool);
    ck_assert_msg(rv == replies[_i].rv, "case %d: got %d", _i, rv);
    ck_assert_int_eq(res->status, rv);
    if (rv == APR_SUCCESS) {
        ck_assert(oxt_xml_is(resp, "createResponse"));
    }
}
END_TEST

/* ---- masking ---------------------------------------------------------- */

START_TEST(passwords_are_masked_in_any_shape)
{
    const char *in =
        "<a><rmi:login>admin</rmi:login><rmi:password>s3cr&amp;t"
        "</rmi:password><password>plain</password>"
        "<obj:password><![CDATA[x<y]]></obj:password><password/>"
        "<obj:passwordMech>{SHA}</obj:passwordMech>"
        "<Password attr=\"1\">Up</Password></a>";
    const char *out = oxt_soap_mask_passwords(in, strlen(in), oxt_test_pool);

    ck_assert_str_eq(out,
        "<a><rmi:login>admin</rmi:login><rmi:password>********"
        "</rmi:password><password>********</password>"
        "<obj:password>********</obj:password><password/>"
        "<obj:passwordMech>{SHA}</obj:passwordMech>"
        "<Password attr=\"1\">********</Password></a>");
}
END_TEST

/* The text masker of before stopped at the first "</password" it saw,
 * inside a CDATA section or a comment too, and printed the rest. */
START_TEST(masking_works_on_the_parsed_document)
{
    const char *in = ENV_OPEN
        "<getDataResponse xmlns=\"urn:ox\" xmlns:x=\"urn:x\">"
        "<password><![CDATA[cd</password>LEAK1]]></password>"
        "<x:password><!-- </x:password> -->LEAK2</x:password>"
        "<PASSWORD>s&#x33;cr&amp;t</PASSWORD>"
        "<user password=\"LEAK3\" x:password=\"LEAK4\" name=\"u1\"/>"
        "<name>&lt;password&gt;kept&lt;/password&gt;</name>"
        "<!-- <password>LEAK5</password> -->"
        "<passwordMech>{SHA}</passwordMech><password/>"
        "</getDataResponse>" ENV_CLOSE;
    const char *out = oxt_soap_mask_passwords(in, strlen(in), oxt_test_pool);
    static const char *const leaks[] = {
        "cd", "LEAK1", "LEAK2", "s3cr", "s&#x33;", "LEAK3", "LEAK4", "LEAK5",
    };
    size_t i;

    for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
        ck_assert_msg(strstr(out, leaks[i]) == NULL, "%s in %s", leaks[i],
                      out);
    }
    ck_assert_ptr_nonnull(strstr(out, "<password>********</password>"));
    ck_assert_ptr_nonnull(strstr(out, "<x:password>********</x:password>"));
    ck_assert_ptr_nonnull(strstr(out, "<PASSWORD>********</PASSWORD>"));
    ck_assert_ptr_nonnull(strstr(out, "<user password=\"********\""
                                 " x:password=\"********\" name=\"u1\"/>"));
    ck_assert_ptr_nonnull(strstr(out, "<name>&lt;password&gt;kept"
                                 "&lt;/password&gt;</name>"));
    ck_assert_ptr_nonnull(strstr(out, "<passwordMech>{SHA}</passwordMech>"
                                 "<password/>"));
}
END_TEST

START_TEST(documents_that_do_not_parse_are_not_shown)
{
    const char *in = "<x><password>secret-and-cut";
    const char *out = oxt_soap_mask_passwords(in, strlen(in), oxt_test_pool);

    ck_assert_str_eq(out, "(27 bytes that are not well-formed XML, not"
                          " shown: they could hold a password)");
    in = "<!DOCTYPE x [<!ENTITY p \"secret\">]>"
         "<x><password>&p;</password></x>";
    ck_assert_ptr_null(strstr(oxt_soap_mask_passwords(in, strlen(in),
                                                      oxt_test_pool),
                              "secret"));
    ck_assert_str_eq(oxt_soap_mask_passwords("", 0, oxt_test_pool), "");
}
END_TEST

/* ---- the client on the fake transport --------------------------------- */

static oxt_soap_call_t *make_call(const char *op, const char *secret)
{
    xmlDoc *doc;
    xmlNode *body, *opn;
    oxt_soap_call_t *call = NULL;

    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &body, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_xml_add_elem(&opn, body, NULL, op), APR_SUCCESS);
    ck_assert_int_eq(oxt_xml_add_text(NULL, opn, NULL, "password", secret),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, "http://ox/webservices/X", op,
                                        doc, oxt_test_pool), APR_SUCCESS);
    return call;
}

START_TEST(an_oversized_reply_is_cut_while_receiving)
{
    apr_size_t big = 1024 * 1024;
    char *body = apr_palloc(oxt_test_pool, big + 1);
    fake_soap_t *f;
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client;
    oxt_soap_call_t *call = make_call("create", "pw");

    memset(body, 'x', big);
    body[big] = '\0';
    f = fake_soap_make(200, body, oxt_test_pool);
    f->chunk = 4096;
    s.response_cap = 64 * 1024;
    client = fake_soap_client(f, &s, oxt_test_pool);
    ck_assert_int_eq(oxt_soap_client_call(client, call), OXT_ESOAP_TOOBIG);
    ck_assert_uint_le(f->delivered, s.response_cap);
    ck_assert(oxt_soap_call_done(call));
}
END_TEST

START_TEST(debug_capture_masks_request_and_response)
{
    const char *reply = ENV_OPEN "<createResponse><return><password>"
        "hunter2</password></return></createResponse>" ENV_CLOSE;
    fake_soap_t *f = fake_soap_make(200, reply, oxt_test_pool);
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client;
    oxt_soap_call_t *call = make_call("create", "t0p&secret");

    s.debug = 1;
    client = fake_soap_client(f, &s, oxt_test_pool);
    ck_assert_int_eq(oxt_soap_client_call(client, call), APR_SUCCESS);
    /* what went out does carry the password ... */
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(f->bodies, 0, const char *),
                                 "t0p&amp;secret"));
    /* ... the capture does not */
    ck_assert_ptr_null(strstr(oxt_soap_call_debug_request(call), "t0p"));
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_debug_request(call),
                                 "password>********</"));
    ck_assert_ptr_null(strstr(oxt_soap_call_debug_response(call), "hunter2"));
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_debug_response(call),
                                 "createResponse"));
}
END_TEST

START_TEST(without_debug_nothing_is_kept)
{
    const char *reply = ENV_OPEN "<createResponse/>" ENV_CLOSE;
    fake_soap_t *f = fake_soap_make(200, reply, oxt_test_pool);
    oxt_soap_client_t *client = fake_soap_client(f, NULL, oxt_test_pool);
    oxt_soap_call_t *call = make_call("create", "pw");

    ck_assert_int_eq(oxt_soap_client_call(client, call), APR_SUCCESS);
    ck_assert_ptr_null(oxt_soap_call_debug_request(call));
    ck_assert_ptr_null(oxt_soap_call_debug_response(call));
    ck_assert_int_eq(oxt_soap_call_http_status(call), 200);
}
END_TEST

typedef struct {
    oxt_soap_client_t *client;
    int done;
    int chained;
} chain_t;

/* Each completion submits one more call until three were added. */
static void chain_done(void *baton, oxt_soap_call_t *call)
{
    chain_t *c = baton;

    ck_assert_int_eq(oxt_soap_call_status(call), APR_SUCCESS);
    c->done++;
    if (c->chained < 3) {
        c->chained++;
        ck_assert_int_eq(oxt_soap_client_submit(
                             c->client, make_call("create", "pw"),
                             chain_done, c), APR_SUCCESS);
    }
}

START_TEST(no_more_than_max_conns_calls_are_on_the_wire)
{
    const char *reply = ENV_OPEN "<createResponse/>" ENV_CLOSE;
    fake_soap_t *f = fake_soap_make(200, reply, oxt_test_pool);
    oxt_soap_settings_t s = { 0 };
    chain_t c = { NULL, 0, 0 };
    int i;

    s.max_conns = 2;
    c.client = fake_soap_client(f, &s, oxt_test_pool);
    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(oxt_soap_client_submit(c.client,
                                                make_call("create", "pw"),
                                                chain_done, &c),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(oxt_soap_client_pending(c.client), 5);
    ck_assert_int_eq(oxt_soap_client_run(c.client, apr_time_from_sec(5)),
                     APR_SUCCESS);
    ck_assert_int_eq(c.done, 8);
    ck_assert_int_eq(f->max_active, 2);
    ck_assert_int_eq(oxt_soap_client_pending(c.client), 0);
}
END_TEST

static void count_done(void *baton, oxt_soap_call_t *call)
{
    ck_assert_int_eq(oxt_soap_call_status(call), APR_SUCCESS);
    (*(int *)baton)++;
}

/* The profile (OXT04350) tells a call's wait for a connection and the
 * wait of its answer for the callback from its time on the wire: two
 * calls on one connection, submitted 2 ms before the client runs, both
 * read by a pump and held 2 ms before the callbacks. */
START_TEST(the_profile_sums_the_queue_and_the_held_answers)
{
    const char *reply = ENV_OPEN "<createResponse/>" ENV_CLOSE;
    fake_soap_t *f = fake_soap_make(200, reply, oxt_test_pool);
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client;
    oxt_soap_profile_t prof;
    int done = 0, i;

    s.max_conns = 1;
    client = fake_soap_client(f, &s, oxt_test_pool);
    oxt_soap_client_profile(client, &prof);
    ck_assert_int_eq(prof.calls, 0);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(oxt_soap_client_submit(client,
                                                make_call("create", "pw"),
                                                count_done, &done),
                         APR_SUCCESS);
    }
    apr_sleep(2000);
    oxt_soap_client_pump(client);
    oxt_soap_client_profile(client, &prof);
    ck_assert_int_eq(prof.calls, 0);            /* held: not delivered */
    apr_sleep(2000);
    ck_assert_int_eq(oxt_soap_client_run_some(client, 0), APR_SUCCESS);
    ck_assert_int_eq(done, 2);
    oxt_soap_client_profile(client, &prof);
    ck_assert_int_eq(prof.calls, 2);
    ck_assert_int_ge(prof.queued, 2 * 2000);
    ck_assert_int_ge(prof.held, 2 * 2000);
}
END_TEST

/* The engine pumps while its commit waits for the database: answers are
 * read and their connections take the queued calls, but no callback runs
 * (it would record into the commit under way) until the next drive. */
START_TEST(a_pump_moves_calls_on_and_holds_their_callbacks)
{
    const char *reply = ENV_OPEN "<createResponse/>" ENV_CLOSE;
    fake_soap_t *f = fake_soap_make(200, reply, oxt_test_pool);
    oxt_soap_settings_t s = { 0 };
    oxt_soap_client_t *client;
    int done = 0, i;

    s.max_conns = 1;
    client = fake_soap_client(f, &s, oxt_test_pool);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(oxt_soap_client_submit(client,
                                                make_call("create", "pw"),
                                                count_done, &done),
                         APR_SUCCESS);
    }
    oxt_soap_client_pump(client);
    ck_assert_int_eq(f->urls->nelts, 2);
    ck_assert_int_eq(f->max_active, 1);
    ck_assert_int_eq(done, 0);
    ck_assert_int_eq(oxt_soap_client_pending(client), 2);
    ck_assert_int_eq(oxt_soap_client_run_some(client, 0), APR_SUCCESS);
    ck_assert_int_eq(done, 2);
    ck_assert_int_eq(oxt_soap_client_pending(client), 0);
}
END_TEST

typedef struct {
    fake_soap_t *f;
    int sent_at[3];             /* requests sent when each callback ran */
    int n;
} sent_seen_t;

static void note_sent(void *baton, oxt_soap_call_t *call)
{
    sent_seen_t *seen = baton;

    ck_assert_int_eq(oxt_soap_call_status(call), APR_SUCCESS);
    seen->sent_at[seen->n++] = seen->f->urls->nelts;
}

/* A connection that an answer frees takes the next queued call, and that
 * call is on the wire, before the answer is parsed and its callback runs
 * (which, for a big answer of the reconciler, costs a millisecond). */
START_TEST(a_freed_connection_is_sent_its_next_call_before_the_callback)
{
    const char *reply = ENV_OPEN "<createResponse/>" ENV_CLOSE;
    oxt_soap_settings_t s = { 0 };
    sent_seen_t seen = { NULL, { 0 }, 0 };
    oxt_soap_client_t *client;
    int i;

    seen.f = fake_soap_make(200, reply, oxt_test_pool);
    s.max_conns = 1;
    client = fake_soap_client(seen.f, &s, oxt_test_pool);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(oxt_soap_client_submit(client,
                                                make_call("create", "pw"),
                                                note_sent, &seen),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(oxt_soap_client_run(client, apr_time_from_sec(5)),
                     APR_SUCCESS);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_int_eq(seen.sent_at[0], 2);
    ck_assert_int_eq(seen.sent_at[1], 3);
    ck_assert_int_eq(seen.sent_at[2], 3);
    ck_assert_int_eq(seen.f->max_active, 1);
    ck_assert_int_eq(oxt_soap_client_pending(client), 0);
}
END_TEST

START_TEST(transport_failures_keep_their_code)
{
    fake_soap_t *f = fake_soap_make(200, "", oxt_test_pool);
    oxt_soap_client_t *client = fake_soap_client(f, NULL, oxt_test_pool);
    oxt_soap_call_t *call = make_call("create", "pw");

    f->transport_rv = OXT_ESOAP_TIMEOUT;
    ck_assert_int_eq(oxt_soap_client_call(client, call), OXT_ESOAP_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_result(call)->detail,
                                 "fake failure"));
    ck_assert_int_eq(oxt_soap_client_submit(client, call, NULL, NULL),
                     APR_EINVAL);
}
END_TEST

START_TEST(a_call_whose_pool_goes_is_dropped_from_the_queue)
{
    fake_soap_t *f = fake_soap_make(200, ENV_OPEN "<createResponse/>"
                                    ENV_CLOSE, oxt_test_pool);
    oxt_soap_client_t *client = fake_soap_client(f, NULL, oxt_test_pool);
    apr_pool_t *sub;
    xmlDoc *doc;
    xmlNode *body;
    oxt_soap_call_t *call;

    apr_pool_create(&sub, oxt_test_pool);
    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &body, sub), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, "http://ox/", "create", doc,
                                        sub), APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_submit(client, call, NULL, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_pending(client), 1);
    apr_pool_destroy(sub);
    ck_assert_int_eq(oxt_soap_client_pending(client), 0);
    ck_assert_int_eq(oxt_soap_client_run(client, 0), APR_SUCCESS);
}
END_TEST

START_TEST(status_texts_name_the_soap_codes)
{
    ck_assert_str_eq(oxt_status_str(OXT_ESOAP_NO_USER, oxt_test_pool),
                     "OX: no such user");
    ck_assert_str_eq(oxt_status_str(OXT_ESOAP_TOOBIG, oxt_test_pool),
                     "OX: reply too large");
}
END_TEST

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

TCase *oxt_soap_test_case(void)
{
    TCase *tc = oxt_unit_tcase("soap");

    tcase_add_test(tc, parse_accepts_an_envelope);
    tcase_add_test(tc, parse_refuses_billion_laughs);
    tcase_add_test(tc, parse_refuses_external_entities);
    tcase_add_loop_test(tc, parse_refuses_malformed_documents, 0,
                        N_ELEMS(malformed));
    tcase_add_test(tc, a_lean_parse_builds_no_node_for_deep_nil_elements);
    tcase_add_loop_test(tc, a_lean_parse_refuses_what_the_parse_refuses, 0,
                        N_ELEMS(lean_malformed));
    tcase_add_test(tc, text_check_refuses_what_xml_cannot_carry);
    tcase_add_loop_test(tc, every_fault_text_maps_with_and_without_detail,
                        0, N_ELEMS(faults));
    tcase_add_loop_test(tc, every_fault_reply_maps_with_and_without_detail,
                        0, N_ELEMS(faults));
    tcase_add_test(tc, a_long_fault_text_is_cut_between_characters);
    tcase_add_test(tc, a_fault_with_http_200_keeps_its_nil_detail_type);
    tcase_add_test(tc, unknown_texts_fall_back_to_the_exception_type);
    tcase_add_test(tc, retryable_codes_are_the_transient_ones);
    tcase_add_test(tc, a_fault_reply_keeps_the_server_text);
    tcase_add_loop_test(tc, replies_are_classified_by_status_and_shape, 0,
                        N_ELEMS(replies));
    tcase_add_test(tc, passwords_are_masked_in_any_shape);
    tcase_add_test(tc, documents_that_do_not_parse_are_not_shown);
    tcase_add_test(tc, masking_works_on_the_parsed_document);
    tcase_add_test(tc, an_oversized_reply_is_cut_while_receiving);
    tcase_add_test(tc, debug_capture_masks_request_and_response);
    tcase_add_test(tc, without_debug_nothing_is_kept);
    tcase_add_test(tc, no_more_than_max_conns_calls_are_on_the_wire);
    tcase_add_test(tc, a_pump_moves_calls_on_and_holds_their_callbacks);
    tcase_add_test(tc, the_profile_sums_the_queue_and_the_held_answers);
    tcase_add_test(tc, a_freed_connection_is_sent_its_next_call_before_the_callback);
    tcase_add_test(tc, transport_failures_keep_their_code);
    tcase_add_test(tc, a_call_whose_pool_goes_is_dropped_from_the_queue);
    tcase_add_test(tc, status_texts_name_the_soap_codes);
    return tc;
}
