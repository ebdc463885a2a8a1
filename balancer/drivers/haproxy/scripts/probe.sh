#!/bin/sh
# The device health probe: one SSH exec per device per [health] probe_interval.
#
# Usage: probe.sh SUDO SOCKET STATE_FILE
#   SUDO        "" when the SSH user may read the socket itself, else "sudo -n"
#   SOCKET      HAProxy's stats socket (device extra "socket")
#   STATE_FILE  where keepalived writes its state word (MASTER, BACKUP,
#               FAULT) on a paired box; a missing file means "not paired"
#
# Answers in "@@balancer KEY VALUE" lines that
# balancer/drivers/haproxy/probe.py parses:
#   haproxy PID          the pid HAProxy answers "show info" with (empty: none)
#   haproxy-error TEXT   why nothing answered, when nothing did
#   vrrp ROLE            the first word of STATE_FILE (empty: no such file);
#                        FAULT when keepalived is not running, since a killed
#                        keepalived leaves its last word (MASTER) behind
#   vrrp-error TEXT      why the role is FAULT when keepalived said nothing
# Checked by shellcheck: balancer/tests/unit/drivers/haproxy/test_probe_script.py.

S=$1
SOCK=$2
STATE=$3

answer=$(printf 'show info\n' | $S socat -t 3 stdio "unix-connect:$SOCK" 2>&1)
pid=$(printf '%s\n' "$answer" | sed -n 's/^Pid: //p' | head -n 1)
echo "@@balancer haproxy $pid"
if [ -z "$pid" ]; then
    # socat's own message (no such file, connection refused), on one line
    echo "@@balancer haproxy-error $(printf '%s' "$answer" | tr '\n' ' ' | cut -c1-300)"
fi

if [ -e "$STATE" ]; then
    # without sudo where it may (~6 ms a call); cat is in the sudoers list
    # doc/source/drivers.rst gives for the HAProxy driver
    if [ -r "$STATE" ]; then
        role=$(head -n 1 "$STATE")
    else
        role=$($S cat "$STATE" | head -n 1)
    fi
    # keepalived's notify lines may carry more than the word: keep the word
    set -- $role
    # keepalived-apply.sh starts keepalived with its pid file beside STATE
    kpid=$(cat "${STATE%/*}/keepalived.pid" 2>/dev/null ||
           $S cat "${STATE%/*}/keepalived.pid" 2>/dev/null)
    if [ -n "$kpid" ] && grep -qs keepalived "/proc/$kpid/comm" &&
       ! grep -qs '^State:[[:space:]]*[ZX]' "/proc/$kpid/status"; then
        echo "@@balancer vrrp ${1:-}"
    else
        echo "@@balancer vrrp FAULT"
        echo "@@balancer vrrp-error keepalived is not running (it last reported ${1:-nothing})"
    fi
else
    echo "@@balancer vrrp"
fi
