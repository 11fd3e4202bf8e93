// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "CliApp.h"
#include "x509/Bundle.h"

#include <QJsonValue>
#include <QString>
#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>

class QSocketNotifier;

/// What every certrotor-cli command shares: the output streams, usage errors, JSON printing,
/// date parsing. Each command lives in its own file and is dispatched from CliApp.cpp.
namespace certrotor::cli {

QTextStream& out();
QTextStream& err();

/// Prints "certrotor-cli: message" and what to type next (the running command's help) to stderr;
/// returns ExitUsage.
int usageError(const QString& message);
/// The command being run ("" before one is known), for usageError's hint.
void setCurrentCommand(const QString& command);

/// Colour for text on stdout or stderr: only when that stream is a terminal, TERM is not "dumb" and
/// NO_COLOR is unset or empty (https://no-color.org). Decided once per stream.
enum class Colour { Red, Yellow, Green, Bold };
bool colourOn(FILE* stream);
/// `text` wrapped in the colour's escape sequence when colour is on for `stream`, else `text`.
QString paint(const QString& text, Colour colour, FILE* stream = stdout);

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

/// While it lives, SIGINT (Ctrl+C) and SIGTERM call `onStop` on the event loop (the handler only writes a
/// byte to a pipe; a socket notifier reads it), so a long command stops where it safely can. The previous
/// handlers come back when it goes.
class StopOnSignal {
public:
    explicit StopOnSignal(std::function<void()> onStop);
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
    struct sigaction m_oldInt { };
    struct sigaction m_oldTerm { };
};

} // namespace certrotor::cli
