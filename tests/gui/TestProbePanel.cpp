// SPDX-License-Identifier: GPL-3.0-or-later
// The console's Probe panel against real gRPC servers (certrotor-drill-server, grpc++) on the
// offscreen platform: a candidate that works where the current bundle fails, a wrong candidate, the
// overlap over old and new servers, bad targets refused inline, a bad candidate file refused whole,
// Cancel while a server hangs, mTLS with an encrypted key through the passphrase prompt, and the tab
// in the console window. The GUI thread is checked to keep running throughout.

#include "FileDialog.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "ProbePanel.h"
#include "ProbeResultsModel.h"
#include "ProbeTargetsModel.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "TrustStoreView.h"
#include "audit/AuditLog.h"
#include "audit/AuditVerify.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "util/Clock.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

std::shared_ptr<const Bundle> bundleOf(const QByteArray& pem, const QString& name)
{
    return std::make_shared<const Bundle>(parseBundle(pem, name));
}

QString address(quint16 port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

QString cell(const ProbePanel& panel, int row, int column)
{
    const ProbeResultsModel* m = panel.resultsModel();
    return m->data(m->index(row, column)).toString();
}

/// Ticks on the GUI thread every 10 ms and remembers the longest gap: a blocked GUI thread shows as
/// a long gap.
class TickMonitor : public QObject
{
public:
    TickMonitor()
    {
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            m_maxGapMs = std::max(m_maxGapMs, m_clock.restart());
            ++m_ticks;
        });
        m_clock.start();
        m_timer.start();
    }
    qint64 maxGapMs() const { return std::max(m_maxGapMs, m_clock.elapsed()); }
    int ticks() const { return m_ticks; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_maxGapMs = 0;
    int m_ticks = 0;
};

} // namespace

