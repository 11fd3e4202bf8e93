// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

/// The on-disk shape of one audit record, shared by the writer (AuditLog) and the checker (AuditVerify).
///
/// A record is one line of JSON:
///   {"actor":{...},"data":{...},"event":"probe","macAlg":"hmac-sha256","prev":"<hex>","seq":7,
///    "time":"2026-11-23T10:00:00.123Z","mac":"<64 hex>"}
/// Everything before `,"mac":` plus the closing brace is the canonical record: the compact JSON of the
/// record without `mac` (QJsonObject sorts its keys, so it is deterministic). `mac` is HMAC-SHA256 of
/// those exact bytes with the audit key, or SHA-256 of them when no keyring was available ("sha256").
/// The checker takes the bytes from the line itself, so any edited byte shows.
namespace certrotor {

/// One record as read back or just written.
struct AuditEntry
{
    qint64 seq = 0;
    QDateTime time; // UTC, ms
    QString event; // "probe", "probe-plan", "input-rejected", ...
    QJsonObject actor; // {user, host, tool}
    QJsonObject data;
    QString macAlg; // "hmac-sha256" or "sha256"
    QString prev; // the previous record's mac ("" for the first record)
    QString mac;

    QJsonObject toJson() const;
    /// Null when `o` lacks a field or one has the wrong type (`problem` says which).
    static std::optional<AuditEntry> fromJson(const QJsonObject& o, QString* problem = nullptr);
};

namespace audit {

inline constexpr char kHmacSha256[] = "hmac-sha256";
inline constexpr char kSha256[] = "sha256";
/// The keyring account of the HMAC key (service "certrotor").
inline QString keyAccount() { return QStringLiteral("audit-hmac-key"); }
inline constexpr int kKeySize = 32;

/// Lower-case hex MAC of `canonical`: HMAC-SHA256 with `key`, or SHA-256 when `key` is empty.
QString mac(QByteArrayView canonical, const QByteArray& key);
/// The record's line (without the newline): canonical bytes with `,"mac":"<mac>"` before the final brace.
QByteArray line(const QByteArray& canonical, const QString& mac);
/// Splits a line into its canonical bytes and its mac; false when the line does not end in a mac field.
bool splitLine(QByteArrayView line, QByteArray& canonical, QString& mac);

/// How long a writer or a reader waits for another process's flock on the log before giving up with an
/// error (10 s). Tests shorten it.
int lockTimeoutMs();
void setLockTimeoutMs(int ms);
/// flock(`operation`: LOCK_EX or LOCK_SH) on `fd`, retried without blocking until lockTimeoutMs() has
/// passed. Empty when locked, else the plain-words error ("the audit log is locked by another process
/// for more than 10 s").
QString lockFile(int fd, int operation);

/// The first field name at any depth of `data` that looks like it holds a secret (key, privateKey,
/// passphrase, password, token, secret, authorization, and names ending in those, any case, with or
/// without - and _), or a string value holding PEM private key material, as a path ("identity.passphrase").
/// Empty when there is none.
QString secretField(const QJsonObject& data);

} // namespace audit
} // namespace certrotor

Q_DECLARE_METATYPE(certrotor::AuditEntry)
