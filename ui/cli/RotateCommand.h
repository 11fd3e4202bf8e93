// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

/// certrotor-cli rotate | rotate status | retire | rollback: the phased rotation (core/rotation) from the
/// command line. The core decides and records everything; these commands parse, ask, wait and print.
/// `args` starts with the program name (as QCommandLineParser expects).
namespace certrotor::cli {

int rotate(const QStringList& args);
int retire(const QStringList& args);
int rollback(const QStringList& args);

} // namespace certrotor::cli
