#!/usr/bin/env bash
# DELETE /$TENANT/loadbalancers/LB_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID"
api DELETE "$LB/$1"
