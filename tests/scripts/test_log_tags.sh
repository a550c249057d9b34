#!/bin/sh
# The log-tag guard (scripts/check-log-tags.sh) refuses what it must: run
# on a copy of the tree, it passes as the tree is, and fails with the right
# message once a tag is used twice, a tag is outside its file's area, or
# next-number is stale. Run by "make check" (the guards target).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oxt-log-tags.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
n=0

# A fresh copy of what the guard reads.
fresh() {
    rm -rf "$tmp/tree"
    for d in lib mod_oxtender replicator replicator/front tests/oxsim; do
        mkdir -p "$tmp/tree/$d"
        cp "$top/$d"/*.c "$top/$d"/*.h "$tmp/tree/$d/" 2>/dev/null || true
    done
    mkdir -p "$tmp/tree/scripts" "$tmp/tree/docs"
    cp "$top/scripts/check-log-tags.sh" "$tmp/tree/scripts/"
    cp -R "$top/docs/log-message-tags" "$tmp/tree/docs/"
}

# expect WANT_RC TEXT WHAT: the guard on the copy exits WANT_RC (0 or 1)
# and, when it fails, says TEXT.
expect() {
    n=$((n + 1))
    rc=0
    "$tmp/tree/scripts/check-log-tags.sh" "$tmp/tree" >"$tmp/out" 2>&1 || rc=$?
    if [ "$rc" -ne "$1" ] || ! grep -qF -- "$2" "$tmp/out"; then
        echo "not ok $n - $3 (exit $rc)"
        sed 's/^/#   /' "$tmp/out"
        failed=1
    else
        echo "ok $n - $3"
    fi
}

fresh
expect 0 "check-log-tags: OK" "the tree as it is passes"

fresh
printf 'static const char again[] = OXTLOGNO(00001) "x";\n' \
    >> "$tmp/tree/lib/oxt_util.c"
expect 1 "OXT00001 used twice" "a tag used twice fails"

fresh
printf 'static const char again[] = "OXT03002: x";\n' \
    >> "$tmp/tree/replicator/oxt_repl_main.c"
expect 1 "OXT03002 used twice" "a literal tag used twice fails"

fresh
printf 'static const char page[] = OXTLOGNO(00050) "x";\n' \
    >> "$tmp/tree/mod_oxtender/mod_oxtender_pages.c"
expect 1 "OXT00050 at mod_oxtender/mod_oxtender_pages.c" \
    "a page tag in the core's range fails"

fresh
printf 'static const char soap[] = OXTLOGNO(03999) "x";\n' \
    >> "$tmp/tree/lib/oxt_soap.c"
expect 1 "is outside soap-client" "a replicator tag in the SOAP client fails"

fresh
sed 's/^replicator .*/replicator 03000/' \
    "$top/docs/log-message-tags/next-number" \
    > "$tmp/tree/docs/log-message-tags/next-number"
expect 1 "it should say \"replicator" "a stale next-number fails"

fresh
next=$(sed -n 's/^replicator //p' "$top/docs/log-message-tags/next-number")
after=$(printf '%05d' $((1$next - 100000 + 1)))
printf 'static const char more[] = OXTLOGNO(%s) "x";\n' "$next" \
    >> "$tmp/tree/lib/oxt_queue.c"
expect 1 "it should say \"replicator $after\"" \
    "a new tag without next-number moved on fails"

echo "1..$n"
exit "$failed"
