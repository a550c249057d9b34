#!/bin/bash
# Measures generating and loading a large psa dataset into a private
# MariaDB: 100 resellers, 10,000 customers, 100,000 domains, 1,000,000
# mailboxes by default. Never part of `make check`.
#
#   bench/gendata_load.sh [--plesk 9] [--mailboxes 1000000] [...]
#
# Extra arguments go to oxt-gendata (later ones win). The server runs in a
# temporary directory on a unix socket only, and is stopped and removed on
# every exit path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
gen=${OXT_GENDATA:-$top/tools/gendata/oxt-gendata}
plesk=9
args=(--resellers 100 --clients 10000 --domains 100000 --mailboxes 1000000
      --seed 1)
for ((i = 1; i <= $#; i++)); do
    if [ "${!i}" = --plesk ]; then j=$((i + 1)); plesk=${!j}; fi
done
[ -x "$gen" ] || { echo "build the generator first: make" >&2; exit 1; }

dir=$(mktemp -d /tmp/oxt-bench.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mariadb-install-db --no-defaults --datadir="$dir/data" \
    --auth-root-authentication-method=normal --user="$(id -un)" \
    >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/sock" \
    --port=0 --skip-networking --user="$(id -un)" \
    --innodb-buffer-pool-size=1G --innodb-log-file-size=512M \
    --log-error="$dir/error.log" >"$dir/server.out" 2>&1 &
pid=$!
sql() { mariadb --no-defaults --socket="$dir/sock" -uroot "$@"; }
for _ in $(seq 100); do
    sql -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/error.log" >&2; exit 1; }
    sleep 0.1
done

sql -e 'CREATE DATABASE psa'
sql psa <"$top/sql/psa/psa-$plesk.sql"

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%6.1f", b - a }'; }

# 1. The generator alone (output discarded): what the load has to keep up with.
t0=$(date +%s.%N)
"$gen" --plesk "$plesk" "${args[@]}" --secret-key "$dir/secret_key" "$@" \
    2>"$dir/gen.log" | wc -c >"$dir/bytes"
t1=$(date +%s.%N)
# 2. The real thing: generator piped into the server.
"$gen" --plesk "$plesk" "${args[@]}" --secret-key "$dir/secret_key" "$@" \
    2>/dev/null | sql psa
t2=$(date +%s.%N)

echo "dataset: Plesk $plesk ${args[*]} $*"
echo "SQL stream: $(( $(cat "$dir/bytes") / 1048576 )) MiB"
echo "generate only:          $(elapsed "$t0" "$t1") s"
echo "generate | mariadb:     $(elapsed "$t1" "$t2") s"
sql -N psa -e "SELECT CONCAT('loaded: ', (SELECT COUNT(*) FROM mail), ' mail, ',
    (SELECT COUNT(*) FROM accounts), ' accounts, ',
    (SELECT COUNT(*) FROM domains), ' domains, ',
    (SELECT COUNT(*) FROM clients), ' clients')"
