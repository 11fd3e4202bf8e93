// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QStringList>

namespace certrotor::cli {

/// certrotor-cli keyring store-passphrase|forget-passphrase --key FILE | status: the passphrases of
/// encrypted client keys in the OS keyring. `args` starts with the program name. Runs a local event loop.
int keyring(const QStringList& args);

/// For `probe --key FILE` without --key-passphrase-stdin: the passphrase of FILE from the keyring when
/// FILE holds an encrypted key. Empty when the key is not encrypted or cannot be read (loading it then
/// says why). An error, located at FILE, when the key is encrypted and the keyring holds no passphrase
/// for it (saying how to store one) or cannot be used (saying why). Runs a local event loop.
Result<QByteArray> keyPassphraseFromKeyring(const QString& keyPath);

} // namespace certrotor::cli
