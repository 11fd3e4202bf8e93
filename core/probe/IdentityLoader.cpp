// SPDX-License-Identifier: GPL-3.0-or-later
#include "IdentityLoader.h"

#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "util/AsyncTask.h"

#include <QFile>

#include <utility>

namespace certrotor {

namespace {

/// A copy of a secret that is zeroed when its last holder lets go (also when the loader dies first).
std::shared_ptr<QByteArray> secretCopy(const QByteArray& bytes)
{
    return std::shared_ptr<QByteArray>(new QByteArray(bytes), [](QByteArray* b) {
        b->fill('\0');
        delete b;
    });
}

Result<QByteArray> readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { QStringLiteral("cannot read: ") + f.errorString(), path, identitycode::unreadable };
    return f.readAll();
}

} // namespace

QString IdentityLoad::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Loaded:
        return QStringLiteral("loaded");
    case Outcome::NeedsPassphrase:
        return QStringLiteral("needs-passphrase");
    case Outcome::WrongPassphrase:
        return QStringLiteral("wrong-passphrase");
    case Outcome::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

IdentityLoad IdentityLoad::fromResult(Result<ClientIdentity> result)
{
    IdentityLoad load;
    if (result.ok()) {
        load.outcome = Outcome::Loaded;
        load.identity = std::move(result).value();
        return load;
    }
    load.error = result.error();
    if (load.error.code == identitycode::needsPassphrase)
        load.outcome = Outcome::NeedsPassphrase;
    else if (load.error.code == identitycode::wrongPassphrase)
        load.outcome = Outcome::WrongPassphrase;
    else
        load.outcome = Outcome::Failed;
    return load;
}

IdentityLoad IdentityLoader::loadFiles(const QString& certificatePath, const QString& keyPath,
                                       const QByteArray& passphrase)
{
    Result<QByteArray> cert = readFile(certificatePath);
    if (!cert.ok())
        return IdentityLoad::fromResult(cert.error());
    Result<QByteArray> key = readFile(keyPath);
    if (!key.ok())
        return IdentityLoad::fromResult(key.error());
    IdentityLoad load = IdentityLoad::fromResult(
        clientIdentityFromData(cert.value(), certificatePath, key.value(), keyPath, passphrase));
    load.keyringAccount = keyring::keyPassphraseAccount(key.value());
    key.value().fill('\0');
    return load;
}

IdentityLoader::IdentityLoader(Keyring* keyring, QObject* parent) : QObject(parent), m_keyring(keyring) { }

IdentityLoader::~IdentityLoader() = default;

Keyring* IdentityLoader::keyring()
{
    if (!m_keyring) {
        m_keyring = new Keyring(this);
    }
    return m_keyring;
}

void IdentityLoader::load(const IdentityRequest& request)
{
    ++m_seq;
    m_loading = true;
    start(request, secretCopy(request.passphrase),
          request.passphrase.isEmpty() ? IdentityLoad::PassphraseSource::None : IdentityLoad::PassphraseSource::Given);
}

void IdentityLoader::cancel()
{
    ++m_seq; // every callback of the load under way is dropped
    m_loading = false;
}

void IdentityLoader::start(const IdentityRequest& request, Secret secret, IdentityLoad::PassphraseSource source)
{
    const quint64 seq = m_seq;
    const QString cert = request.certificatePath;
    const QString key = request.keyPath;
    // Reads two files and may run a key derivation: on the pool.
    runThenCallback(
        this, [cert, key, secret]() { return loadFiles(cert, key, *secret); },
        [this, seq, request, secret, source](IdentityLoad result) {
            if (seq != m_seq)
                return; // superseded or cancelled
            result.passphraseSource = source;
            if (result.outcome == IdentityLoad::Outcome::NeedsPassphrase && request.lookUpKeyring
                && source == IdentityLoad::PassphraseSource::None && !result.keyringAccount.isEmpty()) {
                // Encrypted, and nothing given: the keyring's entry for this key's content, if any.
                // A keyring handed in may outlive this loader: its answer then finds no one.
                QPointer<IdentityLoader> self(this);
                keyring()->read(result.keyringAccount,
                                [self, this, seq, request, result](Result<std::optional<QByteArray>> found) mutable {
                                    if (!self || seq != m_seq) {
                                        if (found.ok() && found.value())
                                            found.value()->fill('\0');
                                        return;
                                    }
                                    if (found.ok() && found.value() && !found.value()->isEmpty()) {
                                        Secret stored = secretCopy(*found.value());
                                        found.value()->fill('\0');
                                        IdentityRequest again = request;
                                        again.lookUpKeyring = false;
                                        again.keepPassphrase = false; // it is in the keyring already
                                        start(again, stored, IdentityLoad::PassphraseSource::Keyring);
                                        return;
                                    }
                                    if (found.ok()) {
                                        result.keyringLookup = IdentityLoad::KeyringLookup::NoneStored;
                                    } else {
                                        result.keyringLookup = IdentityLoad::KeyringLookup::Unavailable;
                                        result.keyringError = found.error();
                                    }
                                    finish(seq, std::move(result));
                                });
                return;
            }
            if (source == IdentityLoad::PassphraseSource::Keyring)
                result.keyringLookup = IdentityLoad::KeyringLookup::Found;
            const bool keepIt = result.ok() && request.keepPassphrase && source == IdentityLoad::PassphraseSource::Given
                && !result.keyringAccount.isEmpty();
            const QString account = result.keyringAccount;
            finish(seq, std::move(result));
            if (keepIt)
                keep(request.keyPath, account, secret);
        });
}

void IdentityLoader::finish(quint64 seq, IdentityLoad result)
{
    if (seq != m_seq)
        return;
    m_loading = false;
    Q_EMIT finished(result);
}

void IdentityLoader::keep(const QString& keyPath, const QString& account, Secret secret)
{
    // Only a passphrase that has just decrypted the key gets here: a typo is never kept.
    QPointer<IdentityLoader> self(this);
    keyring()->write(account, *secret, [self, secret, keyPath](Result<std::monostate> written) {
        secret->fill('\0');
        if (!self)
            return;
        Q_EMIT self->passphraseKept(keyPath, written.ok(), written.ok() ? QString() : written.error().message);
    });
}

} // namespace certrotor
