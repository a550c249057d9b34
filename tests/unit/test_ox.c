/*
 * test_ox.c — the OX operations: exact request XML, credentials chosen by
 * the settings, services by the connection type, and reply decoding (on
 * the fake transport of fake_soap.c).
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_ox.h"
#include "fake_soap.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define ENV_START(svc_ns) \
    "<soapenv:Envelope " \
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
    "xmlns:ox=\"" svc_ns "\" " \
    "xmlns:obj=\"http://dataobjects.soap.admin.openexchange.com/xsd\" " \
    "xmlns:rmi=\"http://dataobjects.rmi.admin.openexchange.com/xsd\">" \
    "<soapenv:Body>"
#define ENV_END "</soapenv:Body></soapenv:Envelope>\n"
#define REPLY_OPEN "<soap:Envelope " \
    "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
#define REPLY_CLOSE "</soap:Body></soap:Envelope>"
#define XSI_NS " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

static const oxt_ox_creds_t ctx_admin = { "admin", "adm&pw" };

static oxt_ox_t *make_ox(fake_soap_t *f, oxt_ox_conn_type_t type,
                         int override)
{
    oxt_ox_settings_t s;
    oxt_ox_t *ox = NULL;

    memset(&s, 0, sizeof(s));
    s.base_url = "https://ox.test/webservices/";
    s.type = type;
    s.master.login = "oxadminmaster";
    s.master.password = "secret";
    s.master_override = override;
    ck_assert_int_eq(oxt_ox_create(&ox, &s, fake_soap_client(f, NULL,
                                                             oxt_test_pool),
                                   oxt_test_pool), APR_SUCCESS);
    return ox;
}

static const char *sent(const fake_soap_t *f, int i)
{
    return APR_ARRAY_IDX(f->bodies, i, const char *);
}

static apr_array_header_t *strings(const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(oxt_test_pool, 2,
                                             sizeof(const char *));

    APR_ARRAY_PUSH(arr, const char *) = a;
    if (b != NULL) {
        APR_ARRAY_PUSH(arr, const char *) = b;
    }
    return arr;
}

static const oxt_ox_reply_t *run(oxt_ox_t *ox, oxt_ox_op_t *op,
                                 apr_status_t expect)
{
    const oxt_ox_reply_t *reply = NULL;

    ck_assert_int_eq(oxt_ox_call(&reply, ox, op), expect);
    ck_assert_ptr_nonnull(reply);
    return reply;
}

/* ---- requests --------------------------------------------------------- */

