#!/usr/bin/env bash
# GET /   (the version document; no token needed)
. "$(dirname "$0")/common.sh"
api GET "$BALANCER_URL/"
