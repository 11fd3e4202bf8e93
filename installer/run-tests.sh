#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs dependencies, builds everything (warnings as errors) and runs the whole CTest suite
# (labels unit, integration, gui, packaging). This is the README's test command and exactly what CI runs.
# With CI=true (or CERTROTOR_SANITIZE=1) it then rebuilds the X.509 core and its unit tests with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs them again: the parser eats untrusted input.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTROTOR_WERROR=ON
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@"

if [ "${CERTROTOR_SANITIZE:-${CI:-false}}" = true ] || [ "${CERTROTOR_SANITIZE:-0}" = 1 ]; then
    SAN_DIR=${SAN_BUILD_DIR:-build-sanitize}
    SAN_TESTS="TestDer TestBundleParser TestDetails TestLint TestChain TestDiffOverlap TestCli"
    cmake -S . -B "$SAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCERTROTOR_WERROR=ON -DCERTROTOR_BUILD_BENCHMARKS=OFF \
        -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    # shellcheck disable=SC2086
    cmake --build "$SAN_DIR" --parallel "$(nproc)" --target certrotor-cli $SAN_TESTS
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$SAN_DIR" --output-on-failure --timeout 900 -R "^($(echo $SAN_TESTS | tr ' ' '|'))\$"
fi
