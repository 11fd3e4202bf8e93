// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace certrotor {
class AuditLog;
}

namespace certrotor::cli {

/// certrotor-cli audit verify|show|export: the audit log (core/audit) from the command line.
/// `args` starts with the program name (as QCommandLineParser expects).
int audit(const QStringList& args);

/// Waits (in a local event loop, bounded by the keyring timeout) until `log` has its key and every
/// record appended so far is on disk. Prints each write error on stderr, prefixed with `command`;
/// false when a record could not be written.
bool finishAuditLog(AuditLog& log, const QString& command);

} // namespace certrotor::cli
