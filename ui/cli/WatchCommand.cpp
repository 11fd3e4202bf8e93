// SPDX-License-Identifier: GPL-3.0-or-later
#include "WatchCommand.h"

#include "CliApp.h"
#include "CliCommon.h"
#include "factory/SourceFactory.h"
#include "kube/KubeSecretSource.h"
#include "sources/FileSource.h"
#include "sources/Source.h"
#include "x509/BundleDiff.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <memory>
#include <unistd.h>
#include <vector>

namespace certrotor::cli {

namespace {

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QStringList hashes(const QList<Certificate>& certs)
{
    QStringList list;
    for (const Certificate& c : certs)
        list << c.info().sha256Hex();
    return list;
}

void printLine(bool json, const QJsonObject& object, const QString& text)
{
    if (json)
        out() << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) << "\n";
    else
        out() << text << "\n";
    out().flush(); // one line per event, visible at once through a pipe
}

} // namespace

namespace {
const char* const kWatchUsage = R"(Usage: certrotor-cli watch [--json] [--debounce-ms N] SOURCE...

Prints one line per delivered change of each SOURCE (time, source, revision, certificate count, SHA-256 of
the certificates added and removed, detection latency) and per status change, until SIGINT or SIGTERM.
SOURCE is a bundle file, a directory of bundles (a mounted Secret or ConfigMap volume too),
secret://[CONTEXT/]NAMESPACE/NAME[#KEY] or configmap://[CONTEXT/]NAMESPACE/NAME[#KEY] (a key of data or
binaryData; default ca.crt), read through the kubeconfig as kubectl reads it.
  --json            one JSON object per line
  --debounce-ms N   quiet time before a changed file is re-read (default 50)
Exit codes: 0 stopped by SIGINT/SIGTERM; 2 usage error or a SOURCE that cannot be watched (named).
Examples:
  certrotor-cli watch /etc/grpc/ca.pem /var/run/secrets/grpc-ca
  certrotor-cli watch --json secret://prod/payments/grpc-ca#ca.crt
)";
} // namespace

