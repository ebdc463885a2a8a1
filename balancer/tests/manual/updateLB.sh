#!/usr/bin/env bash
# PUT /$TENANT/loadbalancers/LB_ID   (body: JSON_FILE, default updateLBcommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID [JSON_FILE]"
api PUT "$LB/$1" "$(body "${2:-updateLBcommand}")"
