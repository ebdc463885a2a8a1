#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/LB_ID/virtualIps/VIP_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID VIP_ID"
api GET "$LB/$1/virtualIps/$2"
