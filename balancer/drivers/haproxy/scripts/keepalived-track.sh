#!/bin/sh
# keepalived's track script for a balancer pair: exit 0 while this box may
# hold the pair's VIPs, that is while its configuration is current (no stale
# mark, see keepalived-notify.sh) and an HAProxy process of its pid file runs.
# Any other exit puts the instance in FAULT: the peer takes the VIPs.
#
# $1: HAProxy's pid file, $2: the stale mark.
set -u
pid_file=$1
stale=$2
[ -e "$stale" ] && exit 1
[ -r "$pid_file" ] || exit 1
# one pid a line; a pid of a dead HAProxy may belong to another process by
# now, and a zombie runs nothing
while read -r pid; do
  if grep -qs haproxy "/proc/$pid/comm" &&
      ! grep -qs '^State:[[:space:]]*[ZX]' "/proc/$pid/status"; then
    exit 0
  fi
done < "$pid_file"
exit 1
