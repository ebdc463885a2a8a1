#!/usr/bin/env bash
# DELETE /$TENANT/loadbalancers/LB_ID/sessionPersistence/STICKY_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID STICKY_ID"
api DELETE "$LB/$1/sessionPersistence/$2"
