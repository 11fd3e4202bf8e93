// SPDX-License-Identifier: GPL-3.0-or-later
// The console and the CLI are views over one workspace: the same probe of the same overlap writes the
// same audit records. The console (offscreen) opens the old store, watches the new bundle and probes
// the overlap of both; certrotor-cli writes the overlap file and probes it with --current OLD; both
// against the same grpc++ servers (one on the old CA, one on the new). Their probe-plan records carry
// the same bundle SHA-256s and the same keys, and their probe records the same bundleSha256 — the
// overlap is new-first everywhere.

#include "MainWindow.h"
#include "ProbePanel.h"
#include "ProbeTargetsModel.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "util/Clock.h"

#include <QCheckBox>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

/// The data of every record of `event` in a JSON Lines audit log, in order.
QList<QJsonObject> recordsOf(const QString& log, const QString& event)
{
    QList<QJsonObject> out;
    for (const QByteArray& line : readFile(log).split('\n')) {
        const QJsonObject record = QJsonDocument::fromJson(line).object();
        if (record.value(QLatin1String("event")).toString() == event)
            out << record.value(QLatin1String("data")).toObject();
    }
    return out;
}

/// bundle name -> sha256 of a probe-plan record.
QHash<QString, QString> bundleShas(const QJsonObject& plan)
{
    QHash<QString, QString> out;
    for (const QJsonValue& b : plan.value(QLatin1String("bundles")).toArray())
        out.insert(b.toObject().value(QLatin1String("name")).toString(),
                   b.toObject().value(QLatin1String("sha256")).toString());
    return out;
}

/// The bundleSha256 of the probe records of one bundle.
QSet<QString> probeShas(const QList<QJsonObject>& probes, const QString& bundle)
{
    QSet<QString> out;
    for (const QJsonObject& p : probes) {
        if (p.value(QLatin1String("bundle")).toString() == bundle)
            out.insert(p.value(QLatin1String("bundleSha256")).toString());
    }
    return out;
}

QSet<QString> keysOf(const QJsonObject& o)
{
    const QStringList keys = o.keys();
    return QSet<QString>(keys.begin(), keys.end());
}

} // namespace

