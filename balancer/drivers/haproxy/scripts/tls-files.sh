#!/bin/sh
# The certificate files of balancer's HTTPS listeners on an HAProxy device:
# each holds a certificate chain and its private key, so the directory is
# owner-only (0700) and every file in it too (0600), written whole under a
# temporary name and renamed into place.
#
#   tls-files.sh write    stdin: one line per file, "<name> <base64 of its text>"
#   tls-files.sh remove   remove the files named in BALANCER_TLS_REMOVE
#
# Parameters come from the environment (the driver sets them, see
# balancer/drivers/haproxy/tls_files.py):
#
#   BALANCER_TLS_DIR     the directory of the files                (required)
#   BALANCER_SUDO        prefix of privileged steps, "sudo -n" or empty
#   BALANCER_TLS_REMOVE  remove: file names, space separated
#
# Output: "@@balancer <key> <value>" lines; a file's text is never printed.
# Exit 4 when a file cannot be written (the deploy then stops before the
# new configuration is even checked).

TAG=@@balancer
DIR=${BALANCER_TLS_DIR:?BALANCER_TLS_DIR is required}
S=${BALANCER_SUDO:-}
umask 077

# Only names the driver makes: no path, no dot first (the temporary files).
plain_name() {
    case "$1" in
        '' | .* | */* | *[!A-Za-z0-9._-]*) return 1 ;;
        *.pem) return 0 ;;
        *) return 1 ;;
    esac
}

write_files() {
    # shellcheck disable=SC2086  # $S is "sudo -n" or nothing, split on purpose
    { $S mkdir -p "$DIR" && $S chmod 700 "$DIR"; } || { echo "$TAG stage tlsdir"; exit 4; }
    while read -r name data; do
        plain_name "$name" || { echo "$TAG stage tlsname"; exit 4; }
        temporary="$DIR/.$name.new"
        # shellcheck disable=SC2086
        if printf '%s' "$data" | base64 -d | $S tee "$temporary" >/dev/null &&
            $S chmod 600 "$temporary" && $S mv -f "$temporary" "$DIR/$name"; then
            echo "$TAG wrote $name"
        else
            $S rm -f "$temporary"
            echo "$TAG stage tlswrite $name"
            exit 4
        fi
    done
}

remove_files() {
    for name in ${BALANCER_TLS_REMOVE:-}; do
        plain_name "$name" || continue
        # shellcheck disable=SC2086
        $S rm -f "$DIR/$name" && echo "$TAG removed $name"
    done
}

case "${1:-}" in
    write) write_files ;;
    remove) remove_files ;;
    *) echo "usage: tls-files.sh write|remove" >&2; exit 2 ;;
esac
