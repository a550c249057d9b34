#!/bin/sh
# Builds the Debian packages (debian/) from a copy of this tree, so that
# nothing is written outside the tree or the temporary directory:
# dpkg-buildpackage puts its results into the parent of the source tree.
#
#   scripts/build-deb.sh [--lintian] [--work DIR] OUTDIR
#
# OUTDIR        receives the .deb (and -dbgsym .deb), .changes and .buildinfo
# --lintian     then run lintian on them; its errors fail the build
# --work DIR    build in DIR/src and keep it (tests reuse the built tree);
#               without it a temporary directory is used and removed
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
lintian=0
work=""
while [ $# -gt 1 ]; do
    case "$1" in
        --lintian) lintian=1 ;;
        --work) work=$2; shift ;;
        *) echo "usage: $0 [--lintian] [--work DIR] OUTDIR" >&2; exit 2 ;;
    esac
    shift
done
[ $# -eq 1 ] || { echo "usage: $0 [--lintian] [--work DIR] OUTDIR" >&2; exit 2; }
out=$1

keep=1
if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/oxtender-deb.XXXXXX")
    keep=0
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT INT TERM
rm -rf "$work/src"
mkdir -p "$work/src" "$out"

# The files git knows (tracked, and new ones not ignored): no build
# results, no test scratch. Without git, everything but those.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null --no-recursion -T - -cf -) | tar -xpf - -C "$work/src"
else
    (cd "$top" && tar -cf - --exclude=./build --exclude=./tests/gen \
        --exclude=./.demo --exclude=./.git . ) | (cd "$work/src" && tar -xf -)
fi

(cd "$work/src" && dpkg-buildpackage -us -uc -b -J"$(nproc)")

for f in "$work"/*.deb "$work"/*.ddeb "$work"/*.changes "$work"/*.buildinfo; do
    [ -e "$f" ] && mv -f "$f" "$out/"
done
changes=$(ls "$out"/mod-oxtender_*.changes | tail -n 1)
if [ "$lintian" = 1 ]; then
    lintian --fail-on error --info "$changes"
fi
echo "build-deb: packages in $out"
