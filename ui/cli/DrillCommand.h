// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli drill: a whole CA rotation and rollback rehearsed in a sandbox (drill::Drill).
/// `args` starts with the program name (as QCommandLineParser expects).
int drill(const QStringList& args);

} // namespace certrotor::cli