class TestProbePanel : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    qint64 m_now = 0;
    Hierarchy m_old, m_new, m_wrong;
    GrpcTestServer m_oldServer, m_newServer;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    /// Runs the panel's plan through its Run button and waits for planFinished.
    PlanVerdict runToEnd(ProbePanel& panel)
    {
        QSignalSpy finished(&panel, &ProbePanel::planFinished);
        panel.findChild<QPushButton*>(QStringLiteral("runProbePushButton"))->click();
        if (!panel.isRunning() && finished.isEmpty())
            return PlanVerdict{PlanVerdict::Kind::Incomplete, QStringLiteral("TEST: the run did not start"), {}};
        if (finished.isEmpty() && !finished.wait(30000))
            return PlanVerdict{PlanVerdict::Kind::Incomplete, QStringLiteral("TEST: the plan never finished"), {}};
        return finished.first().first().value<PlanVerdict>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CertRotor"));
        QCoreApplication::setApplicationName(QStringLiteral("certrotor-test"));
        QVERIFY(m_dir.isValid());
        // TLS verification runs on the real clock: certificates relative to now.
        m_now = QDateTime::currentSecsSinceEpoch();
        m_old = makeHierarchy(m_now, QStringLiteral("Old"));
        m_new = makeHierarchy(m_now, QStringLiteral("New"));
        m_wrong = makeHierarchy(m_now, QStringLiteral("Wrong"));
        QVERIFY(m_old.leaf.cert && m_new.leaf.cert && m_wrong.root.cert);
        QVERIFY(m_oldServer.start(grpcServerTlsArgs(m_dir.path(), QStringLiteral("old"), m_old.leaf, m_old.intermediate)));
        QVERIFY(m_newServer.start(grpcServerTlsArgs(m_dir.path(), QStringLiteral("new"), m_new.leaf, m_new.intermediate)));
    }

    void init()
    {
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
    }

    // Both models under QAbstractItemModelTester through every change they make.
    void modelsPassTheModelTester()
    {
        ProbeTargetsModel targets;
        QAbstractItemModelTester targetTester(&targets, QAbstractItemModelTester::FailureReportingMode::QtTest);
        targets.setRows({{QStringLiteral("a.example:443"), {}, {}}, {QStringLiteral("b.example:443"), {}, {}}});
        QCOMPARE(targets.addRow({QStringLiteral("a.example:443"), {}, {}}), 2);
        QVERIFY(targets.rowError(2).isError()); // a duplicate of row 1
        QVERIFY(targets.setData(targets.index(2, ProbeTargetsModel::ServiceColumn), QStringLiteral("payments")));
        QVERIFY(!targets.rowError(2).isError()); // another service: another target
        QVERIFY(targets.setData(targets.index(1, ProbeTargetsModel::AddressColumn), QStringLiteral("b.example")));
        QCOMPARE(targets.rowError(1).column, int(ProbeTargetsModel::AddressColumn));
        QCOMPARE(targets.errors(), QStringList{QStringLiteral("Row 2, target: expected HOST:PORT (the port is required)")});
        QVERIFY(!targets.targets().ok());
        QVERIFY(targets.removeRows(1, 1));
        QVERIFY(!targets.removeRows(5, 1));
        const Result<QList<ProbeTarget>> list = targets.targets();
        QVERIFY(list.ok());
        QCOMPARE(list.value().size(), 2);
        QCOMPARE(list.value().at(1).service, QStringLiteral("payments"));
        QCOMPARE(ProbeTargetsModel::rowsFromJson(targets.toJson()), targets.rows());
        QVERIFY(ProbeTargetsModel::rowsFromJson("not json").isEmpty());

        ProbeResultsModel results;
        QAbstractItemModelTester resultTester(&results, QAbstractItemModelTester::FailureReportingMode::QtTest);
        results.startPlan(list.value(), {QStringLiteral("current"), QStringLiteral("candidate")});
        QCOMPARE(results.rowCount(), 4);
        QCOMPARE(results.state(3), ProbeResultsModel::State::Running);
        ProbeResult r;
        r.target = list.value().at(1);
        r.bundleName = QStringLiteral("candidate");
        r.probeId = QStringLiteral("id");
        r.ok = true;
        r.stage = ProbeResult::Stage::Done;
        r.timings.totalMs = 12.34;
        results.setResult(3, r);
        results.setResult(3, r); // counted once
        results.setResult(9, r); // ignored
        QCOMPARE(results.finishedCount(), 1);
        QCOMPARE(results.state(3), ProbeResultsModel::State::Passed);
        QCOMPARE(results.data(results.index(3, ProbeResultsModel::TotalMsColumn)).toString(), QStringLiteral("12.3"));
        QCOMPARE(results.data(results.index(3, ProbeResultsModel::TargetColumn)).toString(), QStringLiteral("a.example:443 (payments)"));
        results.clear();
        QCOMPARE(results.rowCount(), 0);
    }

    // current = old CA, candidate = new CA, one server on the new certificate.
    void candidatePassesWhereCurrentFails()
    {
        // Every probe and the verdict go to the audit log, keyed with the HMAC key from the real keyring.
        AuditLog auditLog(path(QStringLiteral("panel-audit.jsonl")));
        QSignalSpy recorded(&auditLog, &AuditLog::entryAdded);
        auditLog.open();
        ProbePanel panel;
        panel.setAuditLog(&auditLog);
        panel.resize(1200, 700);
        panel.show();
        panel.targetsModel()->setRows({{address(m_newServer.port()), {}, {}}});
        panel.setCurrentBundle(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("old.pem"));
        panel.setIncomingBundle(bundleOf(m_new.root.pem(), QStringLiteral("incoming")), QStringLiteral("incoming dir"));
        QVERIFY2(panel.candidateDescription().contains(QLatin1String("incoming from incoming dir")),
                 qPrintable(panel.candidateDescription()));
        QCOMPARE(panel.findChild<QSpinBox*>(QStringLiteral("probeTimeoutSpinBox"))->value(), 5000);

        QSignalSpy finished(&panel, &ProbePanel::planFinished);
        QSignalSpy started(&panel, &ProbePanel::planStarted);
        QVERIFY(panel.run());
        // run() returned before any probe finished: the plan is asynchronous.
        QVERIFY(panel.isRunning());
        QCOMPARE(started.size(), 1);
        QCOMPARE(started.first().first().toInt(), 2);
        QCOMPARE(panel.resultsModel()->rowCount(), 2);
        QCOMPARE(panel.resultsModel()->finishedCount(), 0);
        QCOMPARE(cell(panel, 0, ProbeResultsModel::StatusColumn), QStringLiteral("running"));
        QVERIFY(!panel.findChild<QPushButton*>(QStringLiteral("runProbePushButton"))->isEnabled());
        QVERIFY(panel.findChild<QPushButton*>(QStringLiteral("cancelProbePushButton"))->isEnabled());
        QVERIFY(finished.wait(30000));
        const PlanVerdict verdict = finished.first().first().value<PlanVerdict>();
        QVERIFY2(verdict.passed(), qPrintable(verdict.text));
        QCOMPARE(verdict.kind, PlanVerdict::Kind::CandidateWorks);
        QVERIFY(panel.hasVerdict());
        QCOMPARE(panel.lastVerdict().kind, verdict.kind);
        QCOMPARE(panel.findChild<QLabel*>(QStringLiteral("probeProgressLabel"))->text(), QStringLiteral("2 of 2"));

        // Row 0: current (old CA) fails the TLS handshake; row 1: candidate passes, anchored by the new root.
        QCOMPARE(cell(panel, 0, ProbeResultsModel::BundleColumn), QStringLiteral("current"));
        QCOMPARE(cell(panel, 0, ProbeResultsModel::StatusColumn), QStringLiteral("failed"));
        QCOMPARE(cell(panel, 0, ProbeResultsModel::StageColumn), QStringLiteral("tls"));
        QVERIFY2(cell(panel, 0, ProbeResultsModel::ErrorColumn).contains(QLatin1String("not in the bundle")),
                 qPrintable(cell(panel, 0, ProbeResultsModel::ErrorColumn)));
        QVERIFY(cell(panel, 0, ProbeResultsModel::AnchorColumn).isEmpty());
        QCOMPARE(cell(panel, 1, ProbeResultsModel::BundleColumn), QStringLiteral("candidate"));
        QCOMPARE(cell(panel, 1, ProbeResultsModel::StatusColumn), QStringLiteral("passed"));
        QCOMPARE(cell(panel, 1, ProbeResultsModel::StageColumn), QStringLiteral("done"));
        QVERIFY(cell(panel, 1, ProbeResultsModel::ErrorColumn).isEmpty());
        QVERIFY(cell(panel, 1, ProbeResultsModel::TlsColumn).startsWith(QLatin1String("TLSv1.")));
        QCOMPARE(cell(panel, 1, ProbeResultsModel::AlpnColumn), QStringLiteral("h2"));
        QCOMPARE(cell(panel, 1, ProbeResultsModel::AnchorColumn), QStringLiteral("New Root CA"));
        QVERIFY(cell(panel, 1, ProbeResultsModel::TotalMsColumn).toDouble() > 0);

        // The verdict is shown prominently.
        const QString shown = panel.findChild<QLabel*>(QStringLiteral("probeVerdictLabel"))->text();
        QVERIFY2(shown.contains(QLatin1String("Passed")) && shown.contains(verdict.text), qPrintable(shown));

        // The details of the passing row: chain hashes, anchor, timings, ids; Copy as JSON.
        panel.resultsView()->selectRow(1);
        const QString details = panel.detailsText();
        const ProbeResult& r = panel.resultsModel()->result(1);
        for (const QString& needle :
             {r.probeId, r.bundleSha256, Certificate::fromDer(m_new.leaf.der()).value().info().sha256Hex(),
              Certificate::fromDer(m_new.intermediate.der()).value().info().sha256Hex(),
              Certificate::fromDer(m_new.root.der()).value().info().sha256Hex(), QStringLiteral("Timings (ms): connect")})
            QVERIFY2(details.contains(needle), qPrintable(needle + QStringLiteral(" missing from:\n") + details));
        auto* copy = panel.findChild<QPushButton*>(QStringLiteral("copyProbeJsonPushButton"));
        QVERIFY(copy->isEnabled());
        copy->click();
        const QJsonObject json = QJsonDocument::fromJson(QApplication::clipboard()->text().toUtf8()).object();
        QCOMPARE(json.value(QLatin1String("probeId")).toString(), r.probeId);
        QCOMPARE(json.value(QLatin1String("ok")).toBool(), true);
        QCOMPARE(json.value(QLatin1String("bundle")).toString(), QStringLiteral("candidate"));
        QCOMPARE(json.value(QLatin1String("target")).toString(), address(m_newServer.port()));

        // The audit log: one "probe" record per probe with its id, then the "probe-plan" with the verdict.
        QTRY_COMPARE_WITH_TIMEOUT(recorded.size(), 3, 15000);
        QCOMPARE(auditLog.macAlg(), QStringLiteral("hmac-sha256"));
        QSet<QString> ids;
        for (int i = 0; i < 2; ++i) {
            const AuditEntry e = recorded.at(i).first().value<AuditEntry>();
            QCOMPARE(e.event, QStringLiteral("probe"));
            ids.insert(e.data.value(QLatin1String("probeId")).toString());
        }
        QCOMPARE(ids, (QSet<QString>{panel.resultsModel()->result(0).probeId, panel.resultsModel()->result(1).probeId}));
        const AuditEntry plan = recorded.at(2).first().value<AuditEntry>();
        QCOMPARE(plan.event, QStringLiteral("probe-plan"));
        QCOMPARE(plan.data.value(QLatin1String("verdict")).toObject().value(QLatin1String("kind")).toString(),
                 QStringLiteral("candidate-works"));
        QCOMPARE(plan.data.value(QLatin1String("probeIds")).toArray().size(), 2);
        QCOMPARE(plan.seq, 3);
        const AuditVerifyReport report = verifyAuditLog(auditLog.path());
        QVERIFY(report.ok && report.records == 3 && report.hmacRecords == 3);

        // Changing the inputs voids the verdict (the commit step must not gate on a stale one).
        QSignalSpy invalidated(&panel, &ProbePanel::verdictInvalidated);
        panel.findChild<QCheckBox*>(QStringLiteral("probeSystemCasCheckBox"))->setChecked(true);
        QCOMPARE(invalidated.size(), 1);
        QVERIFY(!panel.hasVerdict());
        QVERIFY(!panel.lastVerdict().passed());
    }

    // A candidate from the wrong CA fails; the failing row shows the verify error.
    void wrongCandidateFails()
    {
        ProbePanel panel;
        panel.targetsModel()->setRows({{address(m_oldServer.port()), {}, {}}});
        panel.setCurrentBundle(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("old.pem"));
        panel.setIncomingBundle(bundleOf(m_wrong.root.pem(), QStringLiteral("wrong")), QStringLiteral("wrong source"));
        const PlanVerdict verdict = runToEnd(panel);
        QCOMPARE(verdict.kind, PlanVerdict::Kind::CandidateFails);
        QVERIFY(!verdict.passed());
        QVERIFY2(verdict.text.contains(QLatin1String("would break")), qPrintable(verdict.text)); // current works today
        QCOMPARE(verdict.details.size(), 1);
        QVERIFY2(verdict.details.first().contains(QLatin1String("not in the bundle")), qPrintable(verdict.details.first()));
        const QString shown = panel.findChild<QLabel*>(QStringLiteral("probeVerdictLabel"))->text();
        QVERIFY2(shown.contains(QLatin1String("Failed")), qPrintable(shown));
        QCOMPARE(panel.findChild<QLabel*>(QStringLiteral("probeVerdictDetailsLabel"))->text(), verdict.details.first());

        QCOMPARE(cell(panel, 0, ProbeResultsModel::StatusColumn), QStringLiteral("passed")); // current
        QCOMPARE(cell(panel, 1, ProbeResultsModel::StatusColumn), QStringLiteral("failed")); // candidate
        QCOMPARE(cell(panel, 1, ProbeResultsModel::StageColumn), QStringLiteral("tls"));
        panel.resultsView()->selectRow(1);
        const ProbeResult& r = panel.resultsModel()->result(1);
        QVERIFY(!r.verifyErrors.isEmpty());
        const QString details = panel.detailsText();
        QVERIFY2(details.contains(QLatin1String("Verify errors:")) && details.contains(QLatin1String("[untrusted]")),
                 qPrintable(details));
        QVERIFY2(details.contains(r.verifyErrors.first().message), qPrintable(details));
        QVERIFY2(details.contains(r.verifyErrors.first().sha256) && !r.verifyErrors.first().sha256.isEmpty(), qPrintable(details));
        QVERIFY2(details.contains(QLatin1String("Anchor: none")), qPrintable(details));
    }

    // Servers on the old and on the new certificate: a candidate with both CAs (chosen as a file)
    // and the overlap pass while the current bundle fails at the new server.
    void overlapKeepsOldAndNewServersWorking()
    {
        const QString both = path(QStringLiteral("both.pem"));
        QVERIFY(writeFile(both, m_new.root.pem() + m_old.root.pem()));
        ProbePanel panel;
        panel.targetsModel()->setRows({{address(m_oldServer.port()), {}, {}}, {address(m_newServer.port()), {}, {}}});
        panel.setCurrentBundle(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("old.pem"));
        QSignalSpy candidate(&panel, &ProbePanel::candidateChanged);
        FileDialog::instance()->setNextFileName(both);
        panel.findChild<QPushButton*>(QStringLiteral("chooseCandidatePushButton"))->click();
        QVERIFY(candidate.wait(10000)); // parsed on the pool
        QVERIFY2(panel.candidateDescription().contains(QLatin1String("both.pem")), qPrintable(panel.candidateDescription()));
        auto* overlap = panel.findChild<QCheckBox*>(QStringLiteral("probeOverlapCheckBox"));
        QVERIFY(overlap->isEnabled());
        overlap->setChecked(true);

        const PlanVerdict verdict = runToEnd(panel);
        QVERIFY2(verdict.passed(), qPrintable(verdict.text));
        QCOMPARE(verdict.kind, PlanVerdict::Kind::OverlapWorks);
        QCOMPARE(panel.resultsModel()->rowCount(), 6); // 2 targets x current, candidate, overlap
        const QStringList expected{QStringLiteral("passed"), QStringLiteral("failed"), // current: old ok, new fails
                                   QStringLiteral("passed"), QStringLiteral("passed"), // candidate
                                   QStringLiteral("passed"), QStringLiteral("passed")}; // overlap
        for (int row = 0; row < 6; ++row)
            QCOMPARE(cell(panel, row, ProbeResultsModel::StatusColumn), expected[row]);
        QCOMPARE(cell(panel, 4, ProbeResultsModel::BundleColumn), QStringLiteral("overlap"));
        QCOMPARE(cell(panel, 2, ProbeResultsModel::AnchorColumn), QStringLiteral("Old Root CA"));
        QCOMPARE(cell(panel, 3, ProbeResultsModel::AnchorColumn), QStringLiteral("New Root CA"));
    }

    // A bundle file with a bad block is refused whole, located, and the candidate stays.
    void badCandidateFileChangesNothing()
    {
        const QString garbage = path(QStringLiteral("garbage.pem"));
        QVERIFY(writeFile(garbage, m_new.root.pem() + "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"));
        AuditLog auditLog(path(QStringLiteral("rejected-audit.jsonl")));
        auditLog.openWithoutKeyring();
        QSignalSpy recorded(&auditLog, &AuditLog::entryAdded);
        ProbePanel panel;
        panel.setAuditLog(&auditLog);
        panel.setIncomingBundle(bundleOf(m_new.root.pem(), QStringLiteral("incoming")), QStringLiteral("incoming dir"));
        const QString before = panel.candidateDescription();
        QSignalSpy failed(&panel, &ProbePanel::candidateLoadFailed);
        QSignalSpy changed(&panel, &ProbePanel::candidateChanged);
        panel.loadCandidateFile(garbage);
        QVERIFY(failed.wait(10000));
        QCOMPARE(changed.size(), 0);
        QCOMPARE(panel.candidateDescription(), before);
        QVERIFY(panel.banner()->isVisibleTo(&panel));
        QCOMPARE(panel.banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY2(panel.banner()->text().contains(QLatin1String("garbage.pem")) && panel.banner()->text().contains(QLatin1String("block 2")),
                 qPrintable(panel.banner()->text()));
        QVERIFY2(panel.banner()->text().contains(QLatin1String("nothing changed")), qPrintable(panel.banner()->text()));
        // Recorded as refused input, with the located error and never the file's contents.
        QTRY_COMPARE(recorded.size(), 1);
        const AuditEntry rejected = recorded.first().first().value<AuditEntry>();
        QCOMPARE(rejected.event, QStringLiteral("input-rejected"));
        QCOMPARE(rejected.data.value(QLatin1String("value")).toString(), garbage);
        QVERIFY(QJsonDocument(rejected.data).toJson().contains("block 2"));
        QVERIFY(!readFile(auditLog.path()).contains("@@@@"));

        // A file that is not there: the same.
        panel.loadCandidateFile(path(QStringLiteral("missing.pem")));
        QVERIFY(failed.wait(10000));
        QVERIFY2(panel.banner()->text().contains(QLatin1String("missing.pem")), qPrintable(panel.banner()->text()));
        QCOMPARE(panel.candidateDescription(), before);
    }

    // Bad targets: an inline, located error, and no plan starts. Good targets persist.
    void invalidTargetsAreRefusedInline()
    {
        {
            ProbePanel panel;
            panel.resize(1000, 700);
            panel.show();
            QVERIFY(QTest::qWaitForWindowActive(&panel));
            panel.setIncomingBundle(bundleOf(m_new.root.pem(), QStringLiteral("incoming")), QStringLiteral("incoming"));
            QSignalSpy started(&panel, &ProbePanel::planStarted);
            auto* errors = panel.findChild<QLabel*>(QStringLiteral("probeTargetErrorLabel"));

            // No targets at all.
            QVERIFY(!panel.run());
            QVERIFY(errors->isVisible());
            QVERIFY2(errors->text().contains(QLatin1String("at least one target")), qPrintable(errors->text()));

            // Typed into the table like an operator: Add, type, Enter.
            panel.findChild<QPushButton*>(QStringLiteral("addProbeTargetPushButton"))->click();
            QCOMPARE(panel.targetsModel()->rowCount(), 1);
            QLineEdit* editor = nullptr; // Add opened the new row's editor
            QTRY_VERIFY((editor = panel.targetsView()->viewport()->findChild<QLineEdit*>()));
            QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(editor));
            QTest::keyClicks(editor, QStringLiteral("localhost:70000"));
            QTest::keyClick(editor, Qt::Key_Return);
            QTRY_COMPARE(panel.targetsModel()->rows().first().address, QStringLiteral("localhost:70000")); // committed (queued)
            QVERIFY(errors->isVisible());
            QCOMPARE(errors->text(), QStringLiteral("Row 1, target: '70000' is not a port (1-65535)"));
            const QModelIndex bad = panel.targetsModel()->index(0, ProbeTargetsModel::AddressColumn);
            QCOMPARE(bad.data(Qt::ToolTipRole).toString(), QStringLiteral("'70000' is not a port (1-65535)"));
            QVERIFY(!panel.run());

            panel.targetsModel()->addRow({QStringLiteral(":50051"), {}, {}});
            panel.targetsModel()->addRow({QStringLiteral("good.example:443"), QStringLiteral("bad name"), {}});
            panel.targetsModel()->addRow({QStringLiteral("good.example:443"), {}, {}});
            panel.targetsModel()->addRow({QStringLiteral("GOOD.example:443"), {}, {}});
            QVERIFY(!panel.run());
            const QString text = errors->text();
            QVERIFY2(text.contains(QLatin1String("Row 2, target: the host is empty")), qPrintable(text));
            QVERIFY2(text.contains(QLatin1String("Row 3, server name: 'bad name' is not a valid host name")), qPrintable(text));
            QVERIFY2(!text.contains(QLatin1String("Row 4")), qPrintable(text));
            QVERIFY2(text.contains(QLatin1String("Row 5, target: the same target as row 4")), qPrintable(text));
            QCOMPARE(started.size(), 0);
            QCOMPARE(panel.resultsModel()->rowCount(), 0);
            QVERIFY(!panel.isRunning());

            // Fixed in place: the errors go away.
            panel.targetsModel()->setData(bad, QStringLiteral("localhost:7000"));
            panel.targetsModel()->removeRows(1, 2);
            panel.targetsModel()->removeRows(2, 1);
            QVERIFY(errors->isHidden());
            QVERIFY(panel.targetsModel()->targets().ok());
        }
        // The target list persisted (and nothing else is in the probe settings).
        ProbePanel again;
        QCOMPARE(again.targetsModel()->rowCount(), 2);
        QCOMPARE(again.targetsModel()->rows().at(0).address, QStringLiteral("localhost:7000"));
        QCOMPARE(again.targetsModel()->rows().at(1).address, QStringLiteral("good.example:443"));
        QSettings settings(QStringLiteral("CertRotor"), QStringLiteral("certrotor"));
        settings.beginGroup(QStringLiteral("probe"));
        QCOMPARE(settings.childKeys(), QStringList{QStringLiteral("targets")});
    }

    // Cancel while the server hangs: the rows say cancelled, the verdict is incomplete, the GUI
    // thread kept running all along, and the panel can run again.
    void cancelWhileAServerHangs()
    {
        SilentTcpServer silent;
        QVERIFY(silent.listenLocal());
        ProbePanel panel;
        panel.targetsModel()->setRows({{address(silent.serverPort()), {}, {}}});
        panel.setCurrentBundle(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("old.pem"));
        panel.setIncomingBundle(bundleOf(m_new.root.pem(), QStringLiteral("incoming")), QStringLiteral("incoming"));
        panel.findChild<QSpinBox*>(QStringLiteral("probeTimeoutSpinBox"))->setValue(60000);

        QSignalSpy finished(&panel, &ProbePanel::planFinished);
        const TickMonitor ticks;
        QVERIFY(panel.run());
        QTRY_VERIFY_WITH_TIMEOUT(silent.acceptedCount() == 2, 10000); // both probes connected, and hang
        QTest::qWait(300); // hung for a while: the GUI thread keeps ticking
        QCOMPARE(panel.resultsModel()->finishedCount(), 0);
        QVERIFY(panel.isRunning());
        panel.findChild<QPushButton*>(QStringLiteral("cancelProbePushButton"))->click();
        QVERIFY(finished.size() == 1 || finished.wait(5000));
        const PlanVerdict verdict = finished.first().first().value<PlanVerdict>();
        QCOMPARE(verdict.kind, PlanVerdict::Kind::Incomplete);
        QVERIFY(!verdict.passed());
        for (int row = 0; row < 2; ++row) {
            QCOMPARE(cell(panel, row, ProbeResultsModel::StatusColumn), QStringLiteral("cancelled"));
            QCOMPARE(cell(panel, row, ProbeResultsModel::ErrorColumn), QStringLiteral("cancelled"));
        }
        QVERIFY2(panel.findChild<QLabel*>(QStringLiteral("probeVerdictLabel"))->text().startsWith(QLatin1String("Incomplete")),
                 qPrintable(panel.findChild<QLabel*>(QStringLiteral("probeVerdictLabel"))->text()));
        QVERIFY(!panel.isRunning());
        QVERIFY(panel.findChild<QPushButton*>(QStringLiteral("runProbePushButton"))->isEnabled());
        QVERIFY(!panel.findChild<QPushButton*>(QStringLiteral("cancelProbePushButton"))->isEnabled());
        QVERIFY2(ticks.ticks() >= 20, qPrintable(QString::number(ticks.ticks())));
        QVERIFY2(ticks.maxGapMs() < 1000, qPrintable(QStringLiteral("the GUI thread stalled for %1 ms").arg(ticks.maxGapMs())));

        // The panel runs again after a cancel.
        panel.targetsModel()->setRows({{address(m_newServer.port()), {}, {}}});
        const PlanVerdict again = runToEnd(panel);
        QVERIFY2(again.passed(), qPrintable(again.text));
    }

