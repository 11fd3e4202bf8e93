// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QEventLoop>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>
#include <variant>

namespace QKeychain {
class Job;
}

namespace certrotor {

/// The OS keyring (the Secret Service on Linux: gnome-keyring, KeePassXC, KWallet's bridge) through
/// qtkeychain. Secrets are kept under one service name ("certrotor") by account name.
///
/// Every call is asynchronous: it returns at once and calls `done` later, on the thread this object
/// lives on (create it on a thread with an event loop, e.g. the GUI thread). When the Keyring is
/// destroyed first, pending callbacks are dropped. A call that gets no answer within timeoutMs() ends
/// with an error rather than hanging.
///
/// Outcomes are Results. An entry that does not exist is not an error: read() gives an empty
/// optional, remove() gives false. Errors are plain words an operator can act on ("there is no D-Bus
/// session bus ...", "no keyring service is running ...", "the keyring is locked ..."), located at
/// "keyring"; they never contain a secret, and neither does anything this class logs.
class Keyring : public QObject
{
    Q_OBJECT

public:
    static QString defaultService() { return QStringLiteral("certrotor"); }

    using ReadDone = std::function<void(Result<std::optional<QByteArray>>)>;
    using WriteDone = std::function<void(Result<std::monostate>)>;
    /// true: the entry existed and is gone; false: there was no such entry.
    using RemoveDone = std::function<void(Result<bool>)>;

    explicit Keyring(QObject* parent = nullptr);
    Keyring(const QString& service, QObject* parent);

    QString service() const { return m_service; }
    int timeoutMs() const { return m_timeoutMs; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    /// The secret stored for `account`, or an empty optional when there is none. The caller owns the
    /// bytes: zero them (`fill('\0')`) when done.
    void read(const QString& account, ReadDone done);
    /// Stores (or replaces) the secret for `account` in the default collection. The Secret Service
    /// label is qtkeychain's choice (the service name); see KeyPassphrase.h for what the account says.
    void write(const QString& account, const QByteArray& secret, WriteDone done);
    /// Removes the entry for `account`; false when there was none.
    void remove(const QString& account, RemoveDone done);
    /// Whether the keyring is reachable and unlocked: writes, reads back and removes a probe entry
    /// (account "status-check", random bytes). Ok, or an error saying in plain words what is missing.
    void checkUsable(WriteDone done);

    /// The plain-words error for a qtkeychain error code and its errorString() (exposed for tests).
    static Error plainError(int qkeychainError, const QString& detail);

private:
    /// Starts `job` (not started yet, owned by qtkeychain's auto-delete) and calls exactly one of
    /// `finished` (with the job) or `timedOut`, on this object's thread, unless this object is gone.
    void run(QKeychain::Job* job, std::function<void(QKeychain::Job&)> finished, std::function<void()> timedOut);
    /// Reports `error` through `fn` on the next event loop turn (callbacks never run inside the call).
    void later(std::function<void()> fn);
    Error timeoutError() const;

    QString m_service;
    int m_timeoutMs = 30000;
};

namespace keyring {

/// Runs one asynchronous Keyring call to its end on this thread, with a local event loop, and returns
/// its outcome: `start` receives the `done` callback to pass on, e.g.
/// `waitFor<std::optional<QByteArray>>([&](Keyring::ReadDone done) { k.read(account, std::move(done)); })`.
/// Bounded by the Keyring's timeout. For threads that may block (the CLI, pool workers): never on the
/// GUI thread.
template <typename T, typename Start>
Result<T> waitFor(Start start)
{
    std::optional<Result<T>> outcome;
    QEventLoop loop;
    start([&outcome, &loop](Result<T> r) {
        outcome.emplace(std::move(r));
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

} // namespace keyring

} // namespace certrotor