int watch(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({QStringLiteral("json"), QStringLiteral("One JSON object per line")});
    parser.addOption({QStringLiteral("debounce-ms"), QStringLiteral("Quiet time before re-reading a file"),
                      QStringLiteral("N"), QStringLiteral("50")});
    QCommandLineOption maxUpdates(QStringLiteral("max-updates"), QStringLiteral("Exit after N updates (tests)"),
                                  QStringLiteral("N"));
    maxUpdates.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption exitAfter(QStringLiteral("exit-after-ms"), QStringLiteral("Exit after N ms (tests)"),
                                 QStringLiteral("N"));
    exitAfter.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(maxUpdates);
    parser.addOption(exitAfter);
    parser.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help")});
    if (!parser.parse(args))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        out() << kWatchUsage;
        out().flush();
        return ExitOk;
    }
    const bool json = parser.isSet(QStringLiteral("json"));
    const auto number = [&parser](const QString& name, int& value) {
        bool ok = false;
        value = parser.value(name).toInt(&ok);
        return ok && value >= 0;
    };
    int debounceMs = 50;
    if (!number(QStringLiteral("debounce-ms"), debounceMs))
        return usageError(QStringLiteral("--debounce-ms takes a whole number of milliseconds"));
    int maxUpdateCount = 0;
    if (parser.isSet(maxUpdates) && (!number(maxUpdates.names().first(), maxUpdateCount) || maxUpdateCount == 0))
        return usageError(QStringLiteral("--max-updates takes a positive whole number"));
    int exitAfterMs = 0;
    if (parser.isSet(exitAfter) && !number(exitAfter.names().first(), exitAfterMs))
        return usageError(QStringLiteral("--exit-after-ms takes a whole number of milliseconds"));
    const QStringList specs = parser.positionalArguments();
    if (specs.isEmpty())
        return usageError(
            QStringLiteral("watch: name at least one SOURCE (a file, a directory, secret://… or configmap://…)"));
    if (!QCoreApplication::instance()) {
        err() << "certrotor-cli: watch needs an event loop\n";
        err().flush();
        return ExitUsage;
    }

    std::vector<std::unique_ptr<Source>> sources;
    for (const QString& spec : specs) {
        QString error;
        std::unique_ptr<Source> source = createSource(spec, &error);
        if (!source) {
            err() << "certrotor-cli: " << error << "\n";
            err().flush();
            return ExitUsage;
        }
        if (auto* file = qobject_cast<FileSource*>(source.get()))
            file->setDebounceMs(debounceMs);
        if (auto* kubeSource = qobject_cast<kube::KubeSecretSource*>(source.get()))
            for (const QString& warning : kubeSource->warnings()) // e.g. insecure-skip-tls-verify: never silent
                err() << "certrotor-cli: warning: " << spec << ": " << warning << "\n";
        err().flush();
        sources.push_back(std::move(source));
    }

    // SIGINT/SIGTERM end the watch normally (exit 0).
    const StopOnSignal quitter([] { QCoreApplication::exit(ExitOk); });
    QHash<Source*, QList<Certificate>> previous;
    int updates = 0;
    for (const std::unique_ptr<Source>& ptr : sources) {
        Source* source = ptr.get();
        QObject::connect(source, &Source::updated, source, [&, source](const SourceUpdate& u) {
            const QList<Certificate> now = u.bundle ? u.bundle->certificates() : QList<Certificate>{};
            const bool initial = !previous.contains(source);
            const BundleDiff d = diffBundles(previous.value(source), now);
            previous.insert(source, now);
            const QStringList added = hashes(d.added);
            const QStringList removed = hashes(d.removed);
            QJsonObject o;
            o[QLatin1String("time")] = nowIso();
            o[QLatin1String("event")] = QStringLiteral("update");
            o[QLatin1String("source")] = source->id();
            o[QLatin1String("revision")] = u.revision;
            o[QLatin1String("initial")] = initial;
            o[QLatin1String("certificates")] = int(now.size());
            o[QLatin1String("added")] = QJsonArray::fromStringList(added);
            o[QLatin1String("removed")] = QJsonArray::fromStringList(removed);
            o[QLatin1String("latencyMs")] = u.detectionLatencyMs >= 0 ? QJsonValue(double(u.detectionLatencyMs))
                                                                      : QJsonValue(QJsonValue::Null);
            QJsonArray issues;
            if (u.bundle)
                for (const ParseIssue& issue : u.bundle->issues)
                    issues.append(issue.text());
            o[QLatin1String("issues")] = issues;
            QString text = o[QLatin1String("time")].toString() + QLatin1Char(' ') + source->id()
                + QStringLiteral(" revision=") + u.revision + QStringLiteral(" certificates=")
                + QString::number(now.size()) + QStringLiteral(" added=")
                + (added.isEmpty() ? QStringLiteral("-") : added.join(QLatin1Char(',')))
                + QStringLiteral(" removed=") + (removed.isEmpty() ? QStringLiteral("-") : removed.join(QLatin1Char(',')))
                + QStringLiteral(" latency=")
                + (u.detectionLatencyMs >= 0 ? QString::number(u.detectionLatencyMs) + QStringLiteral("ms")
                                             : QStringLiteral("-"));
            if (initial)
                text += QStringLiteral(" (initial)");
            if (!issues.isEmpty())
                text += QStringLiteral(" issues=") + QString::number(issues.size());
            printLine(json, o, text);
            if (maxUpdateCount > 0 && ++updates >= maxUpdateCount)
                QCoreApplication::exit(ExitOk);
        });
        QObject::connect(source, &Source::statusChanged, source, [json, source](Source::Status status, const QString& error) {
            QJsonObject o;
            o[QLatin1String("time")] = nowIso();
            o[QLatin1String("event")] = QStringLiteral("status");
            o[QLatin1String("source")] = source->id();
            o[QLatin1String("status")] = Source::statusName(status);
            o[QLatin1String("error")] = error;
            QString text = o[QLatin1String("time")].toString() + QLatin1Char(' ') + source->id() + QStringLiteral(" status=")
                + Source::statusName(status);
            if (!error.isEmpty())
                text += QStringLiteral(": ") + error;
            printLine(json, o, text);
        });
    }
    if (exitAfterMs > 0)
        QTimer::singleShot(exitAfterMs, QCoreApplication::instance(), [] { QCoreApplication::exit(ExitOk); });
    // Start from the event loop, so an exit requested by the first update is not lost.
    QTimer::singleShot(0, QCoreApplication::instance(), [&sources] {
        for (const std::unique_ptr<Source>& s : sources)
            s->start();
    });
    const int rc = QCoreApplication::exec();
    for (const std::unique_ptr<Source>& s : sources) {
        QObject::disconnect(s.get(), nullptr, nullptr, nullptr); // no "idle" lines on the way out
        s->stop();
    }
    return rc;
}

} // namespace certrotor::cli
