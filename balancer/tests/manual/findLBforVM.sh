#!/usr/bin/env bash
# GET /$TENANT/loadbalancers/find_for_VM/VM_ID
. "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || usage "VM_ID"
api GET "$LB/find_for_VM/$1"
