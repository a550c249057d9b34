/*
 * test_util.c — loopback host names; reading files someone else may have
 * put in our way (symlinks, FIFOs, owners and modes, sizes).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_util.h"
#include "oxt_status.h"

START_TEST(loopback_hosts_are_recognised_strictly)
{
    static const char *const yes[] = {
        "localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:8009",
        "127.1.2.3", "[::1]", "[::1]:8080",
    };
    static const char *const no[] = {
        "", "ox.example.com", "10.0.0.1:80", "0.0.0.0", "::1",
        "127.0.0.1@ox.example.com", "127.0.0.1:80@ox.example.com",
        "127.0.0.1/x", "localhost.example.com", "[::1", "127.0.0.1:",
        "127.0.0.1:8o", "128.0.0.1", "[::2]:80",
    };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        ck_assert_msg(oxt_util_host_is_loopback(yes[i]), "%s", yes[i]);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        ck_assert_msg(!oxt_util_host_is_loopback(no[i]), "%s", no[i]);
    }
    ck_assert(!oxt_util_host_is_loopback(NULL));
}
END_TEST

TCase *oxt_util_test_case(void)
{
    TCase *tc = oxt_unit_tcase("util");

    tcase_add_test(tc, loopback_hosts_are_recognised_strictly);
    return tc;
}
