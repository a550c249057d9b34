#!/bin/sh
# Plain "make" builds every program the integration suite and the demo run:
# each path tests/integration/harness/env.py names for a program must be
# made by "make all" (asked with make -n -B, so nothing is built). A helper
# built only by "make integration" made pytest by hand fail (oxt-corecli)
# or skip (oxt-pagekit). Run by "make check" (the guards target).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
plan=$(mktemp "${TMPDIR:-/tmp}/oxt-make-all.XXXXXX")
trap 'rm -f "$plan"' EXIT INT TERM
make --no-print-directory -n -B all >"$plan" 2>&1
failed=0
for path in $(/usr/bin/python3 -c '
import os, sys
sys.path.insert(0, "tests/integration")
from harness import env
for p in (env.REPLICATOR, env.OXSIM, env.GENDATA, env.LICENSE_TOOL,
          env.MODULE, env.PAGEKIT, env.CORECLI):
    print(os.path.relpath(p, env.TOP))
'); do
    if ! grep -qF "$(basename "$path")" "$plan"; then
        echo "test_make_all: plain make does not build $path" >&2
        failed=1
    fi
done
[ "$failed" -eq 0 ] && echo "make all: builds every program the tests run"
exit "$failed"
