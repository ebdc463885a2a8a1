#!/usr/bin/env bash
# Register a device: POST /devices with createDevice<SUFFIX> (default: HAProxy) or a JSON file.
. "$(dirname "$0")/common.sh"
arg=${1:-HAProxy}
[[ -f $arg ]] || arg=createDevice$arg
api POST "$BALANCER_URL/devices" "$(body "$arg")"
