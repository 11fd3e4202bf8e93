// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli keyring store-passphrase|forget-passphrase --key FILE | status: the passphrases of
/// encrypted client keys in the OS keyring. `args` starts with the program name. Runs a local event loop.
int keyring(const QStringList& args);

} // namespace certrotor::cli
