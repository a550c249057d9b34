#!/bin/sh
# Installs the Debian 12 packages mod_oxtender needs to build, test and run
# its demo. Called by the Makefile when something is missing; safe to re-run.
# The packaging tools (debhelper ... init-system-helpers, whose
# deb-systemd-helper runs in the packaging tests' throw-away roots) are for
# "make deb" and tests/packaging. prometheus is for its promtool: the
# integration tests check the metrics' exposition with it.
# python3-pytest-xdist runs the integration suite in parallel workers.
#
#   install-deps.sh          what make, make check and make demo need
#   install-deps.sh fuzz     that, plus clang and libFuzzer for make fuzz
#                            (kept apart so make check never pulls clang)
#
# Installing apache2 or mariadb-server on Debian normally starts the system
# services. Our tests and demo run private servers on loopback ports and must
# never touch system services, so a policy-rc.d that forbids starting any
# service is in place for the duration of the install.
set -eu

PACKAGES="make gcc pkg-config curl ca-certificates openssl
apache2 apache2-dev libapr1-dev libaprutil1-dev
libxml2-dev libcurl4-openssl-dev libssl-dev libmicrohttpd-dev
default-libmysqlclient-dev mariadb-server mariadb-client
check libsubunit-dev
python3 python3-pytest python3-pytest-xdist
python3-selenium chromium chromium-driver
build-essential debhelper dpkg-dev fakeroot lintian groff-base
init-system-helpers prometheus"

# make fuzz only: clang 14 with its libFuzzer and sanitizer runtimes.
FUZZ_PACKAGES="clang libfuzzer-14-dev libclang-rt-14-dev"

for what in "$@"; do
    case "$what" in
    fuzz) PACKAGES="$PACKAGES $FUZZ_PACKAGES" ;;
    *) echo "install-deps: unknown package set '$what' (known: fuzz)" >&2
       exit 2 ;;
    esac
done

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root, or install them with apt-get." >&2
    exit 1
fi

echo "install-deps: installing$missing"
policy=/usr/sbin/policy-rc.d
restore=""
if [ -e "$policy" ]; then
    cp -p "$policy" "$policy.oxtender-saved"
    restore=1
fi
cleanup() {
    if [ -n "$restore" ]; then mv -f "$policy.oxtender-saved" "$policy"
    else rm -f "$policy"; fi
}
trap cleanup EXIT INT TERM
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; an old list may name versions
# the mirror no longer serves, so refresh when the first attempt fails.
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
