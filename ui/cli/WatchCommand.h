// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli watch [--json] [--debounce-ms N] SOURCE...: one line (or JSON object) per delivered
/// change and per status change, until SIGINT/SIGTERM (exit 0). `args` starts with the program name.
/// Needs a running QCoreApplication instance (its event loop runs the watch).
int watch(const QStringList& args);

} // namespace certrotor::cli
