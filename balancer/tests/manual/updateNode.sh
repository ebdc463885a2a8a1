#!/usr/bin/env bash
# PUT /$TENANT/loadbalancers/LB_ID/nodes/NODE_ID   (body: JSON_FILE, default updateNodeCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID NODE_ID [JSON_FILE]"
api PUT "$LB/$1/nodes/$2" "$(body "${3:-updateNodeCommand}")"
