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
    lib/*.[ch] mod_oxtender/*.[ch] replicator/*.[ch] tests/oxsim/*.[ch] \
    tools/gendata/*.[ch] tools/license/*.[ch] \
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

# Page files write only through the core's writers on the sink adapter
# (mod_oxtender_sink.c): no raw response writes, no brigade writes.
pages=$(ls mod_oxtender/mod_oxtender_page_*.c 2>/dev/null || true)
if [ -n "$pages" ]; then
    raw=$(grep -nE '(^|[^_a-zA-Z0-9])(ap_rputs|ap_rvputs|ap_rprintf|ap_rwrite|ap_rputc|ap_fwrite|ap_fputs|ap_fputstrs|ap_fprintf|apr_brigade_write|apr_brigade_puts|apr_brigade_printf|apr_brigade_vprintf|ap_pass_brigade)[[:space:]]*\(' \
        $pages || true)
    if [ -n "$raw" ]; then
        echo "check-source: page files write through oxt_html/oxt_json/oxt_csv on oxt_mod_sink_make, never raw:" >&2
        echo "$raw" >&2
        fail=1
    fi
fi

# Raw markup and path words come from string literals, through the
# OXT_HTML_LIT and OXT_URL_WORD macros; only the kit itself calls the
# functions behind them (with its own constant tables).
kit="lib/oxt_html.h lib/oxt_html.c lib/oxt_url.h lib/oxt_url.c lib/oxt_icon.c lib/oxt_page.c"
direct=$(grep -nE '(oxt_html_raw_lit|oxt_url_word_lit)[[:space:]]*\(' \
    lib/*.[ch] mod_oxtender/*.[ch] replicator/*.[ch] 2>/dev/null | \
    grep -vE "^($(echo $kit | sed 's/ /|/g')):" || true)
if [ -n "$direct" ]; then
    echo "check-source: use OXT_HTML_LIT / OXT_URL_WORD with a string literal:" >&2
    echo "$direct" >&2
    fail=1
fi

# Every icon the core names has its file in htdocs/icons/.
for f in $(grep -oE '"[a-z-]+\.svg"' lib/oxt_icon.c | tr -d '"'); do
    if [ ! -f "htdocs/icons/$f" ]; then
        echo "check-source: lib/oxt_icon.c names htdocs/icons/$f, which is missing" >&2
        fail=1
    fi
done

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

# OXT_HTML_LIT must not compile with a variable: that is what keeps data
# out of raw markup. The same snippet with a literal must compile, or the
# check would prove nothing.
lit_snippet() {
    printf '#include "oxt_html.h"\nvoid t(oxt_html_t *h, const char *s);\n'
    printf 'void t(oxt_html_t *h, const char *s) { (void)s; OXT_HTML_LIT(h, %s); }\n' "$1"
}
if ! lit_snippet '"literal"' | ${CC:-gcc} $cflags -fsyntax-only -x c - ; then
    echo "check-source: the OXT_HTML_LIT check snippet does not compile" >&2
    fail=1
elif lit_snippet 's' | ${CC:-gcc} $cflags -fsyntax-only -x c - 2>/dev/null; then
    echo "check-source: OXT_HTML_LIT accepted a variable" >&2
    fail=1
fi

# The notes we once worked from are not in the repository; what the code
# relies on is written in docs/reference/, and comments point there.
outside='\.\./shared/|/work/shared|shared/ref/|ref/(plesk|ox-soap|style|ui)\.md'
# (spelled with a bracket so the guard does not match its own pattern)
outside="$outside|design[ ]brief|design[ ]§|ref[ ]§"
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

# A comment that points to docs/reference/ points to a file that is there
# (a citation of a note never written sends the reader nowhere).
missing=""
for ref in $(grep -rhoE 'docs/reference/[A-Za-z0-9_-]+\.md' \
        --exclude-dir=gen --exclude-dir=build --exclude-dir=.git \
        README.md Makefile bench conf docs lib mod_oxtender replicator \
        scripts sql tests tools 2>/dev/null | sort -u); do
    [ -f "$ref" ] || missing="$missing $ref"
done
if [ -n "$missing" ]; then
    echo "check-source: cited but missing:$missing" >&2
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
