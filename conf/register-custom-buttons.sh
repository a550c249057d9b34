#!/bin/sh
# Puts the OXtender custom buttons into Plesk's panel for the admin and
# every account granted access (or, with --dry-run, prints what would
# change). The grants decide: the replicator's "buttons" command compares
# them with Plesk's buttons and calls Plesk's own custombutton tool; "run"
# and the daemon repeat this after each pass, so this script is for the
# first installation and for trying it out.
#
#   register-custom-buttons.sh [--dry-run]
#
# Environment: OXT_REPLICATOR, OXT_CONF.
set -eu

OXT_REPLICATOR=${OXT_REPLICATOR:-/usr/local/oxtender/bin/oxtender-replicator}
OXT_CONF=${OXT_CONF:-/etc/oxtender/oxtender.conf}

case "${1:-}" in
    "") exec "$OXT_REPLICATOR" -c "$OXT_CONF" buttons ;;
    --dry-run) exec "$OXT_REPLICATOR" -c "$OXT_CONF" buttons --dry-run ;;
    *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac
