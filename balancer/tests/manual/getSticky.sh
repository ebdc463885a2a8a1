#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/LB_ID/sessionPersistence/STICKY_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || usage "LB_ID STICKY_ID"
api GET "$LB/$1/sessionPersistence/$2"
