#!/usr/bin/env bash
# PUT /$TENANT/limits   (admin; body: JSON_FILE, default setLimitsCommand)
. "$(dirname "$0")/common.sh"
api PUT "$BALANCER_URL/$TENANT/limits" "$(body "${1:-setLimitsCommand}")"
