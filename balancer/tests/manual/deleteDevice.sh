#!/usr/bin/env bash
# DELETE /devices/DEVICE_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "DEVICE_ID"
api DELETE "$BALANCER_URL/devices/$1"
