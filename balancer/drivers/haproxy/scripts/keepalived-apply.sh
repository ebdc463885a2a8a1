#!/bin/sh
# Installs this box's keepalived configuration for a balancer pair, then
# starts keepalived or has it reload (SIGHUP: the VIPs stay held).
#
# Run by balancer/drivers/haproxy/keepalived.py, as root, right after a
# successful HAProxy deploy of this box, with the new keepalived.conf on
# stdin.  The driver sets before this text: DIR (where the files live), KA
# (the keepalived binary), IFACE and VIPS (the addresses the pair's
# keepalived holds), NOTIFY_B64 and TRACK_B64 (keepalived-notify.sh and
# keepalived-track.sh), and STOP=1 when the pair has no address to hold:
# then keepalived is stopped (SIGTERM: it lets go of its addresses).
# Replies with "@@balancer <key> <value>" lines.
set -u
: "${DIR:?}" "${KA:?}" "${IFACE:?}" "${VIPS?}" "${STOP?}" "${NOTIFY_B64:?}" "${TRACK_B64:?}"
TAG='@@balancer'
CONF="$DIR/keepalived.conf"
NEW="$CONF.balancer-new"
PIDF="$DIR/keepalived.pid"
VRRP_PIDF="$DIR/keepalived-vrrp.pid"
STALE="$DIR/keepalived.stale"
STATE="$DIR/keepalived.state"

install_file() {   # name, base64 text: written only when it differs
  want=$(printf '%s' "$2" | base64 -d | sha256sum | cut -d' ' -f1)
  have=$(sha256sum "$DIR/$1" 2>/dev/null | cut -d' ' -f1)
  [ "$want" = "$have" ] && return 0
  printf '%s' "$2" | base64 -d > "$DIR/$1.new" && chmod 755 "$DIR/$1.new" &&
    mv -f "$DIR/$1.new" "$DIR/$1"
}

running() {        # the pid of our keepalived, if one runs
  pid=$(cat "$PIDF" 2>/dev/null)
  [ -n "$pid" ] && grep -qs keepalived "/proc/$pid/comm" &&
    ! grep -qs '^State:[[:space:]]*[ZX]' "/proc/$pid/status" && printf '%s' "$pid"
}

if [ "$STOP" = 1 ]; then
  pid=$(running)
  [ -n "$pid" ] && kill -TERM "$pid" && echo "$TAG keepalived stopped"
  rm -f "$STALE" "$STATE"
  echo "$TAG done"
  exit 0
fi
if ! { mkdir -p "$DIR" && install_file balancer-keepalived-notify.sh "$NOTIFY_B64" &&
       install_file balancer-keepalived-track.sh "$TRACK_B64" &&
       ( umask 077 && cat > "$NEW" ); }; then   # it holds auth_pass: root only
  echo "$TAG stage write"
  exit 4
fi
# keepalived checks a file with -t (--config-test) since 2.0; an older one
# would take -t for a bad option, so the check runs only where it exists
if ! "$KA" --help 2>&1 | grep -q -- '--config-test'; then
  echo "$TAG check unavailable"
elif ! out=$("$KA" -t -f "$NEW" 2>&1); then
  rm -f "$NEW"
  echo "$TAG stage check"
  printf '%s\n' "$out"
  exit 5
fi
changed=1
if [ -e "$CONF" ] && cmp -s "$NEW" "$CONF"; then
  changed=0
  rm -f "$NEW"
else
  mv -f "$NEW" "$CONF"
fi
# This box's HAProxy serves the current configuration (its deploy has just
# succeeded): from now on it may hold the VIPs again.
rm -f "$STALE"
pid=$(running)
if [ -z "$pid" ]; then
  # addresses a killed keepalived left behind must not answer beside the peer's
  for address in $VIPS; do
    ip addr del "$address" dev "$IFACE" 2>/dev/null && echo "$TAG removed $address"
  done
  rm -f "$STATE"
  if ! "$KA" -f "$CONF" -p "$PIDF" -r "$VRRP_PIDF" -P </dev/null >/dev/null 2>&1; then
    echo "$TAG stage reload"
    exit 7
  fi
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -n "$(running)" ] && break
    sleep 0.1
  done
  [ -n "$(running)" ] || { echo "$TAG stage reload"; echo "keepalived did not start"; exit 7; }
  echo "$TAG keepalived started"
elif [ "$changed" = 1 ]; then
  kill -HUP "$pid" && echo "$TAG keepalived reloaded"
fi
echo "$TAG state $(cat "$STATE" 2>/dev/null)"
echo "$TAG done"