START_TEST(context_create_by_access_name_is_built_exactly)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<createModuleAccessByNameResponse><return><id>7</id></return>"
        "</createModuleAccessByNameResponse>" REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *admin = oxt_ox_user_make(oxt_test_pool);
    oxt_ox_op_t *op;

    ctx->name = "example.com";
    ctx->max_quota = 1024;
    ctx->login_mappings = strings("example.com", "www.example.com");
    admin->name = "admin";
    admin->password = "pw";
    admin->display_name = "Admin";
    admin->given_name = "A";
    admin->sur_name = "Dmin";
    admin->primary_email = "admin@example.com";
    admin->email1 = "admin@example.com";
    ck_assert_int_eq(oxt_ox_context_create(&op, ox, ctx, admin,
                                           "groupware_standard",
                                           oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(run(ox, op, APR_SUCCESS)->context->id, 7);
    ck_assert_str_eq(APR_ARRAY_IDX(f->urls, 0, const char *),
                     "https://ox.test/webservices/OXContextService");
    ck_assert_str_eq(sent(f, 0), XML_DECL
        ENV_START("http://soap.admin.openexchange.com")
        "<ox:createModuleAccessByName><ox:ctx>"
        "<obj:loginMappings>example.com</obj:loginMappings>"
        "<obj:loginMappings>www.example.com</obj:loginMappings>"
        "<obj:maxQuota>1024</obj:maxQuota><obj:name>example.com</obj:name>"
        "</ox:ctx><ox:admin_user>"
        "<obj:display_name>Admin</obj:display_name>"
        "<obj:email1>admin@example.com</obj:email1>"
        "<obj:given_name>A</obj:given_name><obj:name>admin</obj:name>"
        "<obj:password>pw</obj:password>"
        "<obj:primaryEmail>admin@example.com</obj:primaryEmail>"
        "<obj:sur_name>Dmin</obj:sur_name></ox:admin_user>"
        "<ox:access_combination_name>groupware_standard"
        "</ox:access_combination_name><ox:auth>"
        "<rmi:login>oxadminmaster</rmi:login>"
        "<rmi:password>secret</rmi:password></ox:auth>"
        "</ox:createModuleAccessByName>" ENV_END);
}
END_TEST

START_TEST(user_create_escapes_values_and_uses_the_context_admin)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<createByModuleAccessNameResponse><return><id>3</id></return>"
        "</createByModuleAccessNameResponse>" REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    oxt_ox_op_t *op;

    ctx->id = 7;
    u->name = "info";
    u->password = "p<w>&\"";
    u->display_name = "Info & Sales <x>";
    u->given_name = "In";
    u->sur_name = "Fo";
    u->primary_email = "info@example.com";
    u->email1 = "info@example.com";
    u->aliases = strings("info@example.com", "sales@example.com");
    u->imap_server = "imap://mail.example.com";
    u->imap_port = 143;
    u->imap_login = "info@example.com";
    u->smtp_server = "smtp://mail.example.com";
    u->smtp_port = 25;
    u->language = "de_DE";
    u->timezone = "Europe/Berlin";
    u->max_quota = -1;
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &ctx_admin, u, "webmail",
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(run(ox, op, APR_SUCCESS)->user->id, 3);
    ck_assert_str_eq(oxt_ox_op_name(op),
                     "OXUserService.createByModuleAccessName");
    ck_assert_str_eq(APR_ARRAY_IDX(f->urls, 0, const char *),
                     "https://ox.test/webservices/OXUserService");
    ck_assert_str_eq(sent(f, 0), XML_DECL
        ENV_START("http://soap.admin.openexchange.com")
        "<ox:createByModuleAccessName><ox:ctx><obj:id>7</obj:id></ox:ctx>"
        "<ox:usrdata><obj:aliases>info@example.com</obj:aliases>"
        "<obj:aliases>sales@example.com</obj:aliases>"
        "<obj:display_name>Info &amp; Sales &lt;x&gt;</obj:display_name>"
        "<obj:email1>info@example.com</obj:email1>"
        "<obj:given_name>In</obj:given_name>"
        "<obj:imapLogin>info@example.com</obj:imapLogin>"
        "<obj:imapPort>143</obj:imapPort>"
        "<obj:imapServer>imap://mail.example.com</obj:imapServer>"
        "<obj:language>de_DE</obj:language>"
        "<obj:maxQuota>-1</obj:maxQuota><obj:name>info</obj:name>"
        "<obj:password>p&lt;w&gt;&amp;\"</obj:password>"
        "<obj:primaryEmail>info@example.com</obj:primaryEmail>"
        "<obj:smtpPort>25</obj:smtpPort>"
        "<obj:smtpServer>smtp://mail.example.com</obj:smtpServer>"
        "<obj:sur_name>Fo</obj:sur_name>"
        "<obj:timezone>Europe/Berlin</obj:timezone></ox:usrdata>"
        "<ox:access_combination_name>webmail</ox:access_combination_name>"
        "<ox:auth><rmi:login>admin</rmi:login>"
        "<rmi:password>adm&amp;pw</rmi:password></ox:auth>"
        "</ox:createByModuleAccessName>" ENV_END);
}
END_TEST

