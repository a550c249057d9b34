#!/bin/sh
# Log tags kept honest (docs/log-message-tags/README.md): every
# OXTLOGNO(nnnnn) (or a literal "OXTnnnnn: " where the macro cannot be
# used) of the product's code
#  - is used in exactly one place;
#  - lies in the range of its file's area (docs/log-message-tags/areas);
# and docs/log-message-tags/next-number gives, for every area, one more
# than its highest tag in use.
#
#   scripts/check-log-tags.sh [TOP]     TOP: the tree to check (default: ours)
set -eu
top=${1:-$(dirname "$0")/..}
cd "$top"
areas=docs/log-message-tags/areas
next=docs/log-message-tags/next-number

# The area of a file: the first line of $areas with a pattern that matches.
file_area() {
    grep -v '^#' "$areas" | while read -r name first last pats; do
        for pat in $pats; do
            # shellcheck disable=SC2254
            case "$1" in $pat) echo "$name"; return 0 ;; esac
        done
    done
}

# "tag area place" for every tag of every file an area names.
tags() {
    pats=$(grep -v '^#' "$areas" | awk '{ for (i = 4; i <= NF; i++) print $i }')
    # shellcheck disable=SC2086
    for f in $(ls -d $pats 2>/dev/null | sort -u); do
        [ -f "$f" ] || continue
        area=$(file_area "$f")
        grep -onE 'OXTLOGNO\([0-9]{5}\)|"OXT[0-9]{5}: ' "$f" | \
            sed -E "s|^([0-9]+):.*([0-9]{5}).*|\2 $area $f:\1|" || true
    done
}

tags | awk -v areas="$areas" -v next_file="$next" '
    BEGIN {
        while ((getline line < areas) > 0) {
            if (line ~ /^#/ || split(line, f, " ") < 3) continue
            first[f[1]] = f[2] + 0; last[f[1]] = f[3] + 0; order[++n] = f[1]
        }
        while ((getline line < next_file) > 0) {
            if (line ~ /^#/ || split(line, f, " ") < 2) continue
            want[f[1]] = f[2]
        }
    }
    {
        tag = $1 + 0; area = $2; place = $3
        if (tag in seen) {
            printf "check-log-tags: OXT%05d used twice: %s and %s\n", \
                tag, seen[tag], place
            bad = 1
        }
        seen[tag] = place
        if (tag < first[area] || tag > last[area]) {
            printf "check-log-tags: OXT%05d at %s is outside %s (%05d-%05d)\n", \
                tag, place, area, first[area], last[area]
            bad = 1
        }
        if (!(area in high) || tag > high[area]) high[area] = tag
    }
    END {
        for (i = 1; i <= n; i++) {
            a = order[i]
            nx = sprintf("%05d", (a in high) ? high[a] + 1 : first[a])
            if (want[a] != nx) {
                printf "check-log-tags: %s says \"%s %s\"; it should say" \
                       " \"%s %s\"\n", next_file, a, want[a], a, nx
                bad = 1
            }
        }
        exit bad
    }' >&2 || { echo "check-log-tags: FAILED" >&2; exit 1; }
echo "check-log-tags: OK"
