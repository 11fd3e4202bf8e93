// SPDX-License-Identifier: GPL-3.0-or-later
// Screenshots of the main views under a real X server (xvfb-run): the trust store with a selected
// certificate, the incoming preview with its timeline, the timeline alone, and the Probe panel after
// a run against two real gRPC servers (one on the old CA, one on the new). Saved as PNGs into
// the build directory ($CERTROTOR_SCREENSHOT_DIR) and checked not to be blank. With CERTROTOR_DARK=1
// the dark palette is used (the test runs a second time at QT_SCALE_FACTOR=2 that way).

#include "DrillPanel.h"
#include "ExpiryTimeline.h"
#include "GuiFixtures.h"
#include "IncomingView.h"
#include "MainWindow.h"
#include "ProbePanel.h"
#include "ProbeResultsModel.h"
#include "ProbeTargetsModel.h"
#include "RotatePanel.h"
#include "TestPeers.h"
#include "TrustStoreView.h"
#include "UiStyle.h"
#include "audit/AuditLog.h"
#include "util/Clock.h"

#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QGuiApplication>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

int distinctColours(const QImage& image)
{
    QSet<QRgb> colours;
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < img.height(); y += 2) {
        const auto* line = reinterpret_cast<const QRgb*>(img.constScanLine(y));
        for (int x = 0; x < img.width(); x += 2)
            colours.insert(line[x]);
    }
    return int(colours.size());
}

} // namespace

