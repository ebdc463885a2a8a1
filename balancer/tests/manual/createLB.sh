#!/usr/bin/env bash
# Create a load balancer: POST /$TENANT/loadbalancers with createLBcommand<SUFFIX>
# (default: HAProxy) or a JSON file.  With DEVICE_ID its device_id is replaced;
# without, the file's device_id is dropped and the scheduler picks a device.
. "$(dirname "$0")/common.sh"
arg=${1:-HAProxy}
[[ -f $arg ]] || arg=createLBcommand$arg
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
if [[ -n ${2:-} ]]; then
  sed -E 's/("device_id"[[:space:]]*:[[:space:]]*)"[^"]*"/\1"'"$2"'"/' "$(body "$arg")" >"$tmp"
else
  sed -E '/^[[:space:]]*"device_id"[[:space:]]*:/d' "$(body "$arg")" >"$tmp"
fi
api POST "$LB" "$tmp"
