#!/usr/bin/env bash
# GET /devices[/DEVICE_ID]
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/devices${1:+/$1}"
