// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

namespace certrotor {

/// The certificate and key a probe presents for mTLS. The key lives only in memory; nothing here
/// is ever logged. An encrypted key's passphrase comes from the keyring (`keyring/KeyPassphrase.h`:
/// `Keyring::readKeyPassphrase` looks it up by the key file's content) or from the user; this API takes
/// it as a parameter and never keeps it.
struct ClientIdentity
{
    ClientIdentity() = default; // not an aggregate: `{}` must not copy-list-initialize QSslCertificate

    QSslCertificate certificate; // the leaf
    QList<QSslCertificate> chain; // intermediates sent after the leaf (may be empty)
    QSslKey key;

    bool isNull() const { return certificate.isNull() || key.isNull(); }
    /// base64 DER of the leaf, for the x-client-certificate header.
    QByteArray certificateBase64() const;
};

/// The codes of a client identity's errors (`Error::code`): callers decide on these, never on the words.
/// `needsPassphrase` and `wrongPassphrase` come from OpenSSL's own answer (it asked the passphrase
/// callback for the key: the key is encrypted), never from the wording of a message.
namespace identitycode {
inline const QString unreadable = QStringLiteral("unreadable"); // a file cannot be read
inline const QString noCertificate = QStringLiteral("no-certificate"); // no certificate in the certificate file
inline const QString noKey = QStringLiteral("no-key"); // no private key in the key file
inline const QString needsPassphrase = QStringLiteral("needs-passphrase"); // encrypted, no (or an empty) passphrase
inline const QString wrongPassphrase = QStringLiteral("wrong-passphrase"); // encrypted, the passphrase does not open it
inline const QString keyMismatch = QStringLiteral("key-mismatch"); // the key does not belong to the certificate
inline const QString unsupportedKey = QStringLiteral("unsupported-key"); // a key type Qt's TLS cannot present
} // namespace identitycode

/// Reads a client certificate (PEM, leaf first then intermediates, or DER) and its private key (PEM:
/// PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC, or DER PKCS#8), decrypting the key with
/// `passphrase` when it is encrypted. Checks that the key belongs to the certificate. Errors name the
/// file, say what is wrong and carry an `identitycode`; they never contain the passphrase or key material. Reads files
/// and may run a key derivation (encrypted PKCS#8): call it off the GUI thread (QtConcurrent).
Result<ClientIdentity> loadClientIdentity(const QString& certificatePath, const QString& keyPath,
                                          const QByteArray& passphrase = {});

/// The same from bytes already in memory (`certificateName`/`keyName` label the errors).
Result<ClientIdentity> clientIdentityFromData(const QByteArray& certificate, const QString& certificateName,
                                              const QByteArray& key, const QString& keyName,
                                              const QByteArray& passphrase = {});

/// Whether the private key in `key` (same formats as above) is encrypted, i.e. needs a passphrase.
/// An error when it holds no private key at all. Cheap: no key derivation runs.
Result<bool> privateKeyIsEncrypted(const QByteArray& key, const QString& keyName);

/// Checks that `passphrase` opens the private key in `key` without a certificate: the check before a
/// passphrase is stored. Returns whether the key was encrypted (false: an unencrypted key, the
/// passphrase was not needed); an error names `keyName` and never contains the passphrase. May run a
/// key derivation: call it off the GUI thread.
Result<bool> checkPrivateKey(const QByteArray& key, const QString& keyName, const QByteArray& passphrase);

} // namespace certrotor
