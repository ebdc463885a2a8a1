#!/bin/sh
# What the balancer service runs on an HAProxy device: one subcommand per SSH
# call, so a deploy or a server change costs one round trip.
#
#   balancer.sh fetch       print the live config (nothing when it is missing)
#   balancer.sh same        exit 0 when the live config still has BALANCER_WANT_SHA
#   balancer.sh deploy      stdin: the new config; check, swap, reload, verify
#   balancer.sh rollback    put the backup back and reload it
#   balancer.sh servers     runtime API commands, then stdin's edits into the file
#   balancer.sh info        HAProxy's version and "show info"
#
# Parameters come from the environment (the driver sets them, see
# balancer/drivers/haproxy/remote.py, and a person can run it the same way):
#
#   BALANCER_CONFIG        the live haproxy.cfg                 (required)
#   BALANCER_PID_FILE      HAProxy's pid file                   (required)
#   BALANCER_SOCKET        the admin stats socket               (required)
#   BALANCER_HAPROXY       the haproxy program                  (default haproxy)
#   BALANCER_SUDO          prefix of privileged steps, "sudo -n" or empty
#   BALANCER_INTERFACE     where VIP addresses are added        (default eth0)
#   BALANCER_WANT_SHA      sha256 the live config must have (unset: not checked)
#   BALANCER_NEW_SHA       servers: sha256 the edited config must have
#   BALANCER_SEAMLESS      1: reload with -x (the socket exposes listeners)
#   BALANCER_ADD_VIPS      deploy: CIDRs to add to the interface, space separated
#   BALANCER_DEL_VIPS      deploy: CIDRs to remove afterwards
#   BALANCER_VERIFY        deploy: stats socket commands (";" separated) whose
#                          answers show what the new process serves
#   BALANCER_RUNTIME       servers: stats socket commands (";" separated)
#   BALANCER_DELETE        servers: "backend/server"s to delete once drained
#   BALANCER_REPORT        servers: commands whose answers follow the change
#   BALANCER_STATE_DIR     where "show servers state" is saved, one file per
#                          backend of ours, right before every reload (empty: no)
#   BALANCER_MASTER_WORKER 1: HAProxy runs with -W/-Ws: reload through the master;
#                          auto: look at the running process; 0: -sf/-x reloads
#   BALANCER_MASTER_SOCKET the master CLI socket (-S); empty: SIGUSR2 the master
#   BALANCER_LOCK          the lock file of this config (default: one in $TMPDIR
#                          named by the user and the config's path)
#   BALANCER_RELOAD_COMMAND  a shell command that replaces the built-in reload
#   BALANCER_START_COMMAND   a shell command that starts HAProxy when none runs
#
# Output: "@@balancer <key> <value>" lines the driver reads (remote.parse);
# everything else is HAProxy's own text.  Exit codes are in remote.py.

TAG=@@balancer
CFG=${BALANCER_CONFIG:?}
PIDF=${BALANCER_PID_FILE:?}
SOCK=${BALANCER_SOCKET:?}
HAP=${BALANCER_HAPROXY:-haproxy}
S=${BALANCER_SUDO:-}
IFACE=${BALANCER_INTERFACE:-eth0}
NEW="$CFG.balancer-new"
BAK="$CFG.bak"
# a drained server is deleted within about DELETE_TRIES x 50 ms, or stays
# (the driver then reloads, and the old process finishes its requests)
DELETE_TRIES=100
DRIFT=3 WRITE_FAILED=4 CHECK_FAILED=5 VIP_FAILED=6 RELOAD_FAILED=7 LOCKED=8 EDIT_FAILED=9
LOCK_WAIT=60

say() { echo "$TAG $*"; }

# With BALANCER_STAGE_TIMES=1 (device extra deploy_stage_times), when each
# stage of a deploy ended, in ns: a profile of the box's side of a deploy
# (remote.stage_seconds); a date process each, so only when asked.
mark() { [ "${BALANCER_STAGE_TIMES:-0}" = 1 ] && say at "$1" "$(date +%s%N)"; return 0; }

# Reading without sudo saves ~6 ms a call; sudo only when needed.
readable() { if [ -r "$1" ]; then cat "$1"; else $S cat "$1"; fi; }

# sha256 of a file (of nothing when it is missing), with as few processes
# as its permissions allow: a server change runs this twice.
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
sha_of() {
  if [ ! -e "$1" ]; then
    echo "$EMPTY_SHA"
    return
  fi
  if [ -r "$1" ]; then sum=$(sha256sum <"$1"); else sum=$($S cat "$1" | sha256sum); fi
  echo "${sum%% *}"
}

