#!/bin/sh
# Runs a command with a real, unlocked Secret Service keyring (gnome-keyring inside its own
# D-Bus session) and a fresh XDG_DATA_HOME, so an old keyring password can never clash and the
# tests never touch the developer's own keyring. Qt runs offscreen.
set -eu
scratch=$(mktemp -d "${TMPDIR:-/tmp}/bookbridge-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" XDG_STATE_HOME="$scratch/state"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export BOOKBRIDGE_TEST_KEYRING=1
# The keyring password only guards this throwaway keyring; it is generated, never stored.
exec dbus-run-session -- sh -c '
  head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' sh "$@"
