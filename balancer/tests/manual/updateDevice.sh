#!/usr/bin/env bash
# PUT /devices/DEVICE_ID   (body: JSON_FILE, default updateDeviceCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "DEVICE_ID [JSON_FILE]"
api PUT "$BALANCER_URL/devices/$1" "$(body "${2:-updateDeviceCommand}")"
