#!/bin/sh
# Source rules that a compiler does not enforce (docs/architecture.md, "Rules"):
#  - the core (lib/) never includes an httpd header;
#  - no strcpy/strcat/sprintf/vsprintf/gets/atoi in our C code;
#  - every core header compiles on its own.
set -eu
cd "$(dirname "$0")/.."
fail=0

bad=$(grep -lE '#include *[<"](httpd|http_[a-z_]+|ap_[a-z_]+|mod_[a-z_]+|util_[a-z_]+)\.h' lib/*.[ch] || true)
if [ -n "$bad" ]; then
    echo "check-source: lib/ must not include httpd headers: $bad" >&2
    fail=1
fi

banned=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|atoi)[[:space:]]*\(' \
    lib/*.[ch] mod_oxtender/*.[ch] replicator/*.[ch] tests/oxsim/*.[ch] tools/gendata/*.[ch] \
    2>/dev/null || true)
if [ -n "$banned" ]; then
    echo "check-source: banned functions (use apr_* or snprintf/strtol):" >&2
    echo "$banned" >&2
    fail=1
fi

# APR's formatter (apr_psprintf, oxt_result_set, ap_log_error, ap_rprintf)
# has no %lld/%llu: it prints the format itself. Only libc's snprintf may
# use them in the core and the module.
lld=$(grep -nE '%ll[du]' lib/*.c mod_oxtender/*.c 2>/dev/null | \
    grep -vE '(^|[^_a-z])snprintf\(' || true)
if [ -n "$lld" ]; then
    echo "check-source: %lld/%llu with APR's formatter (use APR_INT64_T_FMT or oxt_util_lld):" >&2
    echo "$lld" >&2
    fail=1
fi

# APR_RING and APR_BRIGADE reach member offsets through APR_OFFSETOF, which
# is a member access through a null pointer (undefined behaviour, reported
# by UBSan) unless offsetof is defined first: <stddef.h> before any APR
# header in every file that uses them.
for f in $(grep -lE 'APR_(RING|BRIGADE)_' lib/*.c mod_oxtender/*.c replicator/*.c \
        tests/*/*.c 2>/dev/null || true); do
    first_apr=$(grep -nE '#include *<apr' "$f" | head -1 | cut -d: -f1)
    stddef=$(grep -nE '#include *<stddef\.h>' "$f" | head -1 | cut -d: -f1)
    if [ -z "$stddef" ] || { [ -n "$first_apr" ] && [ "$stddef" -gt "$first_apr" ]; }; then
        echo "check-source: $f uses APR_RING/APR_BRIGADE: include <stddef.h> before the APR headers" >&2
        fail=1
    fi
done

cflags="-std=c11 -Wall -Wextra -Werror -Ilib $(apr-1-config --cflags --cppflags --includes) \
$(apu-1-config --includes) $(mysql_config --cflags) $(pkg-config --cflags libxml-2.0 libcurl libcrypto)"
for h in lib/*.h; do
    if ! printf '#include "%s"\n' "$(basename "$h")" | \
        ${CC:-gcc} $cflags -fsyntax-only -x c - ; then
        echo "check-source: $h does not compile on its own" >&2
        fail=1
    fi
done

[ "$fail" = 0 ] && echo "check-source: OK"
exit "$fail"
