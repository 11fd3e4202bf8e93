// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ClientIdentity.h"
#include "util/Result.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>
#include <optional>

namespace certrotor {

class Keyring;

/// What the loader is asked to load.
struct IdentityRequest {
    QString certificatePath;
    QString keyPath;
    /// Empty: none given. Copied into memory that is zeroed once the load is over; never kept.
    QByteArray passphrase;
    /// An encrypted key and no passphrase: look for the one `certrotor-cli keyring store-passphrase` (or the
    /// console) kept for the key file's content before answering NeedsPassphrase.
    bool lookUpKeyring = false;
    /// Once `passphrase` has decrypted the key, keep it in the keyring (IdentityLoader::passphraseKept).
    bool keepPassphrase = false;
};

/// The outcome of loading a client identity: the identity, or why not, as a kind a caller decides on.
struct IdentityLoad {
    enum class Outcome {
        Loaded, ///< `identity` holds the certificate and the decrypted key
        NeedsPassphrase, ///< the key is encrypted and no (or an empty) passphrase was given or found
        WrongPassphrase, ///< the key is encrypted and the passphrase does not decrypt it
        Failed, ///< anything else: a file missing, not a key, the key does not match the certificate, ...
    };
    /// Where the passphrase that was tried came from.
    enum class PassphraseSource { None, Given, Keyring };
    /// What the keyring said, when it was asked (NeedsPassphrase after `lookUpKeyring`).
    enum class KeyringLookup { NotAsked, NoneStored, Unavailable, Found };

    Outcome outcome = Outcome::Failed;
    ClientIdentity identity; // Loaded only
    /// Every outcome but Loaded: plain words located at the file, with an `identitycode`; never a secret.
    Error error;
    PassphraseSource passphraseSource = PassphraseSource::None;
    KeyringLookup keyringLookup = KeyringLookup::NotAsked;
    Error keyringError; // KeyringLookup::Unavailable: why (plain words, never a secret)
    /// The key file's keyring account (`keyring::keyPassphraseAccount`), when the key file was read.
    QString keyringAccount;

    bool ok() const { return outcome == Outcome::Loaded; }
    static QString outcomeName(Outcome outcome);
    /// The outcome a loadClientIdentity() result comes to: decided on its error code alone.
    static IdentityLoad fromResult(Result<ClientIdentity> result);
};

/// The one place that loads a probe's client identity (certificate + key files, encrypted key, its
/// passphrase from the keyring or the caller, optionally keeping a typed one), for the console and the
/// CLI alike. Asynchronous: the files are read and the key decrypted on the thread pool, the keyring is
/// asked on this object's thread; the caller's thread never blocks. `finished` comes once per load();
/// a load superseded by another load() or cancel() never reports.
///
/// The flow: load({cert, key, {}, lookUpKeyring}) -> NeedsPassphrase (the keyring had none) -> the
/// caller asks the user -> load({cert, key, typed, keepPassphrase}) -> Loaded / WrongPassphrase.
class IdentityLoader : public QObject {
    Q_OBJECT
public:
    /// `keyring` (not owned) is asked for stored passphrases; null: one is made on first use (the
    /// Secret Service is contacted only for an encrypted key).
    explicit IdentityLoader(Keyring* keyring = nullptr, QObject* parent = nullptr);
    ~IdentityLoader() override;

    void load(const IdentityRequest& request);
    /// Drops the load under way (its result never arrives).
    void cancel();
    bool isLoading() const { return m_loading; }

    /// Synchronous: reads both files and loads the identity with `passphrase` (no keyring). Fills
    /// `keyringAccount`. For worker threads: may run a key derivation.
    static IdentityLoad loadFiles(const QString& certificatePath, const QString& keyPath, const QByteArray& passphrase);

Q_SIGNALS:
    void finished(const certrotor::IdentityLoad& result);
    /// After a Loaded with `keepPassphrase`: whether the passphrase is now in the keyring (`error` says
    /// why not, in plain words). The identity is usable either way.
    void passphraseKept(const QString& keyPath, bool kept, const QString& error);

private:
    using Secret = std::shared_ptr<QByteArray>;
    void start(const IdentityRequest& request, Secret secret, IdentityLoad::PassphraseSource source);
    void finish(quint64 seq, IdentityLoad result);
    void keep(const QString& keyPath, const QString& account, Secret secret);
    Keyring* keyring();

    QPointer<Keyring> m_keyring;
    quint64 m_seq = 0;
    bool m_loading = false;
};

} // namespace certrotor
