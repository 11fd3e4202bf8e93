#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The product's main job in one command: installs the dependencies, builds, and runs a drill — a whole CA
# rotation rehearsed for real in a throwaway sandbox: an old and a new root CA, two gRPC servers on
# loopback serving old-CA chains (one with mTLS), the new CA staged, a replace refused, the overlap
# committed and confirmed by live gRPC calls, a too-early retire refused, the servers renewed from the new
# CA and confirmed, the old CA retired, one rollback — every step checked and audited. The CLI prints the
# report; then the console opens on the drill's sandbox (its trust store, its incoming CA, its audit log).
# Without a display the console runs under xvfb-run and saves screenshots instead.
#   KUBE=1       the trust bundle lives in a Secret on a local Kubernetes API instead of a file
#   NO_GUI=1     skip the console
#   DRILL_DIR=D  the sandbox (new or empty; default build/drill-<time>); it is kept
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --parallel "$(nproc)" \
    --target certrotor-cli certrotor certrotor-drill-server certrotor-drill-kubeapi
CLI="$BUILD_DIR/bin/certrotor-cli"
GUI="$BUILD_DIR/bin/certrotor"
SANDBOX=${DRILL_DIR:-"$BUILD_DIR/drill-$(date +%Y%m%d-%H%M%S)"}
"$CLI" --version
args=(drill --dir "$SANDBOX" --keep)
if [ "${KUBE:-0}" = 1 ]; then
    args+=(--kube)
fi
echo "== certrotor-cli ${args[*]}"
status=0
"$CLI" "${args[@]}" || status=$?
echo "== the sandbox is kept: $SANDBOX (report.md, report.json, audit.jsonl, servers/*.log)"
if [ "$status" -ne 0 ]; then
    echo "== the drill did not pass (exit $status): the report above says which step and why" >&2
    exit "$status"
fi
"$CLI" audit verify --no-keyring --audit-log "$SANDBOX/audit.jsonl" || true
if [ "${NO_GUI:-0}" = 1 ]; then
    exit 0
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "== no display: the console is not started interactively."
    if command -v xvfb-run >/dev/null; then
        xvfb-run -a "$GUI" --drill "$SANDBOX" --screenshot "$SANDBOX/console.png" \
            && echo "== the console ran under xvfb-run on the sandbox: $SANDBOX/console.png"
    fi
    echo "   On a desktop run:   $GUI --drill $SANDBOX"
    exit 0
fi
echo "== the console on the drill's sandbox (close the window to finish)"
"$GUI" --drill "$SANDBOX"
