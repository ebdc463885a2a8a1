# Sourced by every script here: where the API is, and one curl call.
#   BALANCER_URL  default http://localhost:8181 (the seed's server)
#   TENANT        default foo (the seed's manual tests used tenant "foo")
#   TOKEN         optional Keystone token, sent as X-Auth-Token
set -euo pipefail
BALANCER_URL=${BALANCER_URL:-http://localhost:8181}
TENANT=${TENANT:-foo}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LB=$BALANCER_URL/$TENANT/loadbalancers

usage() { echo "usage: $(basename "$0") $*" >&2; exit 2; }

# body FILE_OR_NAME: a JSON file given as a path, or a file of this directory
body() {
  if [[ -f $1 ]]; then echo "$1"; else echo "$HERE/$1"; fi
}

# api METHOD URL [JSON_FILE]: print the response body, then the HTTP status
api() {
  local data=()
  [[ -n ${3:-} ]] && data=(-H 'Content-Type: application/json' --data-binary @"$3")
  curl -sS -X "$1" ${TOKEN:+-H "X-Auth-Token: $TOKEN"} "${data[@]}" \
       -w '\nHTTP %{http_code}\n' "$2"
}
