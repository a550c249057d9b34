/*
 * test_xmlview.c — a stored SOAP exchange pretty-printed for the
 * Communication Logs page: one element per line, the fault marked, text
 * that is not XML shown as it is, markup kept as text (escaped once).
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_xmlview.h"

static const char fault[] =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/"
    "envelope/\"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server"
    "</faultcode><faultstring>Illegal chars: \"&lt;x&gt;\" in login mapping"
    "</faultstring><detail/></soapenv:Fault></soapenv:Body>"
    "</soapenv:Envelope>";

static const oxt_xmlview_line_t *line(const oxt_xmlview_t *v, int i)
{
    ck_assert_int_lt(i, v->lines->nelts);
    return &APR_ARRAY_IDX(v->lines, i, oxt_xmlview_line_t);
}

START_TEST(a_fault_is_indented_and_marked)
{
    oxt_xmlview_t *v = oxt_xmlview_make(fault, strlen(fault), oxt_test_pool);

    ck_assert(v->parsed && v->has_fault && !v->truncated);
    ck_assert_int_eq(v->lines->nelts, 9);
    ck_assert_str_eq(line(v, 0)->text, "<soapenv:Envelope xmlns:soapenv="
                     "\"http://schemas.xmlsoap.org/soap/envelope/\">");
    ck_assert_int_eq(line(v, 0)->error, 0);
    ck_assert_str_eq(line(v, 1)->text, "<soapenv:Body>");
    ck_assert_int_eq(line(v, 1)->depth, 1);
    ck_assert_str_eq(line(v, 2)->text, "<soapenv:Fault>");
    ck_assert(line(v, 2)->error);
    ck_assert_str_eq(line(v, 3)->text,
                     "<faultcode>soapenv:Server</faultcode>");
    ck_assert_int_eq(line(v, 3)->depth, 3);
    ck_assert(line(v, 3)->error);
    /* the text is markup, escaped as the exchange had it */
    ck_assert_str_eq(line(v, 4)->text, "<faultstring>Illegal chars: "
                     "\"&lt;x&gt;\" in login mapping</faultstring>");
    ck_assert_str_eq(line(v, 5)->text, "<detail/>");
    ck_assert_str_eq(line(v, 6)->text, "</soapenv:Fault>");
    ck_assert(line(v, 6)->error);
    ck_assert_str_eq(line(v, 7)->text, "</soapenv:Body>");
    ck_assert_int_eq(line(v, 7)->error, 0);
    ck_assert_str_eq(line(v, 8)->text, "</soapenv:Envelope>");
    ck_assert_int_eq(line(v, 8)->depth, 0);
}
END_TEST

START_TEST(what_is_not_xml_is_shown_as_it_is)
{
    const char *note = "(12 bytes that are not well-formed XML, not"
                       " shown)\nsecond line";
    oxt_xmlview_t *v = oxt_xmlview_make(note, strlen(note), oxt_test_pool);

    ck_assert(!v->parsed && !v->has_fault);
    ck_assert_int_eq(v->lines->nelts, 2);
    ck_assert_str_eq(line(v, 1)->text, "second line");
    v = oxt_xmlview_make(NULL, 0, oxt_test_pool);
    ck_assert_int_eq(v->lines->nelts, 0);
    /* a DTD is refused by the parser: shown as text, never expanded */
    note = "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>";
    v = oxt_xmlview_make(note, strlen(note), oxt_test_pool);
    ck_assert(!v->parsed);
    ck_assert_ptr_null(strstr(line(v, 0)->text, "boom</a>"));
}
END_TEST

START_TEST(deep_and_long_inputs_are_bounded)
{
    apr_array_header_t *parts = apr_array_make(oxt_test_pool, 8,
                                               sizeof(const char *));
    oxt_xmlview_t *v;
    const char *xml;
    int i;

    for (i = 0; i < 100; i++) {
        APR_ARRAY_PUSH(parts, const char *) = "<a>";
    }
    APR_ARRAY_PUSH(parts, const char *) = "x";
    for (i = 0; i < 100; i++) {
        APR_ARRAY_PUSH(parts, const char *) = "</a>";
    }
    xml = apr_array_pstrcat(oxt_test_pool, parts, 0);
    v = oxt_xmlview_make(xml, strlen(xml), oxt_test_pool);
    ck_assert(v->parsed);
    /* 64 levels opened and closed, the rest on one line */
    ck_assert_int_eq(v->lines->nelts, 2 * OXT_XMLVIEW_MAX_DEPTH + 1);
    apr_array_clear(parts);
    APR_ARRAY_PUSH(parts, const char *) = "<r>";
    for (i = 0; i < OXT_XMLVIEW_MAX_LINES + 10; i++) {
        APR_ARRAY_PUSH(parts, const char *) = "<i>1</i>";
    }
    APR_ARRAY_PUSH(parts, const char *) = "</r>";
    xml = apr_array_pstrcat(oxt_test_pool, parts, 0);
    v = oxt_xmlview_make(xml, strlen(xml), oxt_test_pool);
    ck_assert(v->truncated);
    ck_assert_int_eq(v->lines->nelts, OXT_XMLVIEW_MAX_LINES);
}
END_TEST

TCase *oxt_xmlview_test_case(void)
{
    TCase *tc = oxt_unit_tcase("xmlview");

    tcase_add_test(tc, a_fault_is_indented_and_marked);
    tcase_add_test(tc, what_is_not_xml_is_shown_as_it_is);
    tcase_add_test(tc, deep_and_long_inputs_are_bounded);
    return tc;
}
