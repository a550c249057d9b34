#!/bin/sh
# Source rules that a compiler does not enforce (docs/architecture.md, "Rules"):
#  - the core (lib/) never includes an httpd header;
#  - no strcpy/strcat/sprintf/vsprintf/gets/atoi in our C code;
#  - every core header compiles on its own;
#  - no function is longer than 60 lines (scripts/function-sizes.sh);
#  - no file cites a document outside the repository (docs/reference/ holds
#    what the code relies on);
#  - log tags are unique, in their area's range, and next-number is true
#    (scripts/check-log-tags.sh).
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

cflags="-std=c11 -Wall -Wextra -Werror -Ilib $(apr-1-config --cflags --cppflags --includes) \
$(apu-1-config --includes) $(mysql_config --cflags) $(pkg-config --cflags libxml-2.0 libcurl libcrypto)"
for h in lib/*.h; do
    if ! printf '#include "%s"\n' "$(basename "$h")" | \
        ${CC:-gcc} $cflags -fsyntax-only -x c - ; then
        echo "check-source: $h does not compile on its own" >&2
        fail=1
    fi
done

# The notes we once worked from are not in the repository; what the code
# relies on is written in docs/reference/, and comments point there.
outside='\.\./shared/|/work/shared|shared/ref/|ref/(plesk|ox-soap|style|ui)\.md'
outside="$outside|design brief|design §|ref §"
cites=$(grep -rInE "$outside" --exclude-dir=gen --exclude-dir=build \
    --exclude-dir=.git --exclude=check-source.sh \
    README.md Makefile bench conf docs lib mod_oxtender replicator scripts \
    sql tests tools 2>/dev/null || true)
if [ -n "$cites" ]; then
    echo "check-source: documents outside the repository are cited" \
         "(write it in docs/reference/ and point there):" >&2
    echo "$cites" >&2
    fail=1
fi

if ! ./scripts/check-log-tags.sh >/dev/null; then
    fail=1
fi

if ! ./scripts/function-sizes.sh --max 60 >/dev/null; then
    fail=1
fi

[ "$fail" = 0 ] && echo "check-source: OK"
exit "$fail"
