#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# with-keyring.sh COMMAND [ARGS...]: runs COMMAND inside its own D-Bus session bus whose Secret Service
# is gnome-keyring (secrets component only) with a login keyring created and unlocked for this run.
# The keyring files go to a fresh directory removed afterwards, never to the user's ~/.local/share;
# the bus and the daemon end with COMMAND. CTest runs the keyring tests through this (WRAPPER).
set -eu
: "${XDG_RUNTIME_DIR:?with-keyring.sh needs XDG_RUNTIME_DIR (certrotor_add_test sets it)}"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
keyrings=$(mktemp -d "${TMPDIR:-/tmp}/certrotor-keyring.XXXXXX")
trap 'rm -rf "$keyrings"' EXIT
trap 'exit 143' INT TERM
# No display: the tests must not need one, and libsecret must never autolaunch a bus through X11.
unset DISPLAY WAYLAND_DISPLAY
rc=0
XDG_DATA_HOME=$keyrings dbus-run-session -- sh -c '
    printf %s certrotor-test-unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97
    exec "$@"' with-keyring "$@" || rc=$?
exit "$rc"
