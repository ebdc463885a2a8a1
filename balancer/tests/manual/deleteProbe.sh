#!/usr/bin/env bash
# DELETE /$TENANT/loadbalancers/LB_ID/healthMonitoring/PROBE_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID PROBE_ID"
api DELETE "$LB/$1/healthMonitoring/$2"
