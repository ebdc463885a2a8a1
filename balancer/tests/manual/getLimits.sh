#!/usr/bin/env bash
# GET /$TENANT/limits
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/$TENANT/limits"
