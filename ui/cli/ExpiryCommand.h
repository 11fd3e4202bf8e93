// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli expiry: CA expiries as an iCalendar file, a Prometheus textfile or JSON.
/// `args` starts with the program name (as QCommandLineParser expects).
int expiry(const QStringList& args);

} // namespace certrotor::cli
