#!/usr/bin/env bash
# GET /metrics   (admin; Prometheus text, not JSON)
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/metrics"
