// SPDX-License-Identifier: GPL-3.0-or-later
// The Rotate and Drill tabs end to end on the offscreen platform, against the real grpc++ server
// (certrotor-drill-server, re-reading its certificate every second) and the Kubernetes API test server:
// a store, a new CA lands in a watched directory, the preview appears, one action stages it, dry run
// (the byte diff), commit overlap, confirm (anchored by the old CA), a too-early retire refused naming the
// target, the server renewed from the new CA, confirm (anchored by the new CA), retire, roll back — the
// store table and the audit table following every step. Then the refusals (a failing probe keeps Commit
// disabled with its reason, an override needs a typed reason, a conflict is shown and re-staged), a
// Secret destination, an open rotation picked up by the next window, and the drill view walking the
// whole drill. Every new model runs under QAbstractItemModelTester; a timer probe measures the longest
// event-loop stall of the flow.

#include "AuditLogModel.h"
#include "AuditPanel.h"
#include "DrillPanel.h"
#include "DrillStepsModel.h"
#include "IncomingView.h"
#include "KubeApiServer.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "ProbePanel.h"
#include "ProbeTargetsModel.h"
#include "ReasonDialog.h"
#include "RotatePanel.h"
#include "RotationModel.h"
#include "TestPeers.h"
#include "TrustStoreModel.h"
#include "TrustStoreView.h"
#include "audit/AuditLog.h"
#include "util/Clock.h"

#include <QAbstractItemModelTester>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <memory>
#include <optional>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

/// The longest gap between ticks of a 5 ms timer on the GUI thread: an event-loop stall.
class StallProbe {
public:
    StallProbe()
    {
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 gap = m_clock.restart();
            if (gap > m_max) {
                m_max = gap;
                m_where = m_phase;
            }
        });
        m_clock.start();
        m_timer.start();
    }
    qint64 maxGapMs() const { return m_max; }
    /// Names what the flow does from now on (the report says during what the longest stall came).
    void phase(const char* name) { m_phase = name; }
    const char* where() const { return m_where; }

private:
    const char* m_phase = "start";
    const char* m_where = "";
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_max = 0;
};

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool waitOutcome(RotatePanel* panel, rotation::Outcome* out, int timeoutMs = 30000)
{
    QSignalSpy spy(panel, &RotatePanel::operationFinished);
    if (!spy.wait(timeoutMs))
        return false;
    *out = spy.takeFirst().at(0).value<rotation::Outcome>();
    return true;
}

QStringList auditEvents(const AuditPanel* panel)
{
    QStringList out;
    for (const AuditEntry& e : panel->model()->entries())
        out << e.event;
    return out;
}

bool processAlive(qint64 pid)
{
    return pid > 0 && ::kill(pid_t(pid), 0) == 0;
}

} // namespace

class TestRotatePanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CertRotor"));
        QCoreApplication::setApplicationName(QStringLiteral("certrotor-test"));
        QVERIFY(m_tmp.isValid());
        m_now = QDateTime::currentSecsSinceEpoch();
        m_old = makeHierarchy(m_now, QStringLiteral("Old"));
        m_new = makeHierarchy(m_now, QStringLiteral("New"));
        m_other = makeHierarchy(m_now, QStringLiteral("Other"));
        QVERIFY(m_old.leaf.cert && m_new.leaf.cert && m_other.leaf.cert);
        // The server re-reads its certificate every second (as after a cert-manager renewal).
        m_serverDir = m_tmp.filePath(QStringLiteral("server"));
        const QStringList args = grpcServerTlsArgs(m_serverDir, QStringLiteral("api"), m_old.leaf, m_old.intermediate);
        QVERIFY(!args.isEmpty());
        QVERIFY(m_server.start(args + QStringList { QStringLiteral("--refresh-secs"), QStringLiteral("1") }));
        // A server whose chain neither bundle trusts: every probe of it fails.
        const QStringList otherArgs = grpcServerTlsArgs(m_tmp.filePath(QStringLiteral("other")),
                                                        QStringLiteral("other"), m_other.leaf, m_other.intermediate);
        QVERIFY(m_untrusted.start(otherArgs));
        m_audit = std::make_unique<AuditLog>(m_tmp.filePath(QStringLiteral("audit.jsonl")), &Clock::system());
        m_audit->openWithoutKeyring();
    }

    void init()
    {
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
        // Each test keeps its rotations' state apart.
        qputenv("CERTROTOR_STATE_DIR",
                m_tmp.filePath(QStringLiteral("state-%1").arg(QString::fromLatin1(QTest::currentTestFunction())))
                    .toLocal8Bit());
    }

    void wholeRotationThroughTheConsole()
    {
        // Measured from the moment the window is up with its store (its first layout and paint are not the flow).
        std::optional<StallProbe> probe;
        const QString dir = m_tmp.filePath(QStringLiteral("flow"));
        const QString store = dir + QStringLiteral("/store/ca-bundle.pem");
        const QString incoming = dir + QStringLiteral("/incoming");
        QVERIFY(writeFile(store, m_old.root.pem()));
        QVERIFY(QDir().mkpath(incoming));
        MainWindow w(Clock::system());
        w.setAuditLog(m_audit.get());
        tuneForTests(w);
        QAbstractItemModelTester rotationTester(w.rotatePanel()->model(),
                                                QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester targetsTester(w.rotatePanel()->targetsModel(),
                                               QAbstractItemModelTester::FailureReportingMode::QtTest);
        w.show();
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        w.openStore(store);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 1);
        QTest::qWait(100); // the first paint of the tabs
        probe.emplace();
        StallProbe& stall = *probe;
        setTarget(w, m_server.port());
        stall.phase("watch");
        QVERIFY(w.addSourceSpec(incoming));

        // A new CA lands in the watched directory: the preview appears, with the one action to stage it.
        QSignalSpy ready(&w, &MainWindow::incomingReady);
        stall.phase("incoming");
        QVERIFY(writeFile(incoming + QStringLiteral("/new-ca.pem"), m_new.root.pem()));
        QVERIFY(ready.wait(10000));
        QVERIFY(w.incomingView()->stageButton()->isEnabled());
        RotatePanel* panel = w.rotatePanel();
        QVERIFY(!panel->button(QStringLiteral("commit"))->isEnabled());
        QCOMPARE(panel->reasonFor(QStringLiteral("commit")), QStringLiteral("nothing staged"));

        rotation::Outcome out;
        {
            QSignalSpy done(panel, &RotatePanel::operationFinished);
            stall.phase("stage");
            QTest::mouseClick(w.incomingView()->stageButton(), Qt::LeftButton);
            QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(panel));
            QVERIFY(done.wait(30000));
            out = done.takeFirst().at(0).value<rotation::Outcome>();
        }
        QVERIFY2(out.ok, qPrintable(out.message));
        QCOMPARE(out.operation, QStringLiteral("stage"));
        QCOMPARE(panel->model()->rowCount(), 1);
        QCOMPARE(panel->model()->index(0, RotationModel::PhaseColumn).data().toString(), QStringLiteral("staged"));
        QCOMPARE(readAll(store), m_old.root.pem()); // staging writes nothing
        QVERIFY(panel->button(QStringLiteral("commit"))->isEnabled());
        QVERIFY2(panel->diffText().contains(QStringLiteral("1 → 2 certificates")), qPrintable(panel->diffText()));
        QVERIFY(!panel->button(QStringLiteral("retire"))->isEnabled());
        QVERIFY(panel->reasonFor(QStringLiteral("retire")).contains(QStringLiteral("only an overlap can be retired")));
        QVERIFY(!panel->button(QStringLiteral("stage"))->isEnabled()); // one open rotation at a time

        // Dry run: the bytes that would change, nothing written.
        stall.phase("dry run");
        QTest::mouseClick(panel->button(QStringLiteral("dryRun")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        const QString diff = panel->diffText();
        QVERIFY2(diff.contains(store) && diff.contains(QStringLiteral("+-----BEGIN CERTIFICATE-----")),
                 qPrintable(diff));
        QCOMPARE(readAll(store), m_old.root.pem());

        // Commit the overlap: written, confirmed, the target anchored by the old CA; the store table follows.
        QSignalSpy storeReloaded(&w, &MainWindow::storeLoaded);
        stall.phase("commit overlap");
        QTest::mouseClick(panel->button(QStringLiteral("commit")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QCOMPARE(readAll(store), m_new.root.pem() + m_old.root.pem());
        QCOMPARE(panel->model()->index(0, RotationModel::PhaseColumn).data().toString(),
                 QStringLiteral("overlap (old + new)"));
        QCOMPARE(panel->model()->index(0, RotationModel::ConfirmedColumn).data().toString(), QStringLiteral("yes"));
        QCOMPARE(panel->targetsModel()->rowCount(), 1);
        QCOMPARE(panel->targetsModel()->statusAt(0)->anchoredBy, QStringLiteral("old"));
        QVERIFY(panel->targetsModel()
                    ->index(0, TargetStatusModel::AnchorColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("Old Root CA")));
        QVERIFY(QTest::qWaitFor([&] { return w.trustStoreView()->model()->rowCount() == 2; }, 10000));
        QVERIFY(!panel->button(QStringLiteral("commit"))->isEnabled());
        QVERIFY(panel->button(QStringLiteral("retire"))->isEnabled());

        // Retire too early: refused, the target named, nothing written; an override would need a reason.
        stall.phase("early retire");
        QTest::mouseClick(panel->button(QStringLiteral("retire")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY(!out.ok);
        QCOMPARE(out.code, QStringLiteral("policy"));
        const QString target = QStringLiteral("127.0.0.1:%1").arg(m_server.port());
        QVERIFY2(panel->resultText().contains(target), qPrintable(panel->resultText()));
        QVERIFY2(w.banner()->text().contains(target), qPrintable(w.banner()->text()));
        QVERIFY(panel->button(QStringLiteral("override"))->isEnabled());
        QCOMPARE(readAll(store), m_new.root.pem() + m_old.root.pem());

        // The server is renewed from the new CA; confirm until its chain is anchored by the new CA.
        stall.phase("renew + confirm");
        renewServer(m_new);
        bool anchoredNew = false;
        for (int i = 0; i < 20 && !anchoredNew; ++i) {
            QTest::qWait(300);
            QTest::mouseClick(panel->button(QStringLiteral("confirm")), Qt::LeftButton);
            QVERIFY(waitOutcome(panel, &out));
            anchoredNew = panel->targetsModel()->statusAt(0)->anchoredBy == QStringLiteral("new");
        }
        QVERIFY2(anchoredNew, qPrintable(panel->targetsModel()->statusAt(0)->anchoredBy));

        // Retire: the new CA alone; the store table shows one certificate.
        stall.phase("retire");
        QTest::mouseClick(panel->button(QStringLiteral("retire")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QCOMPARE(readAll(store), m_new.root.pem());
        QCOMPARE(panel->model()->index(0, RotationModel::PhaseColumn).data().toString(),
                 QStringLiteral("retired (new only)"));
        QVERIFY(QTest::qWaitFor(
            [&] {
                const auto b = w.storeBundle();
                return b && b->entries.size() == 1
                    && b->entries.first().certificate.info().subject.commonName == QStringLiteral("New Root CA");
            },
            10000));
        QVERIFY(QTest::qWaitFor([&] { return w.trustStoreView()->model()->rowCount() == 1; }, 5000));

        // Roll back one step: the overlap again, and the probes still verify.
        stall.phase("rollback");
        QTest::mouseClick(panel->button(QStringLiteral("rollback")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QCOMPARE(readAll(store), m_new.root.pem() + m_old.root.pem());
        QVERIFY(QTest::qWaitFor([&] { return w.trustStoreView()->model()->rowCount() == 2; }, 10000));

        // The Audit tab shows the rotation's records as they were written.
        const QStringList want { QStringLiteral("rotation-staged"),     QStringLiteral("rotation-dry-run"),
                                 QStringLiteral("rotation-committed"),  QStringLiteral("rotation-confirmed"),
                                 QStringLiteral("rotation-refused"),    QStringLiteral("rotation-retired"),
                                 QStringLiteral("rotation-rolled-back") };
        QVERIFY(QTest::qWaitFor(
            [&] {
                const QStringList events = auditEvents(w.auditPanel());
                return std::all_of(want.cbegin(), want.cend(), [&](const QString& e) { return events.contains(e); });
            },
            10000));
        renewServer(m_old); // the next tests start from old-CA chains
        QTest::qWait(1600); // the server re-reads its files every second
        qInfo("longest event-loop stall during the rotation flow: %lld ms (during: %s)", stall.maxGapMs(),
              stall.where());
        QVERIFY2(stall.maxGapMs() <= 50, qPrintable(QStringLiteral("stall %1 ms").arg(stall.maxGapMs())));
    }

    void failingProbeKeepsCommitDisabled()
    {
        const QString store = m_tmp.filePath(QStringLiteral("refusal/ca-bundle.pem"));
        QVERIFY(writeFile(store, m_old.root.pem()));
        MainWindow w(Clock::system());
        w.setAuditLog(m_audit.get());
        tuneForTests(w);
        w.workspace()->setCandidateFile(std::make_shared<Bundle>(parseBundle(m_new.root.pem(), QStringLiteral("n"))),
                                        writeCandidate(QStringLiteral("refusal")));
        RotatePanel* panel = w.rotatePanel();
        // The untrusted server fails with the current and the proposed bundle alike.
        panel->setDestinations(
            { { store, { QStringLiteral("127.0.0.1:%1;servername=localhost").arg(m_untrusted.port()) }, 0, {}, -1 } });
        QVERIFY(panel->stage());
        rotation::Outcome out;
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message)); // staged, with the gate's verdict
        QVERIFY(!panel->button(QStringLiteral("commit"))->isEnabled());
        QVERIFY2(panel->reasonFor(QStringLiteral("commit")).contains(QStringLiteral("probe-failed")),
                 qPrintable(panel->reasonFor(QStringLiteral("commit"))));
        QVERIFY(panel->diffText().contains(QStringLiteral("rule probe-failed")));

        // An override asks for a typed reason: "ok" is not one.
        QVERIFY(panel->button(QStringLiteral("override"))->isEnabled());
        QSignalSpy asked(panel, &RotatePanel::reasonRequested);
        QTest::mouseClick(panel->button(QStringLiteral("override")), Qt::LeftButton);
        QCOMPARE(asked.size(), 1);
        auto* dialog = qobject_cast<ReasonDialog*>(asked.first().at(0).value<QDialog*>());
        QVERIFY(dialog && dialog->isVisible());
        QPushButton* ok = dialog->buttons()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("ok"));
        QVERIFY(!ok->isEnabled());
        dialog->reasonEdit()->setText(QStringLiteral("CHG-42: the canary has its own trust store"));
        QVERIFY(ok->isEnabled());
        dialog->reject(); // not this time
        QVERIFY(!panel->button(QStringLiteral("commit"))->isEnabled());
        QCOMPARE(readAll(store), m_old.root.pem());

        QTest::mouseClick(panel->button(QStringLiteral("discard")), Qt::LeftButton);
        QVERIFY(!panel->rotation()->isLoaded());
        QVERIFY(panel->button(QStringLiteral("stage"))->isEnabled());
    }

    void conflictIsShownAndRestaged()
    {
        const QString store = m_tmp.filePath(QStringLiteral("conflict/ca-bundle.pem"));
        QVERIFY(writeFile(store, m_old.root.pem()));
        MainWindow w(Clock::system());
        w.setAuditLog(m_audit.get());
        tuneForTests(w);
        w.workspace()->setCandidateFile(std::make_shared<Bundle>(parseBundle(m_new.root.pem(), QStringLiteral("n"))),
                                        writeCandidate(QStringLiteral("conflict")));
        RotatePanel* panel = w.rotatePanel();
        panel->setDestinations({ { store, { targetSpec() }, 0, {}, -1 } });
        QVERIFY(panel->stage());
        rotation::Outcome out;
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        // Someone else changes the store after staging.
        const QByteArray theirs = m_old.root.pem() + m_other.root.pem();
        QVERIFY(writeFile(store, theirs));
        QTest::mouseClick(panel->button(QStringLiteral("commit")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY(!out.ok);
        QVERIFY(panel->conflictShown());
        QVERIFY2(panel->conflictText().contains(QStringLiteral("ca-bundle.pem")), qPrintable(panel->conflictText()));
        QCOMPARE(readAll(store), theirs); // nothing written over it
        QVERIFY(auditEvents(w.auditPanel()).contains(QStringLiteral("rotation-conflict"))
                || QTest::qWaitFor(
                    [&] { return auditEvents(w.auditPanel()).contains(QStringLiteral("rotation-conflict")); }, 5000));

        // Re-stage: the new original is what is there now.
        QVERIFY(panel->button(QStringLiteral("restage"))->isEnabled());
        QTest::mouseClick(panel->button(QStringLiteral("restage")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QVERIFY(!panel->conflictShown());
        QVERIFY2(panel->diffText().contains(QStringLiteral("2 → 3 certificates")), qPrintable(panel->diffText()));
        QVERIFY(panel->button(QStringLiteral("commit"))->isEnabled());
        QVERIFY(panel->rotation()->discard());
    }

    void openRotationIsPickedUp()
    {
        const QString store = m_tmp.filePath(QStringLiteral("resume/ca-bundle.pem"));
        QVERIFY(writeFile(store, m_old.root.pem()));
        QString id;
        {
            MainWindow w(Clock::system());
            w.setAuditLog(m_audit.get());
            tuneForTests(w);
            w.workspace()->setCandidateFile(
                std::make_shared<Bundle>(parseBundle(m_new.root.pem(), QStringLiteral("n"))),
                writeCandidate(QStringLiteral("resume")));
            w.rotatePanel()->setDestinations({ { store, { targetSpec() }, 0, {}, -1 } });
            QVERIFY(w.rotatePanel()->stage());
            rotation::Outcome out;
            QVERIFY(waitOutcome(w.rotatePanel(), &out));
            QVERIFY2(out.ok, qPrintable(out.message));
            QTest::mouseClick(w.rotatePanel()->button(QStringLiteral("commit")), Qt::LeftButton);
            QVERIFY(waitOutcome(w.rotatePanel(), &out));
            QVERIFY2(out.ok, qPrintable(out.message));
            id = w.rotatePanel()->rotation()->state().id;
            rotation::Rotation::waitForSaved();
        }
        // The next start finds it: phase, destinations and the actions it allows now.
        MainWindow w(Clock::system());
        w.setAuditLog(m_audit.get());
        tuneForTests(w);
        RotatePanel* panel = w.rotatePanel();
        QSignalSpy resumed(panel, &RotatePanel::resumed);
        w.resumeRotations();
        QVERIFY(!panel->rotation()); // read on the pool: nothing yet on the GUI thread
        QVERIFY(resumed.wait(5000));
        QVERIFY(panel->rotation() && panel->rotation()->isLoaded());
        QCOMPARE(panel->rotation()->state().id, id);
        QCOMPARE(panel->model()->rowCount(), 1);
        QCOMPARE(panel->model()->index(0, RotationModel::PhaseColumn).data().toString(),
                 QStringLiteral("overlap (old + new)"));
        QCOMPARE(panel->destinations().first().spec, store);
        QVERIFY(QTest::qWaitFor([&] { return panel->button(QStringLiteral("rollback"))->isEnabled(); }, 5000));
        QTest::mouseClick(panel->button(QStringLiteral("rollback")), Qt::LeftButton);
        rotation::Outcome out;
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QCOMPARE(readAll(store), m_old.root.pem());
    }

    void secretDestination()
    {
        KubeApiServer api(KubeApiServer::Options {});
        QString error;
        QVERIFY2(api.start(&error), qPrintable(error));
        const QString kubeconfig = m_tmp.filePath(QStringLiteral("kubeconfig"));
        QVERIFY(api.writeKubeconfig(kubeconfig));
        qputenv("KUBECONFIG", kubeconfig.toLocal8Bit());
        QVERIFY(
            !api.putSecret(QStringLiteral("gateway"), QStringLiteral("trust"),
                           { { QStringLiteral("ca.crt"), m_old.root.pem() }, { QStringLiteral("other"), "keep me" } })
                 .isEmpty());
        MainWindow w(Clock::system());
        w.setAuditLog(m_audit.get());
        tuneForTests(w);
        w.workspace()->setCandidateFile(std::make_shared<Bundle>(parseBundle(m_new.root.pem(), QStringLiteral("n"))),
                                        writeCandidate(QStringLiteral("secret")));
        RotatePanel* panel = w.rotatePanel();
        panel->setDestinations({ { QStringLiteral("secret://gateway/trust#ca.crt"), { targetSpec() }, 0, {}, -1 } });
        QVERIFY(panel->stage());
        rotation::Outcome out;
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        QTest::mouseClick(panel->button(QStringLiteral("commit")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        const QJsonObject data
            = api.secret(QStringLiteral("gateway"), QStringLiteral("trust")).value(QStringLiteral("data")).toObject();
        QCOMPARE(QByteArray::fromBase64(data.value(QStringLiteral("ca.crt")).toString().toLatin1()),
                 m_new.root.pem() + m_old.root.pem());
        QCOMPARE(QByteArray::fromBase64(data.value(QStringLiteral("other")).toString().toLatin1()),
                 QByteArray("keep me"));
        QCOMPARE(panel->targetsModel()->statusAt(0)->anchoredBy, QStringLiteral("old"));
        QTest::mouseClick(panel->button(QStringLiteral("rollback")), Qt::LeftButton);
        QVERIFY(waitOutcome(panel, &out));
        QVERIFY2(out.ok, qPrintable(out.message));
        const QJsonObject back
            = api.secret(QStringLiteral("gateway"), QStringLiteral("trust")).value(QStringLiteral("data")).toObject();
        QCOMPARE(QByteArray::fromBase64(back.value(QStringLiteral("ca.crt")).toString().toLatin1()), m_old.root.pem());
        qunsetenv("KUBECONFIG");
    }

    void drillViewWalksTheDrill()
    {
        MainWindow w(Clock::system());
        w.show();
        DrillPanel* panel = w.drillPanel();
        QAbstractItemModelTester tester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Before anything runs, the steps and what each must show are there.
        QCOMPARE(panel->model()->rowCount(), 9);
        QVERIFY(!panel->model()->index(2, DrillStepsModel::ExpectedColumn).data().toString().isEmpty());
        const QString sandbox = m_tmp.filePath(QStringLiteral("drill-sandbox"));
        panel->setPauseBetweenSteps(true);
        QSignalSpy done(panel, &DrillPanel::finished);
        w.startDrill(sandbox);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(panel));
        // The operator walks it: Next after each step.
        int nexts = 0;
        while (done.isEmpty() && nexts < 20) {
            QVERIFY(QTest::qWaitFor([&] { return !done.isEmpty() || panel->nextButton()->isEnabled(); }, 30000));
            if (!done.isEmpty())
                break;
            QVERIFY(panel->statusText().startsWith(QStringLiteral("Next: ")));
            QTest::mouseClick(panel->nextButton(), Qt::LeftButton);
            ++nexts;
        }
        QVERIFY(!done.isEmpty() || done.wait(30000));
        const auto report = done.first().at(0).value<drill::Report>();
        QVERIFY2(report.ok, qPrintable(report.error));
        QCOMPARE(nexts, 8); // paused between every two of the nine steps
        QCOMPARE(panel->model()->passedCount(), 9);
        QVERIFY2(panel->reportText().contains(QStringLiteral("every step behaved as expected")),
                 qPrintable(panel->reportText().left(400)));
        // A step's details: what it must show, what it did, its audit records.
        panel->stepsView()->setCurrentIndex(panel->model()->index(4, 0));
        QVERIFY2(panel->detailsText().contains(QStringLiteral("Must happen:"))
                     && panel->detailsText().contains(QStringLiteral("Audit records:"))
                     && panel->detailsText().contains(QStringLiteral("anchored by old")),
                 qPrintable(panel->detailsText()));
        QVERIFY(QFileInfo::exists(sandbox + QStringLiteral("/report.md")));
        QVERIFY(panel->statusText().contains(sandbox + QStringLiteral("/report.md")));

        // A kept sandbox's report shows again without running anything.
        MainWindow review(Clock::system());
        QSignalSpy shown(review.drillPanel(), &DrillPanel::savedReportShown);
        review.showDrillReport(sandbox);
        QVERIFY(shown.wait(10000));
        QCOMPARE(shown.first().at(0).toBool(), true);
        QCOMPARE(review.drillPanel()->model()->passedCount(), 9);
        QVERIFY(review.drillPanel()->reportText().contains(QStringLiteral("every step behaved as expected")));
    }

    void closingTheWindowStopsTheDrill()
    {
        QList<qint64> pids;
        {
            MainWindow w(Clock::system());
            w.show();
            w.drillPanel()->setPauseBetweenSteps(true);
            w.startDrill(m_tmp.filePath(QStringLiteral("drill-closed")));
            // Wait until the servers run (the drill waits before its third step).
            QVERIFY(QTest::qWaitFor([&] { return w.drillPanel()->nextButton()->isEnabled(); }, 30000));
            QTest::mouseClick(w.drillPanel()->nextButton(), Qt::LeftButton);
            QVERIFY2(QTest::qWaitFor(
                         [&] {
                             return w.drillPanel()->model()->passedCount() >= 2
                                 && w.drillPanel()->nextButton()->isEnabled();
                         },
                         30000),
                     qPrintable(w.drillPanel()->statusText()));
            pids = w.drillPanel()->drill()->helperPids();
            QCOMPARE(pids.size(), 2);
            for (qint64 pid : pids)
                QVERIFY(processAlive(pid));
            QVERIFY(w.close());
            QVERIFY(!w.drillPanel()->drill());
        }
        for (qint64 pid : pids)
            QVERIFY(QTest::qWaitFor([&] { return !processAlive(pid); }, 5000));
    }

private:
    void tuneForTests(MainWindow& w)
    {
        RotatePanel::Options o = w.rotatePanel()->options();
        o.probeTimeoutMs = 3000;
        o.confirmDeadlineMs = 10000;
        o.confirmInitialBackoffMs = 100;
        o.confirmMaxBackoffMs = 500;
        w.rotatePanel()->setOptions(o);
    }

    QString targetSpec() const { return QStringLiteral("127.0.0.1:%1;servername=localhost").arg(m_server.port()); }

    void setTarget(MainWindow& w, quint16 port)
    {
        w.probePanel()->targetsModel()->setRows(
            { ProbeTargetRow { QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("localhost"), {} } });
    }

    QString writeCandidate(const QString& name)
    {
        const QString path = m_tmp.filePath(QStringLiteral("candidates/%1.pem").arg(name));
        writeFile(path, m_new.root.pem());
        return path;
    }

    /// Renames a renewed chain and key into the server's files (it re-reads them every second).
    void renewServer(const Hierarchy& from)
    {
        const QString staging = m_tmp.filePath(QStringLiteral("renew"));
        const QStringList args = grpcServerTlsArgs(staging, QStringLiteral("api"), from.leaf, from.intermediate);
        QVERIFY(!args.isEmpty());
        for (const QString& ext : { QStringLiteral(".pem"), QStringLiteral(".key") }) {
            const QString target = m_serverDir + QStringLiteral("/api") + ext;
            QVERIFY(::rename(QFile::encodeName(staging + QStringLiteral("/api") + ext).constData(),
                             QFile::encodeName(target).constData())
                    == 0);
        }
    }

    QTemporaryDir m_tmp;
    qint64 m_now = 0;
    Hierarchy m_old, m_new, m_other;
    QString m_serverDir;
    GrpcTestServer m_server;
    GrpcTestServer m_untrusted;
    std::unique_ptr<AuditLog> m_audit;
};

QTEST_MAIN(TestRotatePanel)
#include "TestRotatePanel.moc"
