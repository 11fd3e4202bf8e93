#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs dependencies, builds, and starts the product's main job on a generated sample:
# a current trust bundle and an incoming one (old CA + new CA), inspected, linted, diffed and
# merged into an overlap bundle by certrotor-cli; then the console (certrotor) opens the store,
# watches $SAMPLE/incoming and, a few seconds later, the overlap bundle lands there and shows up as
# an incoming CA with its diff, findings and expiry timeline. No cluster or network needed.
# Without a display the console is not started: the script says how to run it under xvfb-run.
# NO_GUI=1 skips the console.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target certrotor-cli certrotor
CLI="$BUILD_DIR/bin/certrotor-cli"
SAMPLE=${SAMPLE_DIR:-"$BUILD_DIR/sample"}
mkdir -p "$SAMPLE"
# A throwaway hierarchy: the old root (expiring in 20 days) and its successor.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$SAMPLE/old-ca.key" \
    -out "$SAMPLE/old-ca.pem" -days 20 -subj "/O=CertRotor Sample/CN=Sample Root CA 2025" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$SAMPLE/new-ca.key" \
    -out "$SAMPLE/new-ca.pem" -days 3650 -subj "/O=CertRotor Sample/CN=Sample Root CA 2026" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cp "$SAMPLE/old-ca.pem" "$SAMPLE/current.pem"
cat "$SAMPLE/new-ca.pem" > "$SAMPLE/incoming.pem"
"$CLI" --version
echo "== the trust store now"; "$CLI" inspect "$SAMPLE/current.pem" || true
echo "== lint of the store";   "$CLI" lint "$SAMPLE/current.pem" || true
echo "== incoming bundle";     "$CLI" inspect "$SAMPLE/incoming.pem" || true
echo "== diff store -> incoming"; "$CLI" diff "$SAMPLE/current.pem" "$SAMPLE/incoming.pem" || true
echo "== overlap bundle";      "$CLI" overlap "$SAMPLE/current.pem" "$SAMPLE/incoming.pem" -o "$SAMPLE/overlap.pem" || true
"$CLI" inspect "$SAMPLE/overlap.pem" || true
rm -f "$SAMPLE"/*.key

# The console on the sample: the store, and a watched directory that receives the overlap bundle.
GUI="$BUILD_DIR/bin/certrotor"
mkdir -p "$SAMPLE/incoming"
cp "$SAMPLE/current.pem" "$SAMPLE/incoming/ca.pem" # starts equal to the store: nothing incoming yet
if [ "${NO_GUI:-0}" = 1 ]; then
    exit 0
fi
land_incoming() { # the overlap bundle arrives the way a committer writes it: temp file + rename
    sleep "$1" && cp "$SAMPLE/overlap.pem" "$SAMPLE/incoming/.ca.pem.tmp" && mv "$SAMPLE/incoming/.ca.pem.tmp" "$SAMPLE/incoming/ca.pem"
}
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "== no display: the console is not started interactively."
    if command -v xvfb-run >/dev/null; then
        land_incoming 3 &
        xvfb-run -a "$GUI" --demo "$SAMPLE" --screenshot "$SAMPLE/console.png" \
            && echo "== the console ran under xvfb-run; its incoming preview: $SAMPLE/console.png"
        wait
    fi
    echo "   On a desktop run:   $GUI --demo $SAMPLE"
    echo "   Headless:           xvfb-run -a $GUI --demo $SAMPLE --screenshot console.png"
    exit 0
fi
echo "== the console: in 3 s the overlap bundle lands in $SAMPLE/incoming (close the window to finish)"
land_incoming 3 &
"$GUI" --demo "$SAMPLE"
wait
