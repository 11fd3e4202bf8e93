// SPDX-License-Identifier: GPL-3.0-or-later
#include "DrillCommand.h"

#include "CliCommon.h"
#include "drill/Drill.h"
#include "util/AtomicFile.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace certrotor::cli {

namespace {

const char* const kDrillUsage =
    R"(Usage: certrotor-cli drill [--dir DIR] [--kube] [--keep] [--report FILE] [--json] [--port N]

Rehearses a whole CA rotation and a rollback in a throwaway sandbox, for real: an old and a new root CA
(each with an intermediate), two gRPC servers on loopback serving old-CA chains (one requires a client
certificate), the trust bundle in a file (or, with --kube, in a Secret on a local Kubernetes API), and the
rotation core doing every step: replace refused, stage, overlap committed and confirmed, a too-early retire
refused, the servers renewed from the new CA and confirmed, retire confirmed, one rollback. Every step is
checked against what must happen and recorded (marked as drill) in the sandbox's own audit log.
  --dir DIR      build the sandbox in DIR (new or empty); default a new directory under $TMPDIR
  --kube         rotate a Secret on the sandbox's Kubernetes API instead of a bundle file
  --keep         keep the sandbox afterwards (keys, servers' logs, audit log, report.md, report.json)
  --report FILE  write the report to FILE: JSON when FILE ends in .json, else Markdown
  --json         print the report as JSON on stdout (default: Markdown)
  --port N       the servers listen on ports N, N+1 (and the Kubernetes API on N+2); default: any free ports
Progress goes to stderr. Ctrl+C stops after the operation in flight; every helper is stopped either way.
Exit codes: 0 every step behaved as expected; 1 one did not (the report says which) or the drill was
stopped; 2 usage or setup error (a helper missing, a port not free, a sandbox directory not empty).
Examples:
  certrotor-cli drill
  certrotor-cli drill --kube --report drill.json
  certrotor-cli drill --keep --dir /tmp/drill && certrotor --drill /tmp/drill
)";

} // namespace

int drill(const QStringList& args)
{
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ u"dir"_s, u"Sandbox directory (new or empty)"_s, u"dir"_s });
    parser.addOption({ u"kube"_s, u"Rotate a Secret on the sandbox's Kubernetes API"_s });
    parser.addOption({ u"keep"_s, u"Keep the sandbox afterwards"_s });
    parser.addOption({ u"report"_s, u"Write the report to FILE (.json: JSON, else Markdown)"_s, u"file"_s });
    parser.addOption({ u"json"_s, u"Print the report as JSON"_s });
    parser.addOption({ u"port"_s, u"First port of the sandbox's servers"_s, u"port"_s });
    if (!parser.parse(args))
        return usageError(parser.errorText());
    if (parser.isSet(u"help"_s)) {
        out() << kDrillUsage;
        out().flush();
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(u"drill takes no arguments, got '%1'"_s.arg(parser.positionalArguments().first()));
    drill::Drill::Options options;
    options.dir = parser.value(u"dir"_s);
    options.kube = parser.isSet(u"kube"_s);
    options.keep = parser.isSet(u"keep"_s);
    if (parser.isSet(u"port"_s)) {
        bool ok = false;
        const uint port = parser.value(u"port"_s).toUInt(&ok);
        if (!ok || port == 0 || port > 65533)
            return usageError(u"--port takes a port number from 1 to 65533"_s);
        options.port = quint16(port);
    }

    // The drill prints every step itself: the core's info lines (each probe, each write) stay off stderr.
    QLoggingCategory::setFilterRules(u"certrotor.*.info=false\nqt.network.http2.warning=false"_s);
    drill::Drill d(options);
    drill::Report report;
    QEventLoop loop;
    int index = 0;
    QObject::connect(&d, &drill::Drill::stepStarted, &loop, [&index](const QString&, const QString& title) {
        err() << "[" << ++index << "/9] " << title << " …\n";
        err().flush();
    });
    QObject::connect(&d, &drill::Drill::stepFinished, &loop, [](const drill::Step& s) {
        err() << "      " << (s.ok ? "as expected" : "NOT AS EXPECTED") << " (" << s.durationMs
              << " ms): " << s.observed << "\n";
        err().flush();
    });
    QObject::connect(&d, &drill::Drill::finished, &loop, [&](const drill::Report& r) {
        report = r;
        loop.quit();
    });
    const StopOnSignal stop([&d] {
        err() << "certrotor-cli: stopping the drill after the operation in flight; its helpers are stopped\n";
        err().flush();
        d.cancel();
    });
    d.start();
    loop.exec();

    const QByteArray json = QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    const QString markdown = report.toMarkdown();
    if (parser.isSet(u"report"_s)) {
        const QString file = parser.value(u"report"_s);
        const auto written = atomicWriteFile(file, file.endsWith(u".json"_s) ? json : markdown.toUtf8());
        if (!written) {
            err() << "certrotor-cli: cannot write the report: " << written.error().text() << "\n";
            err().flush();
            return ExitUsage;
        }
    }
    if (parser.isSet(u"json"_s))
        out() << json;
    else
        out() << markdown;
    out().flush();
    if (!report.ok) {
        err() << "certrotor-cli: drill " << (report.setupFailed ? "could not be set up" : "failed") << ": "
              << report.error << "\n";
        err().flush();
    }
    return report.ok ? ExitOk : report.setupFailed ? ExitUsage : ExitFindings;
}

} // namespace certrotor::cli