ask() { printf '%s\n' "$1" | $S socat -t 5 stdio "unix-connect:$SOCK" 2>&1; }

# The pid of the process answering on the stats socket, or nothing: a
# socket file left behind by a killed HAProxy answers nobody.
answering() {
  printf 'show info\n' | $S socat -t 5 stdio "unix-connect:$SOCK" 2>/dev/null |
    sed -n 's/^Pid: //p'
}

# Pids from the pid file that are still HAProxy processes: a dead one's pid
# may belong to something else by now, never signal it.  A zombie (killed,
# not reaped yet) runs nothing either.
running_pids() {
  for p in $(readable "$PIDF" 2>/dev/null); do
    grep -qs haproxy "/proc/$p/comm" &&
      ! grep -qs '^State:[[:space:]]*[ZX]' "/proc/$p/status" &&
      printf '%s ' "$p"
  done
}

# One script at a time per config file on the box itself.  The service's
# device lock already makes one process the writer; this one also covers a
# script whose SSH session died with its process (sshd lets it run on) and
# which would otherwise reload behind the next writer.
box_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  if [ -z "${BALANCER_LOCK:-}" ]; then
    sum=$(printf %s "$CFG" | cksum)
    BALANCER_LOCK="${TMPDIR:-/tmp}/balancer-$(id -u)-${sum%% *}.lock"
  fi
  LOCK=$BALANCER_LOCK
  exec 9>>"$LOCK"
  if ! flock -w "$LOCK_WAIT" 9; then say stage lock; exit "$LOCKED"; fi
}

# Refuse to write over a file someone changed since the driver read it.
check_sha() {
  [ -n "${BALANCER_WANT_SHA+set}" ] || return 0
  if [ "$(sha_of "$CFG")" != "$BALANCER_WANT_SHA" ]; then
    say drift
    [ -e "$CFG" ] && readable "$CFG"
    exit "$DRIFT"
  fi
}

# Is the running HAProxy a master-worker one?  Its command line says -W/-Ws.
master_worker() {
  case "${BALANCER_MASTER_WORKER:-auto}" in
    1) return 0 ;;
    0) return 1 ;;
  esac
  for p in $OLD; do
    tr '\000' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE '(^| )-(W|Ws)( |$)' && return 0
  done
  return 1
}

# Save the runtime state of our backends (drain, maintenance, weights,
# health) so the new process starts from it (load-server-state-from-file
# local, rendered into each of our backends).
save_state() {
  [ -n "${BALANCER_STATE_DIR:-}" ] && [ -n "$BEFORE" ] || return 0
  state=$(ask 'show servers state') || return 0
  [ -d "$BALANCER_STATE_DIR" ] || $S mkdir -p "$BALANCER_STATE_DIR" || return 0
  $S rm -f "$BALANCER_STATE_DIR"/balancer-lb-*
  # shellcheck disable=SC2016  # $0, $2 are awk's fields
  printf '%s\n' "$state" | $S awk -v dir="$BALANCER_STATE_DIR" '
    NR == 1 { head = $0 "\n"; next }
    /^#/ { head = head $0 "\n"; next }
    $2 ~ /^balancer-lb-[A-Za-z0-9_.:-]+$/ {
      file = dir "/" $2
      if (!(file in seen)) { seen[file] = 1; printf "%s", head > file }
      print > file
    }'
  say state saved
}

