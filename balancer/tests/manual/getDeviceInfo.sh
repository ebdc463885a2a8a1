#!/usr/bin/env bash
# GET /devices/DEVICE_ID/info
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "DEVICE_ID"
api GET "$BALANCER_URL/devices/$1/info"