START_TEST(user_delete_and_access_change_name_the_user_parameter_user)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<deleteResponse/>"
                                    REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    oxt_ox_op_t *op;

    ctx->id = 7;
    u->id = 3;
    ck_assert_int_eq(oxt_ox_user_delete(&op, ox, ctx, &ctx_admin, u,
                                        oxt_test_pool), APR_SUCCESS);
    run(ox, op, APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(sent(f, 0), "<ox:delete><ox:ctx><obj:id>7"
        "</obj:id></ox:ctx><ox:user><obj:id>3</obj:id></ox:user><ox:auth>"));
    ck_assert_int_eq(oxt_ox_user_change_access(&op, ox, ctx, &ctx_admin, u,
                                               "groupware_premium",
                                               oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_body(oxt_ox_op_call(op),
                                                    &(apr_size_t){0}),
        "<ox:changeByModuleAccessName><ox:ctx><obj:id>7</obj:id></ox:ctx>"
        "<ox:user><obj:id>3</obj:id></ox:user><ox:access_combination_name>"
        "groupware_premium</ox:access_combination_name><ox:auth>"));
    ck_assert_int_eq(oxt_ox_user_change_access(&op, ox, ctx, &ctx_admin, u,
                                               NULL, oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

START_TEST(reseller_mode_uses_the_reseller_services_and_namespace)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<changeResponse/>"
                                    REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_RESELLER, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_op_t *op;

    ctx->id = 9;
    ctx->name = "r1_example.com";
    ck_assert_int_eq(oxt_ox_context_change(&op, ox, ctx, oxt_test_pool),
                     APR_SUCCESS);
    run(ox, op, APR_SUCCESS);
    ck_assert_str_eq(APR_ARRAY_IDX(f->urls, 0, const char *),
                     "https://ox.test/webservices/OXResellerContextService");
    ck_assert_str_eq(sent(f, 0), XML_DECL
        ENV_START("http://soap.reseller.admin.openexchange.com")
        "<ox:change><ox:ctx><obj:id>9</obj:id>"
        "<obj:name>r1_example.com</obj:name></ox:ctx><ox:auth>"
        "<rmi:login>oxadminmaster</rmi:login>"
        "<rmi:password>secret</rmi:password></ox:auth></ox:change>"
        ENV_END);
    ck_assert_int_eq(oxt_ox_user_exists(&op, ox, ctx, &ctx_admin,
                                        oxt_ox_user_make(oxt_test_pool),
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(oxt_ox_op_name(op), "OXResellerUserService.exists");
}
END_TEST

START_TEST(master_override_sends_master_credentials_for_user_ops)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<listResponse/>"
                                    REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *plain = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_t *over = make_ox(f, OXT_OX_STANDALONE, 1);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_op_t *op;
    apr_size_t len;

    ctx->id = 7;
    ck_assert_int_eq(oxt_ox_user_list(&op, plain, ctx, NULL, "*",
                                      oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_ox_user_list(&op, over, ctx, &ctx_admin, "a_b*",
                                      oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_body(oxt_ox_op_call(op), &len),
        "<ox:list><ox:ctx><obj:id>7</obj:id></ox:ctx><ox:search_pattern>a_b*"
        "</ox:search_pattern><ox:auth><rmi:login>oxadminmaster</rmi:login>"));
    ck_assert_int_eq(oxt_ox_user_list(&op, plain, ctx, &ctx_admin, "*",
                                      oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(oxt_soap_call_body(oxt_ox_op_call(op), &len),
        "<ox:auth><rmi:login>admin</rmi:login>"));
}
END_TEST

START_TEST(values_xml_cannot_carry_are_refused)
{
    fake_soap_t *f = fake_soap_make(200, "", oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    oxt_ox_op_t *op;

    ctx->id = 1;
    u->display_name = "bad\xff";
    ck_assert_int_eq(oxt_ox_user_change(&op, ox, ctx, &ctx_admin, u,
                                        oxt_test_pool), APR_EINVAL);
    ctx->name = "a\x01";
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx, oxt_test_pool),
                     APR_EINVAL);
}
END_TEST

/* ---- replies ---------------------------------------------------------- */

START_TEST(context_get_data_reads_the_fields_and_skips_nils)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<getDataResponse xmlns=\"http://soap.admin.openexchange.com\" "
        "xmlns:ns2=\"http://dataobjects.soap.admin.openexchange.com/xsd\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><return>"
        "<ns2:average_size xsi:nil=\"true\"/><ns2:enabled>true</ns2:enabled>"
        "<ns2:id>7</ns2:id><ns2:loginMappings>7</ns2:loginMappings>"
        "<ns2:loginMappings>example.com</ns2:loginMappings>"
        "<ns2:maxQuota>1024</ns2:maxQuota><ns2:name>example.com</ns2:name>"
        "<ns2:usedQuota xsi:nil=\"true\"/></return></getDataResponse>"
        REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ctx->id = 7;
    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx, oxt_test_pool),
                     APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_int_eq(reply->context->id, 7);
    ck_assert_str_eq(reply->context->name, "example.com");
    ck_assert_int_eq(reply->context->max_quota, 1024);
    ck_assert_int_eq(reply->context->used_quota, OXT_OX_QUOTA_UNSET);
    ck_assert_int_eq(reply->context->enabled, 1);
    ck_assert_int_eq(reply->context->login_mappings->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(reply->context->login_mappings, 1,
                                   const char *), "example.com");
}
END_TEST

START_TEST(user_get_data_reads_the_fields)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<getDataResponse><return><aliases>a@x.org</aliases>"
        "<aliases>b@x.org</aliases><display_name>A B</display_name>"
        "<id>3</id><imapLogin>a@x.org</imapLogin><imapPort>143</imapPort>"
        "<imapServer>mail.x.org</imapServer>"
        "<imapServerString>imap://mail.x.org:143</imapServerString>"
        "<language>en_US</language><name>a</name>"
        "<primaryEmail>a@x.org</primaryEmail>"
        "<timezone>Europe/Berlin</timezone></return></getDataResponse>"
        REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ctx->id = 7;
    u->name = "a";
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &ctx_admin, u,
                                          oxt_test_pool), APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_int_eq(reply->user->id, 3);
    ck_assert_str_eq(reply->user->display_name, "A B");
    ck_assert_str_eq(reply->user->imap_server, "imap://mail.x.org:143");
    ck_assert_int_eq(reply->user->imap_port, 143);
    ck_assert_ptr_null(reply->user->smtp_server);
    ck_assert_int_eq(reply->user->aliases->nelts, 2);
    ck_assert_str_eq(reply->user->language, "en_US");
}
END_TEST