class TestScreenshots : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
                 qPrintable(QStringLiteral("needs a real X server, got %1").arg(QGuiApplication::platformName())));
        m_dark = qEnvironmentVariableIntValue("CERTROTOR_DARK") == 1;
        if (m_dark)
            applyDarkPalette(*qApp);
        m_outDir = qEnvironmentVariable("CERTROTOR_SCREENSHOT_DIR", QDir::currentPath() + QStringLiteral("/screenshots"));
        QVERIFY(QDir().mkpath(m_outDir));
    }

    void mainViews()
    {
        const qint64 now = guiNow().toSecsSinceEpoch();
        const RotationSet set = makeRotationSet(now);
        QTemporaryDir dir;
        const QString store = dir.filePath(QStringLiteral("current.pem"));
        QVERIFY(writeFile(store, set.storePem()));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("incoming/ca.pem")),
                          pemBundle({&set.oldRoot, &set.intermediate, &set.newRoot, &set.sha1Ca})));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        QSignalSpy incoming(&w, &MainWindow::incomingReady);
        w.openStore(store);
        QVERIFY(loaded.wait(10000));
        QVERIFY(w.addSourceSpec(dir.filePath(QStringLiteral("incoming"))));
        QVERIFY(incoming.wait(10000));
        w.resize(1400, 860);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));

        const QString suffix = m_dark ? QStringLiteral("-dark-2x") : QString();
        w.tabs()->setCurrentWidget(w.trustStoreView());
        w.trustStoreView()->table()->selectRow(1);
        QTest::qWait(50); // let the details pane lay out before grabbing (no signal to await for a repaint)
        save(w.grab().toImage(), QStringLiteral("trust-store") + suffix);

        w.tabs()->setCurrentWidget(w.incomingView());
        QTest::qWait(50);
        save(w.grab().toImage(), QStringLiteral("incoming") + suffix);
        save(w.incomingView()->timeline()->grab().toImage(), QStringLiteral("timeline") + suffix);

        // The probe: TLS checks run on the real clock, so these certificates are made relative to now.
        const qint64 realNow = QDateTime::currentSecsSinceEpoch();
        const Hierarchy oldPki = makeHierarchy(realNow, QStringLiteral("Old"));
        const Hierarchy newPki = makeHierarchy(realNow, QStringLiteral("New"));
        GrpcTestServer oldServer, newServer;
        QVERIFY(oldServer.start(grpcServerTlsArgs(dir.path(), QStringLiteral("old"), oldPki.leaf, oldPki.intermediate)));
        QVERIFY(newServer.start(grpcServerTlsArgs(dir.path(), QStringLiteral("new"), newPki.leaf, newPki.intermediate)));
        const QString overlapFile = dir.filePath(QStringLiteral("overlap.pem"));
        QVERIFY(writeFile(overlapFile, newPki.root.pem() + oldPki.root.pem()));
        ProbePanel* probe = w.probePanel();
        probe->setCurrentBundle(std::make_shared<const Bundle>(parseBundle(oldPki.root.pem(), QStringLiteral("current.pem"))),
                                store);
        QSignalSpy candidate(probe, &ProbePanel::candidateChanged);
        probe->loadCandidateFile(overlapFile);
        QVERIFY(candidate.wait(10000));
        probe->targetsModel()->setRows({{QStringLiteral("127.0.0.1:%1").arg(oldServer.port()), {}, {}},
                                        {QStringLiteral("127.0.0.1:%1").arg(newServer.port()), QStringLiteral("localhost"), {}}});
        probe->findChild<QCheckBox*>(QStringLiteral("probeOverlapCheckBox"))->setChecked(true);
        w.tabs()->setCurrentWidget(probe);
        QSignalSpy finished(probe, &ProbePanel::planFinished);
        QVERIFY(probe->run());
        QVERIFY(finished.wait(30000));
        QVERIFY(probe->lastVerdict().passed());
        probe->resultsView()->selectRow(1); // current at the new server: the verify error in the details
        QCOMPARE(probe->resultsModel()->state(1), ProbeResultsModel::State::Failed);
        QTest::qWait(50);
        save(w.grab().toImage(), QStringLiteral("probe") + suffix);
    }

    void rotateAndDrill()
    {
        const QString suffix = m_dark ? QStringLiteral("-dark-2x") : QString();
        QTemporaryDir dir;
        qputenv("CERTROTOR_STATE_DIR", dir.filePath(QStringLiteral("state")).toLocal8Bit());
        qputenv("CERTROTOR_HELPER_DIR", QByteArrayLiteral(CERTROTOR_TEST_HELPER_DIR));
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const Hierarchy oldPki = makeHierarchy(now, QStringLiteral("Old"));
        const Hierarchy newPki = makeHierarchy(now, QStringLiteral("New"));
        GrpcTestServer api;
        QVERIFY(api.start(grpcServerTlsArgs(dir.path(), QStringLiteral("api"), oldPki.leaf, oldPki.intermediate)));
        const QString store = dir.filePath(QStringLiteral("store/ca-bundle.pem"));
        QVERIFY(writeFile(store, oldPki.root.pem()));
        const QString candidate = dir.filePath(QStringLiteral("incoming/new-ca.pem"));
        QVERIFY(writeFile(candidate, newPki.root.pem()));
        MainWindow w(Clock::system());
        AuditLog audit(dir.filePath(QStringLiteral("audit.jsonl")), &Clock::system());
        audit.openWithoutKeyring();
        w.setAuditLog(&audit);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        w.openStore(store);
        QVERIFY(loaded.wait(10000));
        w.workspace()->setCandidateFile(std::make_shared<Bundle>(parseBundle(newPki.root.pem(), candidate)), candidate);
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        RotatePanel* panel = w.rotatePanel();
        w.tabs()->setCurrentWidget(panel);
        panel->setDestinations(
            { { store, { QStringLiteral("127.0.0.1:%1;servername=localhost").arg(api.port()) }, 0, {}, -1 } });
        const auto step = [panel](const std::function<void()>& action) {
            QSignalSpy done(panel, &RotatePanel::operationFinished);
            action();
            return done.wait(30000) ? done.first().at(0).value<rotation::Outcome>() : rotation::Outcome {};
        };
        QVERIFY(step([panel] { panel->stage(); }).ok);
        QVERIFY(step([panel] { panel->commitNextWave(); }).ok); // overlap, confirmed: anchored by the old CA
        QTest::qWait(50);
        save(w.grab().toImage(), QStringLiteral("rotate") + suffix);
        // Someone rewrites the store: the retire is a conflict, shown with what changed.
        QVERIFY(writeFile(store, newPki.root.pem() + oldPki.root.pem() + oldPki.intermediate.pem()));
        QVERIFY(!step([panel] { panel->retire(); }).ok);
        QVERIFY(panel->conflictShown());
        QTest::qWait(50);
        save(w.grab().toImage(), QStringLiteral("rotate-conflict") + suffix);

        // The drill view after a whole drill (run straight through).
        w.drillPanel()->setPauseBetweenSteps(false);
        QSignalSpy drilled(w.drillPanel(), &DrillPanel::finished);
        w.startDrill();
        QVERIFY(drilled.wait(60000));
        QVERIFY(drilled.first().at(0).value<drill::Report>().ok);
        w.drillPanel()->stepsView()->selectRow(5); // the refused early retire
        QTest::qWait(50);
        save(w.grab().toImage(), QStringLiteral("drill") + suffix);
        QDir(drilled.first().at(0).value<drill::Report>().dir).removeRecursively();
    }

private:
    void save(const QImage& image, const QString& name)
    {
        QVERIFY(!image.isNull());
        const QString path = m_outDir + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY2(image.save(path), qPrintable(path));
        const int colours = distinctColours(image);
        qInfo("%s: %dx%d, %d colours", qPrintable(path), image.width(), image.height(), colours);
        QVERIFY2(colours > 40, qPrintable(QStringLiteral("%1 looks blank (%2 colours)").arg(path).arg(colours)));
    }

    bool m_dark = false;
    QString m_outDir;
};

QTEST_MAIN(TestScreenshots)
#include "TestScreenshots.moc"
