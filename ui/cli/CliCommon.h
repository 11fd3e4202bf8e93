// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "CliApp.h"

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

} // namespace certrotor::cli
