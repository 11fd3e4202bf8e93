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
/// is ever logged. A passphrase comes from the keyring (a later issue wires that in); this API takes
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

/// Reads a client certificate (PEM, leaf first then intermediates, or DER) and its private key (PEM:
/// PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC, or DER PKCS#8), decrypting the key with
/// `passphrase` when it is encrypted. Checks that the key belongs to the certificate. Errors name the
/// file and say what is wrong; they never contain the passphrase or key material. Reads files and
/// may run a key derivation (encrypted PKCS#8): call it off the GUI thread (QtConcurrent).
Result<ClientIdentity> loadClientIdentity(const QString& certificatePath, const QString& keyPath,
                                          const QByteArray& passphrase = {});

/// The same from bytes already in memory (`certificateName`/`keyName` label the errors).
Result<ClientIdentity> clientIdentityFromData(const QByteArray& certificate, const QString& certificateName,
                                              const QByteArray& key, const QString& keyName,
                                              const QByteArray& passphrase = {});

} // namespace certrotor
