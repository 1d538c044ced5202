#!/bin/sh
# System packages the app and its tests need on Debian/Ubuntu:
#  - Qt's offscreen/xcb platform libraries (EGL, GL, xkbcommon, fontconfig, dbus)
#  - gnome-keyring + dbus for a real Secret Service keyring in tests and headless runs
#  - poppler-utils to read generated PDF packs back (pdftotext, pdftoppm)
# Skips apt when everything is already there, so repeated `make` calls stay fast.
set -eu
PKGS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 dbus dbus-x11 gnome-keyring poppler-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages:$missing (install them with your package manager)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing system packages:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
