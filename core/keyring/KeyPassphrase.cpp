// SPDX-License-Identifier: GPL-3.0-or-later
#include "KeyPassphrase.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent>

namespace certrotor::keyring {

QString keyPassphraseAccount(QByteArrayView keyFileBytes)
{
    return QStringLiteral("key-passphrase/")
        + QString::fromLatin1(QCryptographicHash::hash(keyFileBytes, QCryptographicHash::Sha256).toHex());
}

QString keyPassphraseDescription(const QString& keyPath)
{
    return QStringLiteral("passphrase of the private key %1").arg(QFileInfo(keyPath).fileName());
}

void readKeyPassphrase(Keyring* keyring, const QByteArray& keyFileBytes, Keyring::ReadDone done)
{
    keyring->read(keyPassphraseAccount(keyFileBytes), std::move(done));
}

void readKeyPassphraseFile(Keyring* keyring, const QString& keyPath, Keyring::ReadDone done)
{
    // Only the account name (a hash) leaves the worker: the key bytes are zeroed there.
    auto* watcher = new QFutureWatcher<Result<QString>>(keyring);
    QObject::connect(watcher, &QFutureWatcherBase::finished, keyring,
                     [watcher, keyring, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         const Result<QString> account = watcher->result();
                         if (!account.ok()) {
                             done(account.error());
                             return;
                         }
                         keyring->read(account.value(), std::move(done));
                     });
    watcher->setFuture(QtConcurrent::run([keyPath]() -> Result<QString> {
        QFile f(keyPath);
        if (!f.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read: ") + f.errorString(), keyPath};
        QByteArray bytes = f.readAll();
        const QString account = keyPassphraseAccount(bytes);
        bytes.fill('\0');
        return account;
    }));
}

} // namespace certrotor::keyring
