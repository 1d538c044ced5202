#!/bin/sh
# Runs a command with a real, unlocked Secret Service keyring (gnome-keyring inside its own
# D-Bus session) and a fresh XDG_DATA_HOME, so an old keyring password can never clash and the
# tests never touch the developer's own keyring. Qt runs offscreen.
#
# If the daemon ever goes away mid-run, the bus would start the system's own service file's
# daemon, which comes up locked and every later keyring test fails with "keyring is locked"
# (seen once, after the SIGKILL crash tests). Service files in $XDG_DATA_HOME take precedence
# over the system's, so ours start the replacement unlocked with the same password, on the same
# keyring file: the tests' saved items survive.
set -eu
scratch=$(mktemp -d "${TMPDIR:-/tmp}/bookbridge-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" XDG_STATE_HOME="$scratch/state"
mkdir -p "$XDG_DATA_HOME/dbus-1/services" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export BOOKBRIDGE_TEST_KEYRING=1
# The keyring password only guards this throwaway keyring; it is generated, and kept (mode 600)
# only in the scratch folder, which is removed when the command ends.
password_file="$scratch/keyring-password"
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n" > "$password_file")
for name in org.freedesktop.secrets org.gnome.keyring; do
  cat > "$XDG_DATA_HOME/dbus-1/services/$name.service" <<SERVICE
[D-BUS Service]
Name=$name
Exec=/bin/sh -c 'exec /usr/bin/gnome-keyring-daemon --unlock --foreground --components=secrets < "$password_file" >/dev/null'
SERVICE
done
exec dbus-run-session -- sh -c '
  gnome-keyring-daemon --unlock --components=secrets < "$1" >/dev/null
  shift
  exec "$@"' sh "$password_file" "$@"
