#!/usr/bin/env bash
# POST /$TENANT/loadbalancers/LB_ID/healthMonitoring   (body: JSON_FILE, default addProbeCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID [JSON_FILE]"
api POST "$LB/$1/healthMonitoring" "$(body "${2:-addProbeCommand}")"
