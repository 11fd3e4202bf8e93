#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs dependencies, builds, and starts the product's main job on a generated sample:
# a current trust bundle and an incoming one (old CA + new CA), inspected, linted, diffed and
# merged into an overlap bundle by certrotor-cli. No cluster or network needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target certrotor-cli
CLI="$BUILD_DIR/ui/cli/certrotor-cli"
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
