#!/usr/bin/env bash
# PUT /$TENANT/loadbalancers/LB_ID/virtualIps/VIP_ID   (body: JSON_FILE, default updateVIPCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID VIP_ID [JSON_FILE]"
api PUT "$LB/$1/virtualIps/$2" "$(body "${3:-updateVIPCommand}")"
