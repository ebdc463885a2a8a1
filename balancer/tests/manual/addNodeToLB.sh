#!/usr/bin/env bash
# POST /$TENANT/loadbalancers/LB_ID/nodes   (body: JSON_FILE, default addNodeCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID [JSON_FILE]"
api POST "$LB/$1/nodes" "$(body "${2:-addNodeCommand}")"
