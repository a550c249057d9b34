#!/bin/sh
# The size of every C function of the core and the two front ends, counted
# from the first line of its signature to its closing brace (our style puts
# a function's braces in column 0, so a brace there opens and closes one).
#
#   scripts/function-sizes.sh             count, median, p90 and maximum
#   scripts/function-sizes.sh --list N    also the N largest, with places
#   scripts/function-sizes.sh --max N     fail when one is longer than N
#   ... [FILE ...]                        other files (default: lib/,
#                                         mod_oxtender/, replicator/)
set -eu
cd "$(dirname "$0")/.."
list=0
max=0
while [ $# -gt 0 ]; do
    case "$1" in
    --list) list=$2; shift 2 ;;
    --max) max=$2; shift 2 ;;
    *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    set -- lib/*.c mod_oxtender/*.c replicator/*.c
fi
sizes=$(awk '
    /^[A-Za-z_].*\(/ && !inbody { sig = FNR; name = $0 }
    /^\{/ { inbody = 1; next }
    inbody && /^\}/ {
        inbody = 0
        sub(/\(.*/, "", name)
        sub(/.*[ *]/, "", name)
        printf "%d %s:%d %s\n", FNR - sig + 1, FILENAME, sig, name
    }' "$@" | sort -n)
echo "$sizes" | awk '{ n[NR] = $1 } END {
    printf "functions %d, median %d, p90 %d, max %d lines\n",
        NR, n[int((NR + 1) / 2)], n[int(NR * 0.9)], n[NR] }'
if [ "$list" -gt 0 ]; then
    echo "$sizes" | tail -n "$list"
fi
if [ "$max" -gt 0 ]; then
    over=$(echo "$sizes" | awk -v max="$max" '$1 > max')
    if [ -n "$over" ]; then
        echo "function-sizes: longer than $max lines:" >&2
        echo "$over" >&2
        exit 1
    fi
fi
