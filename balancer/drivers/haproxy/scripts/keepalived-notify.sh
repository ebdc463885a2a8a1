#!/bin/sh
# keepalived runs this on every VRRP state change of a balancer pair's
# instance (balancer/drivers/haproxy/keepalived.py renders the call).
#
# It writes the state word (MASTER, BACKUP, FAULT) to the state file, where
# the service reads the box's role.  On FAULT it also marks the box stale:
# a box that gave up the VIPs (its HAProxy died, its link went down) may
# miss changes while it is out, so the track script keeps it out of VRRP
# until the service's next successful deploy of this box removes the mark.
#
# $1: the state file, $2: the stale mark; keepalived appends the type
# (INSTANCE), the instance name, the state and the priority.
set -u
umask 022          # the service reads the state file as the device's SSH user
state_file=$1
stale=$2
state=${5:-}
printf '%s\n' "$state" > "$state_file.tmp" && mv -f "$state_file.tmp" "$state_file"
if [ "$state" = FAULT ]; then
  : > "$stale"
fi
exit 0
