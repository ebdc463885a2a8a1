#!/usr/bin/env bash
# DELETE /$TENANT/limits   (admin: every limit of the tenant back to its default)
. "$(dirname "$0")/common.sh"
api DELETE "$BALANCER_URL/$TENANT/limits"
