#!/usr/bin/env bash
# PUT /$TENANT/loadbalancers/LB_ID/nodes/NODE_ID/STATUS
. "$(dirname "$0")/common.sh"
[[ $# -ge 3 ]] || usage "LB_ID NODE_ID STATUS"
api PUT "$LB/$1/nodes/$2/$3"
