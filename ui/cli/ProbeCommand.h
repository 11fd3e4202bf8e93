// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli probe: a gRPC health check over HTTP/2 + TLS to each target, trusting only --ca.
/// `args` starts with the program name (as QCommandLineParser expects). Runs a local event loop.
int probe(const QStringList& args);

} // namespace certrotor::cli
