// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "CliApp.h"
#include "x509/Bundle.h"

#include <QJsonValue>
#include <QString>
#include <QTextStream>

/// What every certrotor-cli command shares: the output streams, usage errors, JSON printing,
/// date parsing. Each command lives in its own file and is dispatched from CliApp.cpp.
namespace certrotor::cli {

QTextStream& out();
QTextStream& err();

/// Prints "certrotor-cli: message" and a hint to stderr; returns ExitUsage.
int usageError(const QString& message);

/// Indented JSON on stdout.
void printJson(const QJsonValue& value);

/// ISO 8601 date ("2027-01-31", taken as midnight UTC) or date-time; false when unreadable.
bool parseDate(const QString& text, qint64& secs);

/// A directory of bundles (like /etc/ssl/certs) read as one bundle, so duplicates across files are found.
Bundle loadDirectory(const QString& path);
/// Loads bundles (a directory counts as one); unreadable files are reported on stderr and make it false.
bool loadAll(const QStringList& paths, QList<Bundle>& bundles);
/// Prints a bundle's parse issues on stderr; true when one is an error.
bool reportIssues(const Bundle& bundle);

} // namespace certrotor::cli