private:
    // A client certificate with an encrypted key (files under `name`), and an mTLS server trusting its CA.
    struct MtlsClient
    {
        QString certFile, keyFile, clientCa;
    };
    MtlsClient makeMtlsClient(const QString& name, const QByteArray& secret)
    {
        const Hierarchy clients = makeHierarchy(m_now, name + QStringLiteral(" Clients"));
        const Issued client = issueClientCertificate(m_now, clients);
        MtlsClient c{path(name + QStringLiteral("-client.pem")), path(name + QStringLiteral("-client-encrypted.key")),
                     path(name + QStringLiteral("-clients-ca.pem"))};
        writeFile(c.clientCa, clients.root.pem());
        writeFile(c.certFile, client.pem() + clients.intermediate.pem());
        writeFile(c.keyFile, client.encryptedKeyPem(secret));
        return c;
    }
    bool startMtlsServer(GrpcTestServer& server, const MtlsClient& c)
    {
        return server.start(grpcServerTlsArgs(m_dir.path(), QStringLiteral("mtls"), m_old.leaf, m_old.intermediate)
                            + QStringList{QStringLiteral("--client-ca"), c.clientCa});
    }
    // The panel set up to probe `port` with the old root as candidate and `c` as its client identity.
    void setUpMtlsPanel(ProbePanel& panel, quint16 port, const MtlsClient& c)
    {
        panel.show();
        panel.targetsModel()->setRows({{address(port), {}, {}}});
        panel.setIncomingBundle(bundleOf(m_old.root.pem(), QStringLiteral("old")), QStringLiteral("old"));
        FileDialog::instance()->setNextFileName(c.certFile);
        panel.findChild<QPushButton*>(QStringLiteral("clientCertificateBrowsePushButton"))->click();
        FileDialog::instance()->setNextFileName(c.keyFile);
        panel.findChild<QPushButton*>(QStringLiteral("clientKeyBrowsePushButton"))->click();
    }
    // What the keyring holds for `account` (the real Secret Service of this test's session).
    std::optional<QByteArray> keyringEntry(const QString& account)
    {
        Keyring keyring;
        std::optional<Result<std::optional<QByteArray>>> got;
        keyring.read(account, [&](Result<std::optional<QByteArray>> r) { got = std::move(r); });
        if (!QTest::qWaitFor([&] { return got.has_value(); }, 15000)) {
            qWarning() << "keyring: no answer";
            return std::nullopt;
        }
        if (!got->ok())
            qWarning() << "keyring:" << got->error().text();
        return got->ok() ? got->value() : std::nullopt;
    }

