#!/usr/bin/env bash
# POST /$TENANT/loadbalancers/LB_ID/virtualIps   (body: JSON_FILE, default addVIPCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID [JSON_FILE]"
api POST "$LB/$1/virtualIps" "$(body "${2:-addVIPCommand}")"