START_TEST(user_get_multiple_names_each_user_and_reads_them_all)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<getMultipleDataResponse><return><id>3</id><name>a</name></return>"
        "<return><id>5</id><name>b</name></return>"
        "</getMultipleDataResponse>" REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    apr_array_header_t *users = apr_array_make(oxt_test_pool, 2,
                                               sizeof(oxt_ox_user_t *));
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;
    int i;

    ctx->id = 7;
    ck_assert_int_eq(oxt_ox_user_get_multiple(&op, ox, ctx, &ctx_admin,
                                              users, oxt_test_pool),
                     APR_EINVAL);
    for (i = 0; i < 2; i++) {
        oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);

        u->id = 3 + 2 * i;
        APR_ARRAY_PUSH(users, oxt_ox_user_t *) = u;
    }
    ck_assert_int_eq(oxt_ox_user_get_multiple(&op, ox, ctx, &ctx_admin,
                                              users, oxt_test_pool),
                     APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(sent(f, 0), "<ox:getMultipleData><ox:ctx>"
        "<obj:id>7</obj:id></ox:ctx><ox:users><obj:id>3</obj:id></ox:users>"
        "<ox:users><obj:id>5</obj:id></ox:users><ox:auth>"));
    ck_assert_int_eq(reply->users->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(reply->users, 1, oxt_ox_user_t *)->name,
                     "b");
}
END_TEST