# Reload when a process runs; start afresh when none answers on the socket
# and no HAProxy of the pid file is alive (killed, crashed): -x against a
# stale socket file would make every reload fail.  Sets $out and $rc.
# Every HAProxy it starts gets "9>&-": a daemon that inherited the box
# lock's descriptor would hold the lock for as long as it runs.
reload_or_start() {
  BEFORE=$(answering)
  say before "$BEFORE"
  if [ -z "$BEFORE" ] && [ -z "$OLD" ]; then
    say started
    if [ -n "${BALANCER_START_COMMAND:-}" ]; then
      out=$(sh -c "$BALANCER_START_COMMAND" 9>&- 2>&1); rc=$?
    elif [ -n "${BALANCER_RELOAD_COMMAND:-}" ]; then
      out=$(sh -c "$BALANCER_RELOAD_COMMAND" 9>&- 2>&1); rc=$?
    elif [ "${BALANCER_MASTER_WORKER:-auto}" = 1 ]; then
      set -- -W -D -f "$CFG" -p "$PIDF"
      [ -n "${BALANCER_MASTER_SOCKET:-}" ] && set -- "$@" -S "$BALANCER_MASTER_SOCKET,level,admin"
      out=$($S "$HAP" "$@" 9>&- 2>&1); rc=$?
    else
      out=$($S "$HAP" -D -f "$CFG" -p "$PIDF" 9>&- 2>&1); rc=$?
    fi
    return
  fi
  save_state
  if [ -n "${BALANCER_RELOAD_COMMAND:-}" ]; then
    out=$(sh -c "$BALANCER_RELOAD_COMMAND" 9>&- 2>&1); rc=$?
  elif master_worker; then
    say mode master-worker
    if [ -n "${BALANCER_MASTER_SOCKET:-}" ]; then
      # the master re-executes itself and may drop the connection: fine
      out=$(printf 'reload\n' | $S socat -t 5 stdio "unix-connect:$BALANCER_MASTER_SOCKET" 2>&1)
      rc=0
    else
      # shellcheck disable=SC2086  # one word per pid
      out=$($S kill -USR2 $OLD 2>&1); rc=$?
    fi
  else
    set -- -D -f "$CFG" -p "$PIDF"
    [ "${BALANCER_SEAMLESS:-0}" = 1 ] && [ -n "$BEFORE" ] && set -- "$@" -x "$SOCK"
    # shellcheck disable=SC2086  # -sf takes every old pid as a word
    [ -n "$OLD" ] && set -- "$@" -sf $OLD
    out=$($S "$HAP" "$@" 9>&- 2>&1); rc=$?
  fi
}

# Wait (up to ~2 s of sleeps) until the new process answers on the stats socket: with
# -x the old and new share it until the old one lets go; in master-worker
# mode the pid file names the master and the socket a new worker.
wait_for_new() {
  NEWPID=$(readable "$PIDF" 2>/dev/null | tr '\n' ' ')
  say newpid "$NEWPID"
  for p in $NEWPID; do [ -d "/proc/$p" ] && say alive "$p"; done
  tries=0
  while [ "$tries" -lt 100 ]; do       # 100 x 20 ms: a new worker is often up in 50
    pid=$(answering)
    [ -n "$pid" ] && case " $NEWPID " in *" $pid "*) break ;; esac
    [ -n "$pid" ] && [ -n "$BEFORE" ] && [ "$pid" != "$BEFORE" ] && break
    [ -z "$NEWPID" ] && break
    sleep 0.02
    tries=$((tries + 1))
  done
}

undo_vips() { for a in $ADDED; do $S ip addr del "$a" dev "$IFACE"; done; }

add_vips() {
  for cidr in ${BALANCER_ADD_VIPS:-}; do
    $S ip -o addr show dev "$IFACE" | grep -qF " $cidr " && continue
    if eout=$($S ip addr add "$cidr" dev "$IFACE" 2>&1); then
      ADDED="$ADDED $cidr"
      say added "$cidr"
    else
      $S rm -f "$NEW"
      undo_vips
      say stage vip
      printf '%s\n' "$eout"
      exit "$VIP_FAILED"
    fi
  done
}

do_deploy() {
  mark begin
  box_lock
  check_sha
  mark lock-and-drift-check
  ADDED=''
  $S tee "$NEW" >/dev/null || { say stage write; exit "$WRITE_FAILED"; }
  mark write
  out=$($S "$HAP" -c -f "$NEW" 2>&1); rc=$?
  mark haproxy-check
  if [ $rc -ne 0 ]; then
    $S rm -f "$NEW"
    say stage check
    printf '%s\n' "$out"
    exit "$CHECK_FAILED"
  fi
  add_vips
  [ -e "$CFG" ] && $S cp -p "$CFG" "$BAK"
  $S mv -f "$NEW" "$CFG"
  OLD=$(running_pids)
  say oldpid "$OLD"
  mark backup-and-swap
  reload_or_start
  mark reload
  if [ $rc -ne 0 ]; then
    [ -e "$BAK" ] && $S cp -p "$BAK" "$CFG"
    undo_vips
    say stage reload
    printf '%s\n' "$out"
    exit "$RELOAD_FAILED"
  fi
  wait_for_new
  mark new-process-answers
  # What the process now serves: its backends, and what the driver asks.
  rt=$(ask "show info;show backend${BALANCER_VERIFY:+;$BALANCER_VERIFY}")
  say runtime
  printf '%s\n' "$rt"
  say end-runtime
  mark runtime-check
  for cidr in ${BALANCER_DEL_VIPS:-}; do
    $S ip addr del "$cidr" dev "$IFACE" 2>/dev/null && say removed "$cidr"
  done
  say 'done'
}

