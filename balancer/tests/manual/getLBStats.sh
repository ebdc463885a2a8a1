#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/LB_ID/stats   (live figures from the device)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID"
api GET "$LB/$1/stats"