START_TEST(user_access_combination_name_is_asked_and_read)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<getAccessCombinationNameResponse><return>groupware_standard"
        "</return></getAccessCombinationNameResponse>" REPLY_CLOSE,
        oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ctx->id = 7;
    u->id = 3;
    ck_assert_int_eq(oxt_ox_user_get_access_name(&op, ox, ctx, &ctx_admin,
                                                 u, oxt_test_pool),
                     APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(sent(f, 0), "<ox:getAccessCombinationName>"
        "<ox:ctx><obj:id>7</obj:id></ox:ctx><ox:user><obj:id>3</obj:id>"
        "</ox:user><ox:auth>"));
    ck_assert_str_eq(reply->text, "groupware_standard");
    /* rights that match no named combination: nil */
    f->body = REPLY_OPEN "<getAccessCombinationNameResponse xmlns:xsi="
        "\"http://www.w3.org/2001/XMLSchema-instance\"><return xsi:nil="
        "\"true\"/></getAccessCombinationNameResponse>" REPLY_CLOSE;
    ck_assert_int_eq(oxt_ox_user_get_access_name(&op, ox, ctx, &ctx_admin,
                                                 u, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_null(run(ox, op, APR_SUCCESS)->text);
    f->body = REPLY_OPEN "<getAccessCombinationNameResponse/>" REPLY_CLOSE;
    ck_assert_int_eq(oxt_ox_user_get_access_name(&op, ox, ctx, &ctx_admin,
                                                 u, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_null(run(ox, op, APR_SUCCESS)->text);
}
END_TEST

START_TEST(the_context_admin_flag_is_read)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN
        "<getDataResponse><return><contextadmin>true</contextadmin>"
        "<id>2</id><name>oxadmin</name><smtpServer>smtp.x.org</smtpServer>"
        "<smtpServerString>smtp://smtp.x.org:25</smtpServerString>"
        "<email1>o@x.org</email1><defaultSenderAddress>o@x.org"
        "</defaultSenderAddress><given_name>G</given_name>"
        "<sur_name>S</sur_name></return></getDataResponse>" REPLY_CLOSE,
        oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ck_assert_int_eq(u->context_admin, -1);
    ctx->id = 7;
    u->id = 2;
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &ctx_admin, u,
                                          oxt_test_pool), APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_int_eq(reply->user->context_admin, 1);
    ck_assert_str_eq(reply->user->smtp_server, "smtp://smtp.x.org:25");
    ck_assert_str_eq(reply->user->email1, "o@x.org");
    ck_assert_str_eq(reply->user->default_sender, "o@x.org");
    ck_assert_str_eq(reply->user->given_name, "G");
    ck_assert_str_eq(reply->user->sur_name, "S");
    f->body = REPLY_OPEN "<getDataResponse><return><contextadmin>false"
        "</contextadmin><id>3</id></return></getDataResponse>" REPLY_CLOSE;
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &ctx_admin, u,
                                          oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(run(ox, op, APR_SUCCESS)->user->context_admin, 0);
}
END_TEST

START_TEST(user_list_reads_ids_and_a_user_is_read_in_one_pass)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<listResponse"
        XSI_NS "><return><aliases xsi:nil=\"true\"/><id>4</id><name>x</name>"
        "</return><return><id>9</id></return></listResponse>"
        REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    const oxt_ox_user_t *got;
    oxt_ox_op_t *op;

    ctx->id = 7;
    ck_assert_int_eq(oxt_ox_user_list(&op, ox, ctx, &ctx_admin, "*",
                                      oxt_test_pool), APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_int_eq(reply->users->nelts, 2);
    got = APR_ARRAY_IDX(reply->users, 0, const oxt_ox_user_t *);
    ck_assert_int_eq(got->id, 4);
    ck_assert_ptr_null(got->name);          /* OX sets the id alone */
    ck_assert_int_eq(APR_ARRAY_IDX(reply->users, 1,
                                   const oxt_ox_user_t *)->id, 9);
    /* the split server before a nil URL form, the URL form before the
     * split one, a repeated scalar: the first one counts */
    f->body = REPLY_OPEN "<getDataResponse" XSI_NS "><return>"
        "<contextadmin>true</contextadmin><id>3</id><id>5</id>"
        "<imapServer>mail.x.org</imapServer>"
        "<imapServerString xsi:nil=\"true\"/>"
        "<maxQuota>100</maxQuota><name>a</name><name>b</name>"
        "<smtpServerString>smtp://out.x.org:25</smtpServerString>"
        "<smtpServer>out.x.org</smtpServer></return></getDataResponse>"
        REPLY_CLOSE;
    u->id = 3;
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &ctx_admin, u,
                                          oxt_test_pool), APR_SUCCESS);
    got = run(ox, op, APR_SUCCESS)->user;
    ck_assert_int_eq(got->id, 3);
    ck_assert_str_eq(got->name, "a");
    ck_assert_str_eq(got->imap_server, "mail.x.org");
    ck_assert_str_eq(got->smtp_server, "smtp://out.x.org:25");
    ck_assert_int_eq(got->max_quota, 100);
    ck_assert_int_eq(got->context_admin, 1);
    ck_assert_int_eq(got->aliases->nelts, 0);
}
END_TEST

