#!/usr/bin/env bash
# DELETE /$TENANT/loadbalancers/LB_ID/virtualIps/VIP_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID VIP_ID"
api DELETE "$LB/$1/virtualIps/$2"
