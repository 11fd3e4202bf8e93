// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditFormat.h"
#include "util/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace certrotor {

/// What verifyAuditLog() found.
struct AuditVerifyReport
{
    bool ok = false;
    int line = 0; // the first broken line (1-based), 0 when intact or the file is unreadable
    QString problem; // plain words ("" when intact)
    qint64 records = 0; // intact records before the problem (all of them when ok)
    qint64 hmacRecords = 0;
    qint64 sha256Records = 0;
    /// True when some HMAC records could not be checked because no key was given: the chain (seq,
    /// prev, structure) is intact but their MACs are unproven. Then the log is *not verified*: ok says the
    /// structure is intact, verified() is false.
    bool structuralOnly = false;
    QString lastMac; // the mac of the last intact record: note it elsewhere to detect a cut-off tail

    /// Every record checked, MACs included, and intact.
    bool verified() const { return ok && !structuralOnly; }

    /// One paragraph for the operator.
    QString summary(const QString& path) const;
};

/// Checks every record of the log at `path`: JSON, fields, seq (1, 2, 3, ...), prev (the previous
/// record's mac) and mac (HMAC-SHA256 with `key`, or SHA-256 for "sha256" records). Stops at the first
/// problem and names its line: an edited record (mac mismatch), a deleted or reordered record (seq or
/// prev break), a truncated last line, a line that is not JSON, a "sha256" record after an "hmac-sha256"
/// one (a downgrade: records rewritten without the key). Without a key, HMAC records are checked
/// structurally only (structuralOnly). An empty file is an intact, empty log; a missing or unreadable one
/// is not ok, with line 0.
AuditVerifyReport verifyAuditLog(const QString& path, const std::optional<QByteArray>& key = std::nullopt);

/// Every readable record of the log (lines that are not records are skipped and named in `skipped`).
Result<QList<AuditEntry>> readAuditLog(const QString& path, QStringList* skipped = nullptr);

} // namespace certrotor