private Q_SLOTS:
    // mTLS with an encrypted key: the passphrase is asked for (password echo), used, never stored.
    void encryptedClientKeyAsksForThePassphrase()
    {
        const QByteArray secret = "gui-s3cret-passphrase";
        const MtlsClient c = makeMtlsClient(QStringLiteral("asked"), secret);
        GrpcTestServer server;
        QVERIFY(startMtlsServer(server, c));

        ProbePanel panel;
        setUpMtlsPanel(panel, server.port(), c);
        QCOMPARE(panel.findChild<QLineEdit*>(QStringLiteral("clientKeyLineEdit"))->text(), c.keyFile);
        panel.findChild<QCheckBox*>(QStringLiteral("sendClientCertificateCheckBox"))->setChecked(true);
        QVERIFY(!panel.findChild<QCheckBox*>(QStringLiteral("rememberPassphraseCheckBox"))->isChecked()); // opt-in

        // Refused prompt: a clear message, no probe.
        QSignalSpy started(&panel, &ProbePanel::planStarted);
        QVERIFY(panel.run());
        QInputDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))), 10000);
        QCOMPARE(dialog->textEchoMode(), QLineEdit::Password);
        dialog->reject();
        QTRY_VERIFY(!panel.isRunning());
        QTRY_VERIFY(!panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))); // deleted on close
        QCOMPARE(started.size(), 0);
        QVERIFY2(panel.banner()->text().contains(QLatin1String("encrypted and no passphrase was given")),
                 qPrintable(panel.banner()->text()));

        // Answered: the identity loads off the GUI thread and the mTLS server accepts the probe.
        QSignalSpy finished(&panel, &ProbePanel::planFinished);
        QVERIFY(panel.run());
        QTRY_VERIFY_WITH_TIMEOUT((dialog = panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))), 10000);
        dialog->setTextValue(QString::fromLatin1(secret));
        dialog->accept();
        QVERIFY(finished.wait(30000));
        const PlanVerdict verdict = finished.first().first().value<PlanVerdict>();
        QVERIFY2(verdict.passed(), qPrintable(verdict.text + QLatin1Char('\n') + verdict.details.join(QLatin1Char('\n'))));
        QVERIFY2(panel.findChild<QLabel*>(QStringLiteral("probeIdentityLabel"))->text().contains(QLatin1String("certrotor-probe")),
                 qPrintable(panel.findChild<QLabel*>(QStringLiteral("probeIdentityLabel"))->text()));

        // The passphrase is nowhere: not in the panel's texts, the settings or the results.
        panel.resultsView()->selectRow(0);
        QVERIFY(!panel.detailsText().contains(QString::fromLatin1(secret)));
        QVERIFY(!panel.selectedResultJson().contains(QString::fromLatin1(secret)));
        QVERIFY(!panel.banner()->text().contains(QString::fromLatin1(secret)));
        const QSettings settings(QStringLiteral("CertRotor"), QStringLiteral("certrotor"));
        QVERIFY(!readFile(settings.fileName()).contains(secret));
        QVERIFY(!keyringEntry(keyring::keyPassphraseAccount(readFile(c.keyFile)))); // not asked to keep it
        // Run again: the identity is kept in memory for the same files, no second prompt. The last
        // verdict is void while the new run goes on.
        QSignalSpy second(&panel, &ProbePanel::planFinished);
        QVERIFY(panel.hasVerdict());
        QVERIFY(panel.run());
        QVERIFY(!panel.hasVerdict());
        QVERIFY(!panel.lastVerdict().passed());
        QVERIFY(second.wait(30000));
        QVERIFY(second.first().first().value<PlanVerdict>().passed());
        QVERIFY(!panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))
                || panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))->isHidden());
    }

    // The keyring (the real Secret Service, through with-keyring.sh): a typed passphrase is kept only
    // when the operator asks and only once it has decrypted the key; a fresh panel then finds it and
    // never asks; a kept passphrase that no longer works is reported with how to remove it.
    void keyringKeepsAndSuppliesThePassphrase()
    {
        const QByteArray secret = "kept-in-the-keyring";
        const MtlsClient c = makeMtlsClient(QStringLiteral("kept"), secret);
        const QString account = keyring::keyPassphraseAccount(readFile(c.keyFile));
        GrpcTestServer server;
        QVERIFY(startMtlsServer(server, c));
        QVERIFY(!keyringEntry(account));

        const auto answer = [](ProbePanel& panel, const QByteArray& typed) {
            QInputDialog* dialog = nullptr;
            QTRY_VERIFY_WITH_TIMEOUT((dialog = panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog"))), 15000);
            QVERIFY2(dialog->labelText().contains(QLatin1String("No passphrase is kept in the keyring")), qPrintable(dialog->labelText()));
            dialog->setTextValue(QString::fromLatin1(typed));
            dialog->accept();
        };
        {
            // A wrong passphrase, with "keep" ticked: refused, and nothing is kept.
            ProbePanel panel;
            setUpMtlsPanel(panel, server.port(), c);
            panel.findChild<QCheckBox*>(QStringLiteral("rememberPassphraseCheckBox"))->setChecked(true);
            QSignalSpy started(&panel, &ProbePanel::planStarted);
            QVERIFY(panel.run());
            answer(panel, "not-the-passphrase");
            if (QTest::currentTestFailed())
                return;
            QTRY_VERIFY_WITH_TIMEOUT(!panel.isRunning(), 15000);
            QCOMPARE(started.size(), 0);
            QVERIFY2(panel.banner()->text().contains(QLatin1String("does not decrypt")), qPrintable(panel.banner()->text()));
            QVERIFY(!keyringEntry(account));

            // The right one: the probe passes and the passphrase is kept.
            QSignalSpy finished(&panel, &ProbePanel::planFinished);
            QVERIFY(panel.run());
            answer(panel, secret);
            if (QTest::currentTestFailed())
                return;
            QVERIFY(finished.wait(30000));
            QVERIFY2(finished.first().first().value<PlanVerdict>().passed(), qPrintable(panel.banner()->text()));
            QTRY_VERIFY_WITH_TIMEOUT(keyringEntry(account) == std::optional<QByteArray>(secret), 15000);
            QTRY_VERIFY(panel.findChild<QLabel*>(QStringLiteral("probeIdentityLabel"))->text().contains(QLatin1String("kept in the keyring")));
            QVERIFY(!panel.banner()->text().contains(QString::fromLatin1(secret)));
        }
        {
            // A fresh panel (nothing in memory): the keyring supplies it, no dialog.
            ProbePanel panel;
            setUpMtlsPanel(panel, server.port(), c);
            QSignalSpy finished(&panel, &ProbePanel::planFinished);
            QVERIFY(panel.run());
            QVERIFY(finished.wait(30000));
            QVERIFY2(finished.first().first().value<PlanVerdict>().passed(), qPrintable(panel.banner()->text()));
            QVERIFY(!panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog")));
            const QString label = panel.findChild<QLabel*>(QStringLiteral("probeIdentityLabel"))->text();
            QVERIFY2(label.contains(QLatin1String("passphrase from the keyring")), qPrintable(label));
        }
        {
            // The kept passphrase no longer decrypts the key: a clear error with the way out, no probe.
            Keyring keyring;
            bool written = false;
            keyring.write(account, "stale-passphrase", [&](Result<std::monostate> r) { written = r.ok(); });
            QTRY_VERIFY_WITH_TIMEOUT(written, 15000);
            ProbePanel panel;
            setUpMtlsPanel(panel, server.port(), c);
            QSignalSpy started(&panel, &ProbePanel::planStarted);
            QVERIFY(panel.run());
            QTRY_VERIFY_WITH_TIMEOUT(!panel.isRunning(), 15000);
            QCOMPARE(started.size(), 0);
            QVERIFY(!panel.findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog")));
            QVERIFY2(panel.banner()->text().contains(QLatin1String("kept in the keyring")) &&
                         panel.banner()->text().contains(QLatin1String("forget-passphrase")),
                     qPrintable(panel.banner()->text()));
            QVERIFY(!panel.banner()->text().contains(QLatin1String("stale-passphrase")));
        }
    }

    // In the console: a "Probe" tab fed with the open store; Ctrl+R runs from any tab.
    void consoleTabAndShortcut()
    {
        const QString store = path(QStringLiteral("console/store.pem"));
        QVERIFY(writeFile(store, m_old.root.pem()));
        FixedClock clock(QDateTime::currentDateTimeUtc());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        w.openStore(store);
        QVERIFY(loaded.wait(10000));
        ProbePanel* panel = w.probePanel();
        QVERIFY(panel);
        const int tab = w.tabs()->indexOf(panel);
        QVERIFY(tab >= 0);
        QCOMPARE(w.tabs()->tabText(tab), QStringLiteral("Probe"));
        const QString current = panel->findChild<QLabel*>(QStringLiteral("probeCurrentLabel"))->text();
        QVERIFY2(current.contains(QLatin1String("store.pem")) && current.contains(QLatin1String("1 certificate")), qPrintable(current));
        QCOMPARE(panel->banner(), w.banner());

        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.tabs()->setCurrentWidget(w.trustStoreView());
        panel->targetsModel()->setRows({{address(m_oldServer.port()), {}, {}}});
        QSignalSpy candidate(panel, &ProbePanel::candidateChanged);
        panel->loadCandidateFile(store); // candidate = current: passes
        QVERIFY(candidate.wait(10000));
        QSignalSpy finished(panel, &ProbePanel::planFinished);
        QCOMPARE(panel->runAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+R")));
        QTest::keyClick(&w, Qt::Key_R, Qt::ControlModifier);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(panel));
        QVERIFY(finished.wait(30000));
        QVERIFY(finished.first().first().value<PlanVerdict>().passed());
    }
};

QTEST_MAIN(TestProbePanel)
#include "TestProbePanel.moc"
