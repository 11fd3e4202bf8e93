// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditVerify.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cerrno>

#include <sys/file.h>

namespace certrotor {

namespace {

Result<QByteArray> readAll(const QString& path)
{
    QFile f(path);
    if (!f.exists())
        return Error{QStringLiteral("there is no audit log here"), path};
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the audit log: ") + f.errorString(), path};
    // Writers hold an exclusive lock while they append: a shared one never sees half a record. Bounded,
    // like the writer's: a lock held for good is an error naming the file, not a hang.
    if (const QString locked = audit::lockFile(f.handle(), LOCK_SH); !locked.isEmpty())
        return Error{locked, path};
    return f.readAll(); // closing the file drops the lock
}

} // namespace

QString AuditVerifyReport::summary(const QString& path) const
{
    if (!ok) {
        if (line == 0)
            return problem;
        return QStringLiteral("%1 is broken at line %2: %3 (%4 intact record(s) before it)")
            .arg(path)
            .arg(line)
            .arg(problem)
            .arg(records);
    }
    if (structuralOnly) {
        QString text = QStringLiteral("%1: not verified: %2 records are keyed (HMAC) and the key is not available; the "
                                      "structure (sequence, chain links) is intact (%3 record(s)")
                           .arg(path)
                           .arg(hmacRecords)
                           .arg(records);
        if (sha256Records > 0)
            text += QStringLiteral(", %1 with plain SHA-256").arg(sha256Records);
        text += QStringLiteral(").");
        if (records > 0)
            text += QStringLiteral(" Last mac: %1.").arg(lastMac);
        return text;
    }
    QString text = QStringLiteral("%1 is intact: %2 record(s)").arg(path).arg(records);
    if (hmacRecords > 0)
        text += QStringLiteral(", %1 with HMAC-SHA256").arg(hmacRecords);
    if (sha256Records > 0)
        text += QStringLiteral(", %1 with plain SHA-256 (they show edits and reordering, not who wrote them)").arg(sha256Records);
    text += QLatin1Char('.');
    if (records > 0)
        text += QStringLiteral(" Last mac: %1.").arg(lastMac);
    return text;
}

AuditVerifyReport verifyAuditLog(const QString& path, const std::optional<QByteArray>& key)
{
    AuditVerifyReport report;
    Result<QByteArray> bytes = readAll(path);
    if (!bytes.ok()) {
        report.problem = bytes.error().text();
        return report;
    }
    const QByteArray& all = bytes.value();
    const bool hasKey = key.has_value() && !key->isEmpty();
    const auto broken = [&report](int line, const QString& problem) {
        report.ok = false;
        report.line = line;
        report.problem = problem;
        return report;
    };
    QList<QByteArray> lines = all.split('\n');
    const bool endsWithNewline = all.isEmpty() || all.endsWith('\n');
    if (endsWithNewline)
        lines.removeLast(); // the empty piece after the last newline
    qint64 expectedSeq = 1;
    QString prev;
    bool seenHmac = false; // once keyed, always keyed: a later SHA-256 record was made without the key
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int lineNo = int(i + 1);
        const QByteArray& line = lines.at(i);
        const bool last = i == lines.size() - 1;
        if (last && !endsWithNewline)
            return broken(lineNo, QStringLiteral("the last line is truncated (the file does not end with a complete record; "
                                                 "a write was cut off or the file was cut short)"));
        QJsonParseError parseError{};
        const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject())
            return broken(lineNo, QStringLiteral("the line is not a JSON record (%1)")
                                      .arg(line.isEmpty() ? QStringLiteral("it is empty") : parseError.errorString()));
        QString fieldProblem;
        const std::optional<AuditEntry> e = AuditEntry::fromJson(doc.object(), &fieldProblem);
        if (!e)
            return broken(lineNo, QStringLiteral("not an audit record: ") + fieldProblem);
        QByteArray canonical;
        QString mac;
        if (!audit::splitLine(line, canonical, mac))
            return broken(lineNo, QStringLiteral("the record does not end with its mac, so it was not written by CertRotor "
                                                 "or was edited"));
        if (e->seq != expectedSeq) {
            if (expectedSeq == 1)
                return broken(lineNo, QStringLiteral("the log starts at record %1, not 1: earlier records were deleted")
                                          .arg(e->seq));
            return broken(lineNo, QStringLiteral("record %1 follows record %2: records were deleted or reordered")
                                      .arg(e->seq)
                                      .arg(expectedSeq - 1));
        }
        if (e->prev != prev)
            return broken(lineNo, QStringLiteral("the record does not link to the one before it (prev differs from the "
                                                 "previous record's mac): a record was deleted, replaced or reordered"));
        if (e->macAlg == QLatin1String(audit::kSha256)) {
            // Anyone can recompute a SHA-256 chain: rewriting keyed records as SHA-256 ones to the end
            // would otherwise pass. CertRotor never writes SHA-256 after HMAC (AuditLog refuses to).
            if (seenHmac)
                return broken(lineNo, QStringLiteral("the chain drops from HMAC to plain SHA-256 (records rewritten "
                                                     "without the key?)"));
            if (audit::mac(canonical, {}) != mac)
                return broken(lineNo, QStringLiteral("the record was edited after it was written (its SHA-256 does not match)"));
            ++report.sha256Records;
        } else {
            if (hasKey) {
                if (audit::mac(canonical, *key) != mac)
                    return broken(lineNo, QStringLiteral("the record was edited after it was written, or made with another "
                                                         "key (its HMAC does not match)"));
            } else {
                report.structuralOnly = true;
            }
            ++report.hmacRecords;
            seenHmac = true;
        }
        prev = mac;
        ++expectedSeq;
        ++report.records;
        report.lastMac = mac;
    }
    report.ok = true;
    return report;
}

Result<QList<AuditEntry>> readAuditLog(const QString& path, QStringList* skipped)
{
    Result<QByteArray> bytes = readAll(path);
    if (!bytes.ok())
        return bytes.error();
    QList<AuditEntry> entries;
    const QList<QByteArray> lines = bytes.value().split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines.at(i).isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(lines.at(i));
        QString problem = QStringLiteral("not JSON");
        const std::optional<AuditEntry> e = doc.isObject() ? AuditEntry::fromJson(doc.object(), &problem) : std::nullopt;
        if (!e) {
            if (skipped)
                *skipped << QStringLiteral("%1: line %2: %3").arg(path).arg(i + 1).arg(problem);
            continue;
        }
        entries << *e;
    }
    return entries;
}

} // namespace certrotor
