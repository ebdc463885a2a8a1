#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/LB_ID/nodes/NODE_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID NODE_ID"
api GET "$LB/$1/nodes/$2"
