#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/LB_ID/virtualIps
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID"
api GET "$LB/$1/virtualIps"