START_TEST(lists_and_booleans_are_decoded)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<listResponse>"
        "<return><id>1</id><name>a.com</name></return>"
        "<return><id>2</id><name>b.com</name></return></listResponse>"
        REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", oxt_test_pool),
                     APR_SUCCESS);
    reply = run(ox, op, APR_SUCCESS);
    ck_assert_int_eq(reply->contexts->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(reply->contexts, 1,
                                   oxt_ox_context_t *)->name, "b.com");
    f->body = REPLY_OPEN "<existsResponse><return>true</return>"
        "</existsResponse>" REPLY_CLOSE;
    ctx->name = "a.com";
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(run(ox, op, APR_SUCCESS)->exists, 1);
    f->body = REPLY_OPEN "<existsResponse><return>false</return>"
        "</existsResponse>" REPLY_CLOSE;
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(run(ox, op, APR_SUCCESS)->exists, 0);
    f->body = REPLY_OPEN "<existsResponse/>" REPLY_CLOSE;
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx, oxt_test_pool),
                     APR_SUCCESS);
    run(ox, op, OXT_ESOAP_XML);
}
END_TEST

START_TEST(faults_reach_the_reply_with_the_server_text)
{
    const char *text = "No such user(s) 3 in context 7; exceptionId 9-1";
    fake_soap_t *f = fake_soap_make(500, apr_pstrcat(oxt_test_pool,
        REPLY_OPEN "<soap:Fault><faultcode>soap:Server</faultcode>"
        "<faultstring>", text, "</faultstring></soap:Fault>" REPLY_CLOSE,
        NULL), oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_user_t *u = oxt_ox_user_make(oxt_test_pool);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;

    ctx->id = 7;
    u->id = 3;
    ck_assert_int_eq(oxt_ox_user_delete(&op, ox, ctx, &ctx_admin, u,
                                        oxt_test_pool), APR_SUCCESS);
    reply = run(ox, op, OXT_ESOAP_NO_USER);
    ck_assert_int_eq(reply->res->status, OXT_ESOAP_NO_USER);
    ck_assert_str_eq(reply->res->detail, text);
}
END_TEST

typedef struct {
    int calls;
    apr_status_t last;
} count_t;

static void count_done(void *baton, oxt_ox_op_t *op,
                       const oxt_ox_reply_t *reply)
{
    count_t *c = baton;

    c->calls++;
    c->last = reply->status;
}

START_TEST(submitted_operations_report_through_their_callback)
{
    fake_soap_t *f = fake_soap_make(200, REPLY_OPEN "<deleteResponse/>"
                                    REPLY_CLOSE, oxt_test_pool);
    oxt_ox_t *ox = make_ox(f, OXT_OX_STANDALONE, 0);
    oxt_ox_context_t *ctx = oxt_ox_context_make(oxt_test_pool);
    oxt_ox_op_t *op;
    count_t c = { 0, -1 };
    int i;

    ctx->id = 1;
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(oxt_ox_context_delete(&op, ox, ctx, oxt_test_pool),
                         APR_SUCCESS);
        ck_assert_int_eq(oxt_ox_submit(ox, op, count_done, &c), APR_SUCCESS);
    }
    ck_assert_int_eq(oxt_soap_client_run(
                         oxt_ox_client(ox), -1), APR_SUCCESS);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_int_eq(c.last, APR_SUCCESS);
}
END_TEST

