#!/usr/bin/env bash
# POST /$TENANT/loadbalancers/LB_ID/sessionPersistence   (body: JSON_FILE, default addStickyCommand)
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "LB_ID [JSON_FILE]"
api POST "$LB/$1/sessionPersistence" "$(body "${2:-addStickyCommand}")"
