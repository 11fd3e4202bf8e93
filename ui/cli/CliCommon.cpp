// SPDX-License-Identifier: GPL-3.0-or-later
#include "CliCommon.h"

#include "x509/Bundle.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <cstdio>
#include <unistd.h>

namespace certrotor::cli {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream& err()
{
    static QTextStream s(stderr);
    return s;
}

namespace {
QString& currentCommand()
{
    static QString command;
    return command;
}
} // namespace

void setCurrentCommand(const QString& command)
{
    currentCommand() = command;
}

int usageError(const QString& message)
{
    err() << "certrotor-cli: " << message << "\n";
    if (currentCommand().isEmpty())
        err() << "Run 'certrotor-cli help' for the commands, 'certrotor-cli help COMMAND' for one.\n";
    else
        err() << "Run 'certrotor-cli help " << currentCommand() << "' for its options and examples.\n";
    err().flush();
    return ExitUsage;
}

bool colourOn(FILE* stream)
{
    const auto decide = [](FILE* s) {
        if (!qEnvironmentVariableIsEmpty("NO_COLOR"))
            return false;
        if (qEnvironmentVariable("TERM") == QLatin1String("dumb"))
            return false;
        return ::isatty(::fileno(s)) == 1;
    };
    static const bool onStdout = decide(stdout);
    static const bool onStderr = decide(stderr);
    return stream == stderr ? onStderr : onStdout;
}

QString paint(const QString& text, Colour colour, FILE* stream)
{
    if (!colourOn(stream))
        return text;
    const char* code = colour == Colour::Red ? "31;1"
        : colour == Colour::Yellow           ? "33"
        : colour == Colour::Green            ? "32"
                                             : "1";
    return QStringLiteral("\x1b[%1m%2\x1b[0m").arg(QLatin1String(code), text);
}

void printJson(const QJsonValue& value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    out() << QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
    out().flush();
}

bool parseDate(const QString& text, qint64& secs)
{
    QDateTime dt = QDateTime::fromString(text, Qt::ISODate);
    if (!dt.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (!d.isValid())
            return false;
        dt = QDateTime(d, QTime(0, 0), Qt::UTC);
    }
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC);
    secs = dt.toSecsSinceEpoch();
    return true;
}

// A directory of bundles (like /etc/ssl/certs) read as one bundle, so duplicates across files are found.
Bundle loadDirectory(const QString& path)
{
    Bundle merged;
    merged.name = path;
    const QStringList files = bundleFilesInDirectory(path);
    for (const QString& file : files) {
        Result<Bundle> b = loadBundleFile(file);
        if (!b.ok()) {
            merged.issues << ParseIssue { ParseIssue::Severity::Error, SourceLocation { file, 0, 0, 0 },
                                          b.error().message };
            continue;
        }
        merged.entries << b.value().entries;
        merged.issues << b.value().issues;
    }
    if (files.isEmpty())
        merged.issues << ParseIssue { ParseIssue::Severity::Error, SourceLocation { path, 0, 0, 0 },
                                      QStringLiteral("the directory holds no files") };
    return merged;
}

// Loads bundles (a directory counts as one); unreadable files are reported and make the command exit 2.
bool loadAll(const QStringList& paths, QList<Bundle>& bundles)
{
    bool ok = true;
    for (const QString& path : paths) {
        if (QFileInfo(path).isDir()) {
            bundles << loadDirectory(path);
            continue;
        }
        Result<Bundle> b = loadBundleFile(path);
        if (!b.ok()) {
            err() << "certrotor-cli: " << b.error().text() << "\n";
            ok = false;
            continue;
        }
        bundles << std::move(b).value();
    }
    err().flush();
    return ok;
}

bool reportIssues(const Bundle& bundle)
{
    for (const ParseIssue& issue : bundle.issues)
        err() << (issue.severity == ParseIssue::Severity::Error
                      ? paint(QStringLiteral("error"), Colour::Red, stderr)
                      : paint(QStringLiteral("warning"), Colour::Yellow, stderr))
              << ": " << issue.text() << "\n";
    err().flush();
    return bundle.hasErrors();
}

namespace {
int g_stopPipe[2] = { -1, -1 };
extern "C" void onStopSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_stopPipe[1], &byte, 1);
}
} // namespace

StopOnSignal::StopOnSignal(std::function<void()> onStop)
{
    if (g_stopPipe[0] < 0 && ::pipe(g_stopPipe) != 0)
        return;
    m_notifier = std::make_unique<QSocketNotifier>(g_stopPipe[0], QSocketNotifier::Read);
    QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(), [onStop = std::move(onStop)] {
        char byte = 0;
        [[maybe_unused]] const ssize_t n = ::read(g_stopPipe[0], &byte, 1);
        onStop();
    });
    struct sigaction sa { };
    sa.sa_handler = onStopSignal;
    sa.sa_flags = SA_RESTART; // a blocking read elsewhere is not cut short
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &m_oldInt);
    ::sigaction(SIGTERM, &sa, &m_oldTerm);
}

StopOnSignal::~StopOnSignal()
{
    if (!m_notifier)
        return;
    ::sigaction(SIGINT, &m_oldInt, nullptr);
    ::sigaction(SIGTERM, &m_oldTerm, nullptr);
}

} // namespace certrotor::cli