class TestProbeParity : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    Hierarchy m_old, m_new;
    GrpcTestServer m_oldServer, m_newServer;

    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString address(const GrpcTestServer& server) const { return QStringLiteral("127.0.0.1:%1").arg(server.port()); }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CertRotor"));
        QCoreApplication::setApplicationName(QStringLiteral("certrotor-test"));
        QVERIFY(m_dir.isValid());
        // TLS verification runs on the real clock: certificates relative to now.
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        m_old = makeHierarchy(now, QStringLiteral("Old"));
        m_new = makeHierarchy(now, QStringLiteral("New"));
        QVERIFY(m_old.leaf.cert && m_new.leaf.cert);
        QVERIFY(
            m_oldServer.start(grpcServerTlsArgs(m_dir.path(), QStringLiteral("old"), m_old.leaf, m_old.intermediate)));
        QVERIFY(
            m_newServer.start(grpcServerTlsArgs(m_dir.path(), QStringLiteral("new"), m_new.leaf, m_new.intermediate)));
        // Two CAs on each side, so that the order of the overlap shows in its SHA-256.
        QVERIFY(writeFile(path(QStringLiteral("old.pem")), m_old.root.pem() + m_old.intermediate.pem()));
        QVERIFY(writeFile(path(QStringLiteral("incoming/new.pem")), m_new.root.pem() + m_new.intermediate.pem()));
    }

    void consoleAndCliWriteTheSameRecords()
    {
        // --- The console: store = old, incoming = new, probe current, candidate and overlap.
        const QString consoleLog = path(QStringLiteral("console-audit.jsonl"));
        {
            AuditLog log(consoleLog);
            log.openWithoutKeyring();
            MainWindow w(Clock::system());
            w.setAuditLog(&log);
            w.show();
            QSignalSpy loaded(&w, &MainWindow::storeLoaded);
            w.openStore(path(QStringLiteral("old.pem")));
            QVERIFY(loaded.wait(10000));
            QSignalSpy incoming(&w, &MainWindow::incomingReady);
            QString error;
            QVERIFY2(w.addSourceSpec(path(QStringLiteral("incoming/new.pem")), &error), qPrintable(error));
            QVERIFY(incoming.wait(10000));

            ProbePanel* panel = w.probePanel();
            QVERIFY2(panel->candidateDescription().contains(QLatin1String("incoming")),
                     qPrintable(panel->candidateDescription()));
            panel->targetsModel()->setRows({ { address(m_oldServer), {}, {} }, { address(m_newServer), {}, {} } });
            panel->findChild<QCheckBox*>(QStringLiteral("probeOverlapCheckBox"))->setChecked(true);
            QSignalSpy finished(panel, &ProbePanel::planFinished);
            QVERIFY(panel->run());
            QVERIFY(finished.wait(30000));
            // The new CA alone fails at the old server: only the overlap keeps both working.
            QCOMPARE(finished.first().first().value<PlanVerdict>().kind, PlanVerdict::Kind::CandidateFails);
            QVERIFY(log.waitForWritten());
        }

        // --- The CLI: write the overlap, probe it with the bundle trusted today.
        const QString overlap = path(QStringLiteral("overlap.pem"));
        const ProcessResult written
            = runCli({ QStringLiteral("overlap"), path(QStringLiteral("old.pem")),
                       path(QStringLiteral("incoming/new.pem")), QStringLiteral("-o"), overlap });
        QVERIFY2(written.exitCode == 0, written.err.constData());
        const QString cliLog = path(QStringLiteral("cli-audit.jsonl"));
        const ProcessResult probed
            = runCli({ QStringLiteral("probe"), QStringLiteral("--ca"), overlap, QStringLiteral("--current"),
                       path(QStringLiteral("old.pem")), QStringLiteral("--audit-log"), cliLog, address(m_oldServer),
                       address(m_newServer) });
        QVERIFY2(probed.exitCode == 0, probed.err.constData());

        // --- The plans: the console's overlap is the CLI's candidate, byte for byte; same shape.
        const QList<QJsonObject> consolePlans = recordsOf(consoleLog, QStringLiteral("probe-plan"));
        const QList<QJsonObject> cliPlans = recordsOf(cliLog, QStringLiteral("probe-plan"));
        QCOMPARE(consolePlans.size(), 1);
        QCOMPARE(cliPlans.size(), 1);
        const QJsonObject consolePlan = consolePlans.first();
        const QJsonObject cliPlan = cliPlans.first();
        QCOMPARE(keysOf(consolePlan), keysOf(cliPlan));
        QCOMPARE(consolePlan.value(QLatin1String("source")).toString(), QStringLiteral("console probe panel"));
        QCOMPARE(cliPlan.value(QLatin1String("source")).toString(), QStringLiteral("certrotor-cli probe"));
        QCOMPARE(consolePlan.value(QLatin1String("targets")), cliPlan.value(QLatin1String("targets")));
        const QHash<QString, QString> consoleShas = bundleShas(consolePlan);
        const QHash<QString, QString> cliShas = bundleShas(cliPlan);
        QCOMPARE(consoleShas.size(), 3); // current, candidate, overlap
        QCOMPARE(cliShas.size(), 2); // current, candidate (the overlap file)
        QVERIFY(!cliShas.value(QStringLiteral("candidate")).isEmpty());
        QCOMPARE(consoleShas.value(QStringLiteral("overlap")), cliShas.value(QStringLiteral("candidate")));
        QCOMPARE(consoleShas.value(QStringLiteral("current")), cliShas.value(QStringLiteral("current")));
        for (const QJsonValue& c : consolePlan.value(QLatin1String("bundles")).toArray())
            QCOMPARE(keysOf(c.toObject()),
                     keysOf(cliPlan.value(QLatin1String("bundles")).toArray().first().toObject()));

        // --- The probes: the same bundleSha256 for the overlap at both servers, and the same keys.
        const QList<QJsonObject> consoleProbes = recordsOf(consoleLog, QStringLiteral("probe"));
        const QList<QJsonObject> cliProbes = recordsOf(cliLog, QStringLiteral("probe"));
        QCOMPARE(consoleProbes.size(), 6); // 2 targets x 3 bundles
        QCOMPARE(cliProbes.size(), 4); // 2 targets x 2 bundles
        QCOMPARE(probeShas(consoleProbes, QStringLiteral("overlap")),
                 QSet<QString> { cliShas.value(QStringLiteral("candidate")) });
        QCOMPARE(probeShas(cliProbes, QStringLiteral("candidate")),
                 QSet<QString> { cliShas.value(QStringLiteral("candidate")) });
        QCOMPARE(probeShas(consoleProbes, QStringLiteral("current")), probeShas(cliProbes, QStringLiteral("current")));
        QCOMPARE(keysOf(consoleProbes.first()), keysOf(cliProbes.first()));
        // The overlap works at both servers, in the console as in the CLI.
        for (const QJsonObject& p : consoleProbes + cliProbes) {
            const QString bundle = p.value(QLatin1String("bundle")).toString();
            const bool overlapProbe
                = p.value(QLatin1String("bundleSha256")).toString() == cliShas.value(QStringLiteral("candidate"));
            QCOMPARE(overlapProbe,
                     bundle == QLatin1String("overlap")
                         || (bundle == QLatin1String("candidate") && cliProbes.contains(p)));
            if (overlapProbe)
                QVERIFY2(p.value(QLatin1String("ok")).toBool(), qPrintable(p.value(QLatin1String("error")).toString()));
        }
    }
};

QTEST_MAIN(TestProbeParity)
#include "TestProbeParity.moc"