/* ---- transport ------------------------------------------------------- */

START_TEST(plain_http_to_another_machine_needs_an_explicit_setting)
{
    fake_soap_t *f = fake_soap_make(200, "", oxt_test_pool);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_ox_settings_t s;
    oxt_ox_t *ox = NULL;

    memset(&s, 0, sizeof(s));
    s.master.login = "oxadminmaster";
    s.base_url = oxt_ox_base_url(0, "ox.example.com:8080", oxt_test_pool);
    ck_assert_str_eq(s.base_url, "http://ox.example.com:8080/webservices");
    ck_assert_int_eq(oxt_ox_transport_check(&s, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "OX traffic to"
                                 " ox.example.com:8080 is plain HTTP"));
    ck_assert_ptr_nonnull(strstr(res->detail, "set ox_use_https 1"));
    ck_assert_int_eq(oxt_ox_create(&ox, &s, fake_soap_client(f, NULL,
                                   oxt_test_pool), oxt_test_pool),
                     OXT_ECONFIG);
    /* Allowed, the warning still says what travels in clear. */
    s.allow_plain_http = 1;
    ck_assert_int_eq(oxt_ox_transport_check(&s, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(oxt_ox_plain_http_warning(s.base_url, 1,
                                 oxt_test_pool), "allowed by"));
    /* HTTPS and loopback are fine without it. */
    s.allow_plain_http = 0;
    s.base_url = oxt_ox_base_url(1, "ox.example.com", oxt_test_pool);
    ck_assert_int_eq(oxt_ox_transport_check(&s, res, oxt_test_pool),
                     APR_SUCCESS);
    s.base_url = oxt_ox_base_url(0, "127.0.0.1:8009", oxt_test_pool);
    ck_assert_int_eq(oxt_ox_transport_check(&s, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_null(oxt_ox_plain_http_warning(s.base_url, 0,
                                                 oxt_test_pool));
    /* A URL trick that only looks like loopback is not. */
    s.base_url = "http://127.0.0.1@ox.example.com/webservices";
    ck_assert_int_eq(oxt_ox_transport_check(&s, res, oxt_test_pool),
                     OXT_ECONFIG);
}
END_TEST

TCase *oxt_ox_test_case(void)
{
    TCase *tc = oxt_unit_tcase("ox");

    tcase_add_test(tc, context_create_by_access_name_is_built_exactly);
    tcase_add_test(tc, user_create_escapes_values_and_uses_the_context_admin);
    tcase_add_test(tc,
                   user_delete_and_access_change_name_the_user_parameter_user);
    tcase_add_test(tc, reseller_mode_uses_the_reseller_services_and_namespace);
    tcase_add_test(tc, master_override_sends_master_credentials_for_user_ops);
    tcase_add_test(tc, values_xml_cannot_carry_are_refused);
    tcase_add_test(tc, context_get_data_reads_the_fields_and_skips_nils);
    tcase_add_test(tc, user_get_data_reads_the_fields);
    tcase_add_test(tc, user_access_combination_name_is_asked_and_read);
    tcase_add_test(tc, the_context_admin_flag_is_read);
    tcase_add_test(tc, lists_and_booleans_are_decoded);
    tcase_add_test(tc, user_list_reads_ids_and_a_user_is_read_in_one_pass);
    tcase_add_test(tc, faults_reach_the_reply_with_the_server_text);
    tcase_add_test(tc, submitted_operations_report_through_their_callback);
    tcase_add_test(tc, user_get_multiple_names_each_user_and_reads_them_all);
    tcase_add_test(tc,
                   plain_http_to_another_machine_needs_an_explicit_setting);
    return tc;
}