do_rollback() {
  box_lock
  [ -e "$BAK" ] || exit 1
  $S cp -p "$BAK" "$CFG"
  OLD=$(running_pids)
  reload_or_start
  printf '%s\n' "$out"
  exit "$rc"
}

# Lines <from>..<to>, and lines <from>.. to the end, of the live config:
# sed and tail read the file themselves when they may (no cat between).
config_range() {
  if [ -r "$CFG" ]; then sed -n "$1,$2p;$2q" "$CFG"; else $S cat "$CFG" | sed -n "$1,$2p;$2q"; fi
}
config_tail() {
  if [ -r "$CFG" ]; then tail -n +"$1" "$CFG"; else $S cat "$CFG" | tail -n +"$1"; fi
}

# stdin: edits "@@ <first> <last> <count>" then <count> lines, in file
# order: lines <first>..<last> of the live config are replaced by them
# (<last> = <first> - 1 inserts).  Prints the edited config.
apply_edits() {
  pos=1
  while IFS=' ' read -r mark first last count; do
    [ "$mark" = "@@" ] || return 1
    if [ "$first" -gt "$pos" ]; then config_range "$pos" "$((first - 1))"; fi
    i=0
    while [ "$i" -lt "$count" ]; do
      IFS= read -r line || return 1
      printf '%s\n' "$line"
      i=$((i + 1))
    done
    pos=$((last + 1))
  done
  config_tail "$pos"
}

# Delete the servers of BALANCER_DELETE, which BALANCER_RUNTIME put in
# maintenance: no new request goes to them, and HAProxy refuses "del server"
# while one still has a connection, so each is asked again until the
# requests it served are done.  Printed: only a refusal that lasted.
delete_drained() {
  old_ifs=$IFS
  IFS=';'
  for target in $BALANCER_DELETE; do
    IFS=$old_ifs
    tries=1
    answer=$(ask "del server $target")
    while [ "${answer#*Server deleted}" = "$answer" ] && [ "$tries" -lt "$DELETE_TRIES" ]; do
      sleep 0.05
      answer=$(ask "del server $target")
      tries=$((tries + 1))
    done
    [ "${answer#*Server deleted}" = "$answer" ] && printf '%s\n' "$answer"
  done
  IFS=$old_ifs
}

# The edited config into $NEW (through sudo only when a step needs it).
write_edits() {
  if [ -n "$S" ]; then apply_edits | $S tee "$NEW" >/dev/null; else apply_edits >"$NEW"; fi
}

# A change HAProxy applies at runtime (servers added, removed, re-weighted,
# drained, moved): no haproxy -c, no reload.  The file gets the same change
# in the same call, so the next reload agrees; it is written only when the
# edited text has exactly the checksum the driver computed.
do_servers() {
  box_lock
  check_sha
  if [ -z "${BALANCER_DELETE:-}" ]; then
    rt=$(ask "${BALANCER_RUNTIME:?};${BALANCER_REPORT:-show info}")
  else
    rt="$(ask "${BALANCER_RUNTIME:?}")
$(delete_drained)
$(ask "${BALANCER_REPORT:-show info}")"
  fi
  say runtime
  printf '%s\n' "$rt"
  say end-runtime
  if ! write_edits; then
    $S rm -f "$NEW"
    say stage edit
    exit "$EDIT_FAILED"
  fi
  if [ "$(sha_of "$NEW")" != "${BALANCER_NEW_SHA:?}" ]; then
    $S rm -f "$NEW"
    say stage edit
    exit "$EDIT_FAILED"
  fi
  $S mv -f "$NEW" "$CFG"
  say written
  say 'done'
}

do_info() {
  $S "$HAP" -v 2>&1 | head -1
  say runtime
  ask 'show info'
  say end-runtime
}

case "${1:-}" in
  fetch) if [ -e "$CFG" ]; then readable "$CFG"; fi ;;
  same) check_sha; say same; say answering "$(answering)" ;;
  deploy) do_deploy ;;
  rollback) do_rollback ;;
  servers) do_servers ;;
  info) do_info ;;
  *) echo "usage: balancer.sh fetch|same|deploy|rollback|servers|info" >&2; exit 2 ;;
esac
