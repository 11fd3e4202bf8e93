// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keyring/Keyring.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

/// Where the passphrase of an encrypted client key lives in the keyring, and how to find it.
///
/// The rule: service "certrotor", account "key-passphrase/<sha256 hex of the key file's bytes>". The
/// entry follows the key's content, not its path: moving or copying the key keeps its passphrase, and
/// a replaced key (new content) never gets the old one. The account names no path and no secret.
namespace certrotor::keyring {

/// "key-passphrase/" + lower-case hex SHA-256 of `keyFileBytes`.
QString keyPassphraseAccount(QByteArrayView keyFileBytes);

/// What the entry is, for people: "passphrase of the private key client.key" (the file name only,
/// never the directory). qtkeychain 0.13 gives the Secret Service item the label "certrotor" and
/// has no way to set another, so this is what CertRotor shows in its own messages.
QString keyPassphraseDescription(const QString& keyPath);

/// Looks up the passphrase stored for the key whose file holds `keyFileBytes`. `done` runs on
/// `keyring`'s thread: the passphrase, an empty optional when none is stored (not an error), or a
/// keyring error in plain words. The caller zeroes the passphrase when done with it.
void readKeyPassphrase(Keyring* keyring, const QByteArray& keyFileBytes, Keyring::ReadDone done);

/// The same from the key file's path: the file is read and hashed on the thread pool, never on the
/// caller's thread. An unreadable file is an error located at the path.
void readKeyPassphraseFile(Keyring* keyring, const QString& keyPath, Keyring::ReadDone done);

} // namespace certrotor::keyring
