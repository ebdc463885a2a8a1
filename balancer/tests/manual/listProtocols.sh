#!/usr/bin/env bash
# GET /protocols
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/protocols"
