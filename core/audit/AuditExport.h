// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditFormat.h"

#include <QByteArray>
#include <QList>
#include <QString>

/// The audit log's exports. Records hold no secrets (AuditLog refuses them), so neither do these.
namespace certrotor::audit {

/// A JSON array of the records, each exactly as in the log (including prev and mac), indented.
QByteArray exportJson(const QList<AuditEntry>& entries);

/// CSV (RFC 4180, CRLF line ends) with a header: seq,time,event,user,host,tool,macAlg,summary.
/// The summary flattens `data` onto one line: for probes target, bundle, bundleSha256, probeId, ok,
/// stage, error; for other events every top-level field (nested values as compact JSON). Cells that a
/// spreadsheet would take for a formula (=, +, -, @) are prefixed with a single quote.
QByteArray exportCsv(const QList<AuditEntry>& entries);

/// The one-line summary of a record's data used by the CSV and `audit show`.
QString summary(const AuditEntry& entry);

} // namespace certrotor::audit
