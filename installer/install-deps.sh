#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The one list of Debian 12 packages CertRotor needs to build, run, test and benchmark.
# Idempotent and non-interactive; safe to run on every build.
set -euo pipefail

PACKAGES=(
    # toolchain
    build-essential cmake ninja-build git pkg-config
    # core + GUI
    qt6-base-dev qt6-base-dev-tools libqt6svg6 qt6-svg-dev libssl-dev openssl
    qtkeychain-qt6-dev libyaml-cpp-dev
    # real gRPC peer for tests and drills
    libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
    # tests and benchmarks
    libbenchmark-dev
    # the expiry export's calendar is read back with a real iCalendar parser, its Prometheus textfile
    # checked by the real promtool (Debian's prometheus package: +96 MB, its daemon is not started here)
    python3-icalendar prometheus
    # packaging (tests/packaging): icons rendered at build time, the .deb checked by lintian, the desktop
    # entry and AppStream metainfo validated, the bash completion exercised with the real bash-completion
    librsvg2-bin lintian desktop-file-utils appstream bash-completion
    xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools imagemagick
    # fonts so offscreen/Xvfb screenshots render text
    fonts-dejavu-core
)

# kubectl: Debian's kubernetes-client, unless a kubectl is already installed (some images ship
# Google's 'kubectl' package, which owns /usr/bin/kubectl and conflicts with kubernetes-client).
if ! command -v kubectl >/dev/null 2>&1; then
    PACKAGES+=(kubernetes-client)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# prometheus is wanted for its promtool only: keep its server from being started by the install (a
# policy-rc.d that refuses, as container images have, unless the machine already has one).
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
