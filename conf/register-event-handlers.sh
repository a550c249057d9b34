#!/bin/sh
# Registers (or removes) the Plesk Event Manager handlers that tell the
# replicator about changes, with Plesk's own event_handler tool.
#
#   register-event-handlers.sh [--templates] [--dry-run]
#   register-event-handlers.sh --remove [--dry-run]
#
# --templates   Plesk 8.6 to 9.3 pass values as <placeholders> in the
#               command line instead of NEW_*/OLD_* environment variables.
# --dry-run     print the event_handler calls instead of running them.
#
# Environment: EVENT_HANDLER (default: Plesk's tool), OXT_REPLICATOR,
# OXT_CONF. Handlers run as root because the replicator reads the key
# files; it records a hint and returns in milliseconds, printing nothing.
set -eu

EVENT_HANDLER=${EVENT_HANDLER:-/usr/local/psa/bin/event_handler}
OXT_REPLICATOR=${OXT_REPLICATOR:-/usr/local/oxtender/bin/oxtender-replicator}
OXT_CONF=${OXT_CONF:-/etc/oxtender/oxtender.conf}
templates=0
remove=0
dry=0

for arg in "$@"; do
    case "$arg" in
        --templates) templates=1 ;;
        --remove) remove=1 ;;
        --dry-run) dry=1 ;;
        *) echo "usage: $0 [--templates] [--remove] [--dry-run]" >&2; exit 2 ;;
    esac
done

# event name, then the template arguments for the older Plesk form
EVENTS="mailname_create:new_mailname
mailname_update:new_mailname old_mailname
mailname_delete:old_mailname
domain_create:new_domain_name
domain_update:new_domain_name old_domain_name
domain_delete:old_domain_name
domain_status_update:new_domain_name
site_create:new_domain_name
site_update:new_domain_name old_domain_name
site_delete:old_domain_name
domain_alias_create:new_domain_alias_name new_domain_name
domain_alias_update:new_domain_alias_name old_domain_alias_name new_domain_name
domain_alias_delete:old_domain_alias_name new_domain_name
client_update:new_login_name old_login_name
client_status_update:new_login_name
reseller_update:new_login_name old_login_name
reseller_status_update:new_login_name"

run() {
    if [ "$dry" = 1 ]; then
        printf '%s\n' "$*"
    else
        "$@"
    fi
}

if [ "$remove" = 1 ]; then
    # Handler ids of our commands, from the tool's own listing.
    ids=$("$EVENT_HANDLER" --list | awk -v bin="$OXT_REPLICATOR" '
        /^[[:space:]]*Id[[:space:]]/ { id = $NF }
        index($0, bin) && id != "" { print id; id = "" }')
    for id in $ids; do
        run "$EVENT_HANDLER" --delete "$id"
    done
    exit 0
fi

printf '%s\n' "$EVENTS" | while IFS=: read -r event params; do
    command="$OXT_REPLICATOR -q -c $OXT_CONF event $event"
    if [ "$templates" = 1 ]; then
        for p in $params; do
            command="$command $p=<$p>"
        done
    fi
    run "$EVENT_HANDLER" --create -command "$command" -priority 50 \
        -user root -event "$event"
done
