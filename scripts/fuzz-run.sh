#!/bin/sh
# Runs each libFuzzer harness for a while on a scratch copy of its seed
# corpus (the repository's corpus never grows), and prints how many inputs
# each one executed. Fails when a harness crashes, leaks, times out or
# trips a sanitizer; the input that did it is kept in BUILD/artifacts/.
#
#   fuzz-run.sh BUILD SECONDS NAME...    (called by make fuzz)
set -eu
build=$1
seconds=$2
shift 2
[ $# -gt 0 ] || { echo "fuzz-run: no harnesses (fuzz/fuzz_*.c)" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/oxt-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$build/artifacts"
summary="$scratch/summary"
: > "$summary"
failed=""

for name in "$@"; do
    corpus=fuzz/corpus/$name
    if [ ! -d "$corpus" ]; then
        echo "fuzz-run: fuzz/fuzz_$name.c has no corpus ($corpus/)" >&2
        exit 1
    fi
    work="$scratch/$name"
    mkdir -p "$work"
    cp -R "$corpus/." "$work/"
    log="$build/fuzz_$name.log"
    echo "  FUZZ    $name for ${seconds}s"
    rc=0
    "$build/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$build/artifacts/$name-" "$work" \
        > "$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus_n=$(ls -A "$work" | wc -l)
    if [ "$rc" != 0 ]; then
        failed="$failed $name"
        printf '%-12s %12s  FAILED (exit %s), see %s\n' "$name" \
            "${execs:-?}" "$rc" "$log" >> "$summary"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    else
        printf '%-12s %12s  executions in %ss, corpus %s inputs\n' "$name" \
            "${execs:-?}" "$seconds" "$corpus_n" >> "$summary"
    fi
done

echo
echo "harness       executions"
cat "$summary"
if [ -n "$failed" ]; then
    echo "fuzz-run: crashes in:$failed (inputs in $build/artifacts/)" >&2
    exit 1
fi
