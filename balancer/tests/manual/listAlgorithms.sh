#!/usr/bin/env bash
# GET /algorithms
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/algorithms"
