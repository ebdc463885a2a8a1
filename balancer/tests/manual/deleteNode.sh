#!/usr/bin/env bash
# DELETE /$TENANT/loadbalancers/LB_ID/nodes/NODE_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID NODE_ID"
api DELETE "$LB/$1/nodes/$2"
