// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditFormat.h"
#include "audit/AuditVerify.h"
#include "util/Result.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <memory>
#include <variant>

namespace certrotor {

class Clock;
class Keyring;
namespace audit {
struct AuditRecord;
}

/// The audit log: an append-only, hash-chained JSON Lines file of what CertRotor did (see AuditFormat.h
/// for a record). One AuditLog per file and process; several processes may append to the same file.
///
/// open() looks the HMAC key up in the keyring (account "audit-hmac-key", created with 32 random bytes
/// on first use, under a flock on <logdir>/.audit-key.lock so that concurrent first uses agree on one
/// key, and never for a log that already has HMAC records) without blocking: appends made before the
/// answer are kept in memory and written, in order, once it came (or after keyringTimeoutMs(), when the
/// log falls back to plain SHA-256 chaining with a warning). Writes happen on the log's own writer
/// thread, never on the caller's: append() is thread-safe and returns at once. Each write takes an
/// exclusive flock on the file (waiting at most audit::lockTimeoutMs(), 10 s, then an error), reads the
/// last record's seq, mac and macAlg, appends one line with O_APPEND and fdatasyncs it, so records from
/// concurrent processes chain correctly. A keyed log (HMAC tail) takes no record without the key: the
/// append is refused with an error. The file is created with mode 0600 (its directory 0700) as needed.
///
/// The key is never written anywhere, and data that looks like a secret is refused (audit::secretField).
class AuditLog : public QObject
{
    Q_OBJECT

public:
    /// $CERTROTOR_AUDIT_LOG, else <GenericDataLocation>/certrotor/audit.jsonl.
    static QString defaultPath();

    /// `path` empty: defaultPath(). `clock` must outlive the log.
    explicit AuditLog(const QString& path = {}, const Clock* clock = nullptr, QObject* parent = nullptr);
    ~AuditLog() override;

    QString path() const { return m_path; }

    /// Starts the key lookup in the keyring (service "certrotor" or `keyringService`); call it on a thread
    /// with an event loop. ready() follows once the key is known or the log fell back to SHA-256 (at once,
    /// on the next loop turn, when there is no session bus: see sessionBusAvailable()).
    void open(const QString& keyringService = {});
    /// No keyring: SHA-256 chaining from now on (ready() is emitted before this returns).
    void openWithoutKeyring();
    bool isReady() const;
    /// "hmac-sha256" or "sha256" once ready ("" before).
    QString macAlg() const;
    /// Why the log is not keyed, when it fell back to SHA-256 ("" otherwise).
    QString fallbackReason() const;
    int keyringTimeoutMs() const { return m_keyringTimeoutMs; }
    void setKeyringTimeoutMs(int ms) { m_keyringTimeoutMs = ms; }

    /// Adds a record. Refused (an Error, nothing written) when `event` is empty or `data` holds a field that
    /// looks like a secret; otherwise queued and written on the writer thread: entryAdded() or
    /// writeFailed() tells how it went.
    Result<std::monostate> append(const QString& event, const QJsonObject& data);
    /// The same, for a record made by one of the builders in AuditEvents.h.
    Result<std::monostate> append(const audit::AuditRecord& record);

    /// Blocks until every queued record is written (not before ready(): records wait for the key).
    /// For the CLI and tests; never call it on the GUI thread.
    bool waitForWritten(int timeoutMs = 30000);
    /// Every write error so far (plain words with the path).
    QStringList errors() const;

    /// verifyAuditLog() of this log's file with this log's key; when the log has none (it fell back or
    /// the keyring has not answered yet), the key is asked from the keyring first, unless the log was
    /// opened with openWithoutKeyring() (HMAC records are then checked structurally only, and the report
    /// says so). Thread-safe and blocking (it reads the whole file, may wait for the keyring): run it off
    /// the GUI thread.
    AuditVerifyReport verify() const;
    /// The same for `path` and `key` without a log object (the key is asked from the keyring's
    /// `keyringService` when `key` is empty and `askKeyring`). Blocking; any thread but the GUI one.
    static AuditVerifyReport verifyFile(const QString& path, const QByteArray& key, bool askKeyring,
                                        const QString& keyringService = {}, int keyringTimeoutMs = 3000);

    /// What verify() needs, taken now, so that the check can run on another thread after this log is
    /// gone (the console verifies on the thread pool, and the log dies with main() at exit).
    struct VerifyInputs
    {
        QString path;
        std::shared_ptr<const QByteArray> key; // a copy of the key, zeroed when the last holder drops it
        bool askKeyring = false;
        QString keyringService;
        int keyringTimeoutMs = 3000;
    };
    /// Thread-safe; cheap (no I/O): call it on the GUI thread.
    VerifyInputs verifyInputs() const;
    /// verify() from a snapshot. Blocking; any thread but the GUI one.
    static AuditVerifyReport verifyWith(const VerifyInputs& inputs);

    /// Whether a D-Bus session bus is there to ask (DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus).
    /// Without one, CertRotor does not ask the keyring for the audit key, so libsecret never autolaunches
    /// a bus through X11.
    static bool sessionBusAvailable();

    /// Used by open(): the key from the keyring, or none (SHA-256) with the reason. Exposed for tests.
    void setKey(const QByteArray& key, const QString& fallbackReason = {});

Q_SIGNALS:
    void ready();
    /// A record was written (emitted on the writer thread; queued to receivers elsewhere).
    void entryAdded(const certrotor::AuditEntry& entry);
    void writeFailed(const QString& error);

private:
    struct Pending
    {
        QString event;
        QJsonObject data;
        QDateTime time;
    };
    void fallBack(const QString& why);
    void useFoundKey(QByteArray key);
    void createKey(QDeadlineTimer deadline);
    void releaseKeyLock();
    bool logIsKeyed() const;
    void submit(Pending pending);
    void write(const Pending& pending);
    Result<AuditEntry> writeLocked(const Pending& pending, const QByteArray& key);

    QString m_path;
    const Clock* m_clock;
    QJsonObject m_actor;
    int m_keyringTimeoutMs = 3000;
    Keyring* m_keyring = nullptr;
    int m_keyLockFd = -1; // <logdir>/.audit-key.lock while this process makes the key
    QString m_keyringService; // "" : Keyring::defaultService()
    bool m_withoutKeyring = false; // openWithoutKeyring(): never ask the keyring, not even to verify

    mutable QMutex m_mutex;
    bool m_ready = false;
    QByteArray m_key; // empty: SHA-256 chaining
    QString m_fallbackReason;
    QString m_noKeyWhy; // the keyring's part of m_fallbackReason, for errors
    QList<Pending> m_pending; // appended before the key lookup ended
    QStringList m_errors;
    QDeadlineTimer m_closing{QDeadlineTimer::Forever}; // set by the destructor: records not started by then are dropped
    QStringList m_dropped; // "event (time)" of each
    QThreadPool m_writer; // one thread: records are written in the order they were appended
};

} // namespace certrotor
