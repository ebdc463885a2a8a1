#!/usr/bin/env bash
# GET /$TENANT/loadbalancers
. "$(dirname "$0")/common.sh"
api GET "$LB"
